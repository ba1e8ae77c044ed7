import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { CIRadarQuery, FilterKey, Filters } from './types';

export type Replacer = Pick<TemplateSrv, 'replace'>;

// The values of a multi-value variable are joined with the ASCII unit separator, which no repository, workflow,
// branch or label can contain, and split again after replace. A comma would break label sets ("linux,x64").
const SEPARATOR = '\u001f';

// Either marker in a list means "no filter" (docs/queries.md); "*" is the usual custom all value.
const ALL_MARKERS = new Set(['$__all', '*']);

function joinValues(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map(String).join(SEPARATOR);
  }
  return value == null ? '' : String(value);
}

function expand(text: string, srv: Replacer, scopedVars: ScopedVars): string[] {
  return srv
    .replace(text, scopedVars, joinValues)
    .split(SEPARATOR)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

// interpolateList expands each entry, multi-value variables into several entries. An "all" anywhere empties the
// list, which the backend reads as no filter.
export function interpolateList(list: string[], srv: Replacer, scopedVars: ScopedVars): string[] {
  const out: string[] = [];
  for (const entry of list) {
    for (const value of expand(entry, srv, scopedVars)) {
      if (ALL_MARKERS.has(value)) {
        return [];
      }
      if (!out.includes(value)) {
        out.push(value);
      }
    }
  }
  return out;
}

// interpolateScalar keeps the first value when a multi-value variable lands in a single-valued field, and
// treats "all" as unset.
export function interpolateScalar(
  value: string | undefined,
  srv: Replacer,
  scopedVars: ScopedVars
): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const first = expand(value, srv, scopedVars)[0];
  return first === undefined || ALL_MARKERS.has(first) ? undefined : first;
}

function interpolateRunId(
  value: number | string | undefined,
  srv: Replacer,
  scopedVars: ScopedVars
): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  const text = interpolateScalar(value, srv, scopedVars);
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function interpolateFilters(filters: Filters, srv: Replacer, scopedVars: ScopedVars): Filters | undefined {
  const out: Filters = {};
  for (const key of Object.keys(filters) as FilterKey[]) {
    const values = interpolateList(filters[key] ?? [], srv, scopedVars);
    if (values.length > 0) {
      out[key] = values;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

// interpolateQuery returns the query as the backend must see it: every filter a plain list of strings, runId a
// number, no template syntax left.
export function interpolateQuery(query: CIRadarQuery, srv: Replacer, scopedVars: ScopedVars): CIRadarQuery {
  const next: CIRadarQuery = { ...query };
  const filters = query.filters ? interpolateFilters(query.filters, srv, scopedVars) : undefined;
  if (filters) {
    next.filters = filters;
  } else {
    delete next.filters;
  }
  for (const key of ['jobs', 'steps'] as const) {
    const names = query[key];
    if (names !== undefined) {
      const values = interpolateList(names, srv, scopedVars);
      if (values.length > 0) {
        next[key] = values;
      } else {
        delete next[key];
      }
    }
  }
  if ('runId' in query) {
    next.runId = interpolateRunId(query.runId, srv, scopedVars);
  }
  if ('repo' in query) {
    next.repo = interpolateScalar(query.repo, srv, scopedVars);
  }
  if ('branch' in query) {
    next.branch = interpolateScalar(query.branch, srv, scopedVars);
  }
  return next;
}
