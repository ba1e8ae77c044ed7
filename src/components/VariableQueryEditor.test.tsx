import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { DataSource } from '../datasource';
import { FakeTemplateSrv } from '../testing/fakeTemplateSrv';
import { pick } from '../testing/options';
import { instanceSettings } from '../testing/settings';
import { VariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

function renderEditor(query: VariableQuery) {
  const onChange = jest.fn();
  const ds = new DataSource(instanceSettings(), new FakeTemplateSrv({}));
  render(<VariableQueryEditor datasource={ds} query={query} onChange={onChange} onRunQuery={jest.fn()} />);
  return onChange;
}

describe('VariableQueryEditor', () => {
  const lists: Array<{ name: string; label: string; want: VariableQuery['name'] }> = [
    { name: 'repos', label: 'Repositories', want: 'repos' },
    { name: 'workflows', label: 'Workflows', want: 'workflows' },
    { name: 'labels', label: 'Runner label sets', want: 'labels' },
    { name: 'runner groups', label: 'Runner groups', want: 'runner_groups' },
    { name: 'branches', label: 'Branches', want: 'branches' },
    { name: 'events', label: 'Trigger events', want: 'events' },
  ];

  it.each(lists)('emits the $name list', async ({ label, want }) => {
    const start: VariableQuery = { refId: 'V', name: want === 'repos' ? 'events' : 'repos', org: 'acme' };
    const onChange = renderEditor(start);

    await pick('List', label);

    expect(onChange).toHaveBeenLastCalledWith({ ...start, name: want });
  });

  const narrowings: Array<{ name: string; field: string; text: string; want: Partial<VariableQuery> }> = [
    { name: 'org', field: 'Org', text: 'acme', want: { org: 'acme' } },
    { name: 'org from a variable', field: 'Org', text: '$org', want: { org: '$org' } },
    { name: 'repo, trimmed', field: 'Repo', text: ' acme/api ', want: { repo: 'acme/api' } },
    { name: 'cleared org', field: 'Org', text: '', want: { org: undefined } },
  ];

  it.each(narrowings)('emits the $name narrowing when the field loses focus', ({ field, text, want }) => {
    const start: VariableQuery = { refId: 'V', name: 'workflows', org: 'old' };
    const onChange = renderEditor(start);
    const input = screen.getByLabelText(field);

    fireEvent.change(input, { target: { value: text } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(input);

    expect(onChange).toHaveBeenLastCalledWith({ ...start, ...want });
  });

  it('shows repos for a query Grafana has not filled in yet', () => {
    renderEditor({ refId: 'V' } as VariableQuery);
    expect(screen.getByLabelText('List')).toHaveValue('Repositories');
  });
});
