import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, TemplateSrv } from '@grafana/runtime';

import { annotationSupport } from './annotations';
import { interpolateList, interpolateQuery } from './interpolate';
import { DEFAULT_QUERY } from './queryTypes';
import { CIRadarOptions, CIRadarQuery, VariableName } from './types';
import { CIRadarVariableSupport } from './variables';

export interface Narrowing {
  org?: string;
  repo?: string;
}

export class DataSource extends DataSourceWithBackend<CIRadarQuery, CIRadarOptions> {
  // Injected so tests can hand in a fake; Grafana sets the real one before any plugin loads.
  private readonly templateSrv: TemplateSrv;

  constructor(
    instanceSettings: DataSourceInstanceSettings<CIRadarOptions>,
    templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.templateSrv = templateSrv;
    this.variables = new CIRadarVariableSupport(this);
    this.annotations = annotationSupport;
  }

  getDefaultQuery(_: CoreApp): Partial<CIRadarQuery> {
    return DEFAULT_QUERY;
  }

  applyTemplateVariables(query: CIRadarQuery, scopedVars: ScopedVars): CIRadarQuery {
    return interpolateQuery(query, this.templateSrv, scopedVars);
  }

  // getVariableValues reads GET /variables/{name}. Narrowing may hold template variables; a narrowing that does
  // not come down to exactly one value is left out rather than guessed.
  async getVariableValues(
    name: VariableName,
    narrowing: Narrowing = {},
    scopedVars: ScopedVars = {}
  ): Promise<string[]> {
    const params: Record<string, string> = {};
    for (const key of ['org', 'repo'] as const) {
      const raw = narrowing[key];
      const values = raw ? interpolateList([raw], this.templateSrv, scopedVars) : [];
      if (values.length === 1) {
        params[key] = values[0];
      }
    }
    const values = await this.getResource<unknown>(`variables/${name}`, params);
    return Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [];
  }

  // Dashboard variables are offered in the filter dropdowns next to the values themselves.
  getVariableNames(): string[] {
    return this.templateSrv.getVariables().map((v) => `$${v.name}`);
  }
}
