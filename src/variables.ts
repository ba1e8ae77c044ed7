import {
  createDataFrame,
  CustomVariableSupport,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  FieldType,
} from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { CIRadarOptions, CIRadarQuery, DEFAULT_VARIABLE_QUERY, VariableQuery } from './types';

// A query variable asks the backend for one of its lists; each string becomes a value. The type parameter is the
// plain DataSourceApi because DataSourceApi.variables is declared with it, and the editor needs no more.
export class CIRadarVariableSupport extends CustomVariableSupport<
  DataSourceApi<CIRadarQuery, CIRadarOptions>,
  VariableQuery,
  CIRadarQuery,
  CIRadarOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<VariableQuery>): Observable<DataQueryResponse> {
    const query = { ...DEFAULT_VARIABLE_QUERY, ...request.targets[0] };
    const values = this.datasource.getVariableValues(
      query.name,
      { org: query.org, repo: query.repo },
      request.scopedVars
    );
    return from(values).pipe(
      map((list) => ({
        data: [createDataFrame({ fields: [{ name: 'text', type: FieldType.string, values: list }] })],
      }))
    );
  }
}
