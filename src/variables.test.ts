import { DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { DataSource } from './datasource';
import { FakeTemplateSrv } from './testing/fakeTemplateSrv';
import { instanceSettings } from './testing/settings';
import { VariableQuery } from './types';
import { CIRadarVariableSupport } from './variables';

function request(target: Partial<VariableQuery>): DataQueryRequest<VariableQuery> {
  return { targets: [{ refId: 'V', ...target }], scopedVars: {} } as unknown as DataQueryRequest<VariableQuery>;
}

describe('CIRadarVariableSupport.query', () => {
  const cases: Array<{ name: string; target: Partial<VariableQuery>; path: string; params: Record<string, string> }> = [
    { name: 'an empty query lists repos', target: {}, path: 'variables/repos', params: {} },
    { name: 'labels', target: { name: 'labels' }, path: 'variables/labels', params: {} },
    {
      name: 'runner groups of one org',
      target: { name: 'runner_groups', org: '$org' },
      path: 'variables/runner_groups',
      params: { org: 'acme' },
    },
    {
      name: 'branches of one repo',
      target: { name: 'branches', org: 'acme', repo: 'acme/api' },
      path: 'variables/branches',
      params: { org: 'acme', repo: 'acme/api' },
    },
  ];

  it.each(cases)('$name', async ({ target, path, params }) => {
    const ds = new DataSource(instanceSettings(), new FakeTemplateSrv({ org: 'acme' }));
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue(['a', 'b,c']);
    const support = new CIRadarVariableSupport(ds);

    const response: DataQueryResponse = await lastValueFrom(support.query(request(target)));

    expect(getResource).toHaveBeenCalledWith(path, params);
    expect(response.data).toHaveLength(1);
    expect(response.data[0].fields[0].name).toBe('text');
    expect(response.data[0].fields[0].values).toEqual(['a', 'b,c']);
  });

  it('is wired into the data source', () => {
    const ds = new DataSource(instanceSettings(), new FakeTemplateSrv({}));
    expect(ds.variables).toBeInstanceOf(CIRadarVariableSupport);
  });
});
