import { ScopedVars } from '@grafana/data';

import { DataSource } from './datasource';
import { FakeTemplateSrv } from './testing/fakeTemplateSrv';
import { instanceSettings } from './testing/settings';
import { CIRadarQuery } from './types';

const templateSrv = new FakeTemplateSrv({
  org: 'acme',
  repo: ['acme/api', 'acme/web'],
  oneRepo: ['acme/api'],
  label: ['self-hosted,linux,x64', 'ubuntu-latest'],
  allRepos: { all: true, options: ['acme/api', 'acme/web', 'acme/docs'] },
  anyRepo: { all: true, options: ['acme/api'], customAllValue: '*' },
  runId: '4242',
  branch: ['main', 'release'],
  notANumber: 'abc',
  step: ['Run tests', 'Build'],
});

function apply(query: Omit<CIRadarQuery, 'refId'>, scopedVars: ScopedVars = {}): CIRadarQuery {
  const ds = new DataSource(instanceSettings(), templateSrv);
  return ds.applyTemplateVariables({ refId: 'A', ...query }, scopedVars);
}

describe('DataSource.applyTemplateVariables', () => {
  const cases: Array<{
    name: string;
    query: Omit<CIRadarQuery, 'refId'>;
    scopedVars?: ScopedVars;
    want: Omit<CIRadarQuery, 'refId'>;
  }> = [
    {
      name: 'plain values pass through',
      query: { queryType: 'jobs', filters: { repos: ['acme/api'] }, states: ['queued'], limit: 5 },
      want: { queryType: 'jobs', filters: { repos: ['acme/api'] }, states: ['queued'], limit: 5 },
    },
    {
      name: 'single-value variable',
      query: { queryType: 'queue_time', filters: { orgs: ['$org'] } },
      want: { queryType: 'queue_time', filters: { orgs: ['acme'] } },
    },
    {
      name: 'braced variable inside text',
      query: { queryType: 'queue_time', filters: { repos: ['${org}/api'] } },
      want: { queryType: 'queue_time', filters: { repos: ['acme/api'] } },
    },
    {
      name: 'multi-value variable becomes several entries',
      query: { queryType: 'queue_time', filters: { repos: ['$repo'] } },
      want: { queryType: 'queue_time', filters: { repos: ['acme/api', 'acme/web'] } },
    },
    {
      name: 'label sets keep their commas',
      query: { queryType: 'queued_now', filters: { labels: ['$label'] } },
      want: { queryType: 'queued_now', filters: { labels: ['self-hosted,linux,x64', 'ubuntu-latest'] } },
    },
    {
      name: 'variables and literals mix, duplicates collapse',
      query: { queryType: 'jobs', filters: { repos: ['$repo', 'acme/api', 'acme/docs'] } },
      want: { queryType: 'jobs', filters: { repos: ['acme/api', 'acme/web', 'acme/docs'] } },
    },
    {
      name: 'All without a custom value sends every option',
      query: { queryType: 'jobs', filters: { repos: ['$allRepos'] } },
      want: { queryType: 'jobs', filters: { repos: ['acme/api', 'acme/web', 'acme/docs'] } },
    },
    {
      name: 'All with custom value * means no filter',
      query: { queryType: 'jobs', filters: { repos: ['$anyRepo'], orgs: ['$org'] } },
      want: { queryType: 'jobs', filters: { orgs: ['acme'] } },
    },
    {
      name: 'literal $__all means no filter',
      query: { queryType: 'jobs', filters: { workflows: ['ci', '$__all'] } },
      want: { queryType: 'jobs' },
    },
    {
      name: 'empty lists are dropped',
      query: { queryType: 'jobs', filters: { repos: [], branches: [''] } },
      want: { queryType: 'jobs' },
    },
    {
      name: 'unknown variables are left for the backend to reject',
      query: { queryType: 'jobs', filters: { repos: ['$nope'] } },
      want: { queryType: 'jobs', filters: { repos: ['$nope'] } },
    },
    {
      name: 'scoped variable of a repeated panel wins',
      query: { queryType: 'jobs', filters: { repos: ['$repo'] } },
      scopedVars: { repo: { text: 'acme/web', value: 'acme/web' } },
      want: { queryType: 'jobs', filters: { repos: ['acme/web'] } },
    },
    {
      name: 'run id from a variable becomes a number',
      query: { queryType: 'pipeline', runId: '$runId' },
      want: { queryType: 'pipeline', runId: 4242 },
    },
    {
      name: 'run id that is not a number is dropped',
      query: { queryType: 'pipeline', runId: '$notANumber', repo: '$oneRepo', branch: '$branch' },
      want: { queryType: 'pipeline', runId: undefined, repo: 'acme/api', branch: 'main' },
    },
    {
      name: 'job and step names take variables, and all means every name',
      query: { queryType: 'steps', view: 'slowest', jobs: ['$anyRepo'], steps: ['$step', 'Lint'] },
      want: { queryType: 'steps', view: 'slowest', steps: ['Run tests', 'Build', 'Lint'] },
    },
    {
      name: 'annotation filters are interpolated too',
      query: { queryType: 'annotations', source: 'failed_runs', filters: { repos: ['$repo'] } },
      want: { queryType: 'annotations', source: 'failed_runs', filters: { repos: ['acme/api', 'acme/web'] } },
    },
  ];

  it.each(cases)('$name', ({ query, scopedVars, want }) => {
    expect(apply(query, scopedVars)).toEqual({ refId: 'A', ...want });
  });

  it('does not change the query it was given', () => {
    const filters = { repos: ['$repo'] };
    apply({ queryType: 'jobs', filters });
    expect(filters).toEqual({ repos: ['$repo'] });
  });
});

describe('DataSource.getVariableValues', () => {
  const cases: Array<{ name: string; narrowing: { org?: string; repo?: string }; params: Record<string, string> }> = [
    { name: 'no narrowing', narrowing: {}, params: {} },
    { name: 'literal org', narrowing: { org: 'acme' }, params: { org: 'acme' } },
    { name: 'org from a variable', narrowing: { org: '$org' }, params: { org: 'acme' } },
    { name: 'one repo from a multi-value variable', narrowing: { repo: '$oneRepo' }, params: { repo: 'acme/api' } },
    { name: 'several repos do not narrow', narrowing: { repo: '$repo' }, params: {} },
    { name: 'All does not narrow', narrowing: { repo: '$anyRepo' }, params: {} },
  ];

  it.each(cases)('$name', async ({ narrowing, params }) => {
    const ds = new DataSource(instanceSettings(), templateSrv);
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue(['ci', 'release']);
    await expect(ds.getVariableValues('workflows', narrowing)).resolves.toEqual(['ci', 'release']);
    expect(getResource).toHaveBeenCalledWith('variables/workflows', params);
  });

  it('ignores an answer that is not a list of strings', async () => {
    const ds = new DataSource(instanceSettings(), templateSrv);
    jest.spyOn(ds, 'getResource').mockResolvedValue({ error: 'nope' });
    await expect(ds.getVariableValues('repos')).resolves.toEqual([]);
  });
});
