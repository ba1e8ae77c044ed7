import React from 'react';
import { render, screen } from '@testing-library/react';

import { DataSource } from '../datasource';
import { FakeTemplateSrv } from '../testing/fakeTemplateSrv';
import { user } from '../testing/options';
import { instanceSettings } from '../testing/settings';
import { CIRadarQuery } from '../types';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';

function renderEditor(query: CIRadarQuery) {
  const onChange = jest.fn();
  const ds = new DataSource(instanceSettings(), new FakeTemplateSrv({}));
  render(<AnnotationQueryEditor datasource={ds} query={query} onChange={onChange} onRunQuery={jest.fn()} />);
  return onChange;
}

describe('AnnotationQueryEditor', () => {
  const cases: Array<{ name: string; from: CIRadarQuery; click: string; want: CIRadarQuery; filters: boolean }> = [
    {
      name: 'incidents drop the repository filters',
      from: { refId: 'A', queryType: 'annotations', source: 'failed_runs', filters: { repos: ['acme/api'] } },
      click: 'GitHub incidents',
      want: { refId: 'A', queryType: 'annotations', source: 'incidents' },
      filters: true,
    },
    {
      name: 'failed runs from incidents',
      from: { refId: 'A', queryType: 'annotations', source: 'incidents' },
      click: 'Failed runs',
      want: { refId: 'A', queryType: 'annotations', source: 'failed_runs' },
      filters: false,
    },
  ];

  it.each(cases)('$name', async ({ from, click, want, filters }) => {
    const onChange = renderEditor(from);
    expect(screen.queryByLabelText('Repos') !== null).toBe(filters);

    await user.click(screen.getByLabelText(click));

    expect(onChange).toHaveBeenLastCalledWith(want);
  });
});
