import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';

import { DataSource } from '../datasource';
import { QUERY_TYPE_SPECS } from '../queryTypes';
import { FakeTemplateSrv } from '../testing/fakeTemplateSrv';
import { findOption, pick, user } from '../testing/options';
import { instanceSettings } from '../testing/settings';
import { CIRadarQuery, OwnField, PanelQueryType } from '../types';
import { QueryEditor } from './QueryEditor';

// What the fake backend answers on GET /variables/{name}, whatever the narrowing.
const RESOURCES: Record<string, string[]> = {
  'variables/repos': ['acme/api', 'acme/web', 'other/tool'],
  'variables/workflows': ['ci', 'nightly'],
};

function newDataSource() {
  const ds = new DataSource(instanceSettings(), new FakeTemplateSrv({ repo: ['acme/api'] }));
  const getResource = jest
    .spyOn(ds, 'getResource')
    .mockImplementation((path: string) => Promise.resolve(RESOURCES[path] ?? []));
  return { ds, getResource };
}

// Renders the editor with state, as a panel does, and records every query it emits.
function renderEditor(initial: CIRadarQuery) {
  const { ds, getResource } = newDataSource();
  const emitted: CIRadarQuery[] = [];
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = React.useState(initial);
    return (
      <QueryEditor
        datasource={ds}
        query={query}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          emitted.push(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Harness />);
  return { emitted, onRunQuery, getResource };
}

// The own fields and filters on screen, by the names the query model gives them.
function shown(kind: 'field' | 'filter'): string[] {
  const prefix = `ciradar-${kind}-`;
  return screen
    .queryAllByTestId(new RegExp(`^${prefix}`))
    .map((el) => (el.getAttribute('data-testid') ?? '').slice(prefix.length))
    .sort();
}

describe('QueryEditor', () => {
  const cases: Array<{
    name: string;
    from: CIRadarQuery;
    to: PanelQueryType;
    fields: OwnField[];
    want: CIRadarQuery;
  }> = [
    {
      name: 'queue time to jobs keeps the filters jobs offer',
      from: { refId: 'A', queryType: 'queue_time', groupBy: 'repo', filters: { repos: ['$repo'] } },
      to: 'jobs',
      fields: ['states', 'limit'],
      want: {
        refId: 'A',
        queryType: 'jobs',
        states: ['queued', 'in_progress'],
        limit: 500,
        filters: { repos: ['$repo'] },
      },
    },
    {
      name: 'queue time to queued now asks for both values',
      from: { refId: 'A', queryType: 'queue_time', groupBy: 'labels', filters: { labels: ['linux'] } },
      to: 'queued_now',
      fields: ['value'],
      want: { refId: 'A', queryType: 'queued_now', filters: { labels: ['linux'] } },
    },
    {
      name: 'jobs to active jobs keeps the filters of unfinished jobs, and no own field',
      from: {
        refId: 'A',
        queryType: 'jobs',
        states: ['queued'],
        limit: 5,
        filters: { repos: ['$repo'], conclusions: ['failure'] },
      },
      to: 'active_jobs',
      fields: [],
      want: { refId: 'A', queryType: 'active_jobs', filters: { repos: ['$repo'] } },
    },
    {
      name: 'jobs to GitHub status drops every filter',
      from: { refId: 'B', queryType: 'jobs', states: ['completed'], limit: 5, filters: { conclusions: ['failure'] } },
      to: 'github_status',
      fields: ['view'],
      want: { refId: 'B', queryType: 'github_status', view: 'components' },
    },
    {
      name: 'GitHub status to steps turns the view into the steps one',
      from: { refId: 'E', queryType: 'github_status', view: 'incidents' },
      to: 'steps',
      fields: ['view', 'jobs', 'steps', 'limit'],
      want: { refId: 'E', queryType: 'steps', view: 'slowest' },
    },
    {
      name: 'top N to pipeline drops the ranking',
      from: { refId: 'C', queryType: 'repo_stats', dimension: 'label', metric: 'p95_queue', limit: 3 },
      to: 'pipeline',
      fields: ['runId', 'repo', 'branch'],
      want: { refId: 'C', queryType: 'pipeline' },
    },
    {
      name: 'ingest health to top N gets the ranking defaults',
      from: { refId: 'D', queryType: 'ingest_health', filters: { events: ['push'] } },
      to: 'repo_stats',
      fields: ['dimension', 'metric', 'limit'],
      want: {
        refId: 'D',
        queryType: 'repo_stats',
        dimension: 'repo',
        metric: 'runs',
        limit: 10,
        filters: { events: ['push'] },
      },
    },
  ];

  it.each(cases)('$name', async ({ from, to, fields, want }) => {
    const { emitted, onRunQuery } = renderEditor(from);

    await pick('Query type', QUERY_TYPE_SPECS[to].label);

    expect(emitted[emitted.length - 1]).toEqual(want);
    expect(onRunQuery).toHaveBeenCalled();
    expect(shown('field')).toEqual([...fields].sort());
    expect(shown('filter')).toEqual([...QUERY_TYPE_SPECS[to].filters].sort());
  });

  it('makes a query without a type a valid queue time query', async () => {
    const { emitted } = renderEditor({ refId: 'A' });
    await waitFor(() => expect(emitted).toEqual([{ refId: 'A', queryType: 'queue_time', groupBy: 'labels' }]));
    expect(shown('field')).toEqual(['groupBy', 'includeAbandoned']);
  });

  const values: Array<{ name: string; from: CIRadarQuery; click: string; want: CIRadarQuery['value'] }> = [
    { name: 'queued now: count only', from: { refId: 'A', queryType: 'queued_now' }, click: 'Count', want: 'count' },
    {
      name: 'queued now: back to both',
      from: { refId: 'A', queryType: 'queued_now', value: 'oldest_age_seconds' },
      click: 'Both',
      want: undefined,
    },
  ];

  it.each(values)('$name', async ({ from, click, want }) => {
    const { emitted, onRunQuery } = renderEditor(from);

    await user.click(screen.getByLabelText(click));

    expect(emitted[emitted.length - 1]).toEqual({ ...from, value: want });
    expect(onRunQuery).toHaveBeenCalled();
  });

  const options: Array<{ name: string; from: CIRadarQuery; click: string; want: CIRadarQuery }> = [
    {
      name: 'build results: count every attempt',
      from: { refId: 'A', queryType: 'build_results', splitBy: 'none' },
      click: 'Every attempt',
      want: { refId: 'A', queryType: 'build_results', splitBy: 'none', countBy: 'attempt' },
    },
    {
      name: 'queue time: include abandoned waits',
      from: { refId: 'A', queryType: 'queue_time', groupBy: 'labels' },
      click: 'Abandoned',
      want: { refId: 'A', queryType: 'queue_time', groupBy: 'labels', includeAbandoned: true },
    },
    {
      name: 'steps: where failed jobs failed',
      from: { refId: 'A', queryType: 'steps', view: 'slowest' },
      click: 'Failing step',
      want: { refId: 'A', queryType: 'steps', view: 'failing' },
    },
    {
      name: 'build results: split by passed with warnings',
      from: { refId: 'A', queryType: 'build_results', splitBy: 'none' },
      click: 'Passed with warnings',
      want: { refId: 'A', queryType: 'build_results', splitBy: 'warnings' },
    },
  ];

  it.each(options)('$name', async ({ from, click, want }) => {
    const { emitted, onRunQuery } = renderEditor(from);

    await user.click(screen.getByLabelText(click));

    expect(emitted[emitted.length - 1]).toEqual(want);
    expect(onRunQuery).toHaveBeenCalled();
  });

  const dropdowns: Array<{
    name: string;
    filter: string;
    request?: [string, Record<string, string>];
    options: string[];
  }> = [
    {
      name: 'orgs are the owners of the repos',
      filter: 'Orgs',
      request: ['variables/repos', {}],
      options: ['$repo', 'acme', 'other'],
    },
    {
      name: 'workflows are narrowed by the one org chosen',
      filter: 'Workflows',
      request: ['variables/workflows', { org: 'acme' }],
      options: ['$repo', 'ci', 'nightly'],
    },
    {
      name: 'conclusions are a fixed list',
      filter: 'Conclusions',
      options: ['$repo', 'success', 'failure', 'cancelled'],
    },
  ];

  it.each(dropdowns)('$name', async ({ filter, request, options }) => {
    const { getResource } = renderEditor({ refId: 'A', queryType: 'jobs', filters: { orgs: ['acme'] } });

    await user.click(screen.getByLabelText(filter));

    for (const option of options) {
      expect(await findOption(option)).toBeInTheDocument();
    }
    if (request) {
      expect(getResource).toHaveBeenCalledWith(...request);
    } else {
      expect(getResource).not.toHaveBeenCalled();
    }
  });

  it('adds a picked value to the filter and runs the query', async () => {
    const { emitted, onRunQuery } = renderEditor({ refId: 'A', queryType: 'jobs' });

    await pick('Repos', 'acme/web');

    expect(emitted[emitted.length - 1].filters).toEqual({ repos: ['acme/web'] });
    expect(onRunQuery).toHaveBeenCalled();
  });
});
