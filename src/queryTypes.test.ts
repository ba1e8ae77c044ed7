import { QUERY_TYPE_SPECS, withQueryType } from './queryTypes';
import { ANNOTATIONS_QUERY_TYPE, CIRadarQuery, OwnField, QUERY_TYPES, QueryType } from './types';

const ALL_TYPES: QueryType[] = [...QUERY_TYPES, ANNOTATIONS_QUERY_TYPE];
const OWN_FIELDS: OwnField[] = [
  'groupBy',
  'states',
  'limit',
  'dimension',
  'metric',
  'splitBy',
  'countBy',
  'includeAbandoned',
  'onlyNew',
  'runId',
  'repo',
  'branch',
  'view',
  'jobs',
  'steps',
  'source',
  'value',
  'kind',
  'calendar',
];

// A query that carries a value for every own field and every filter, as a worst case to switch away from.
const cluttered: CIRadarQuery = {
  refId: 'B',
  hide: false,
  datasource: { type: 'ciradar-ciradar-datasource', uid: 'x' },
  queryType: 'jobs',
  groupBy: 'repo',
  states: ['completed'],
  limit: 3,
  dimension: 'label',
  metric: 'minutes',
  splitBy: 'event',
  countBy: 'attempt',
  includeAbandoned: true,
  onlyNew: true,
  runId: 7,
  repo: 'acme/api',
  branch: 'main',
  view: 'incidents',
  jobs: ['test'],
  steps: ['Run tests'],
  source: 'incidents',
  value: 'count',
  kind: 'releases',
  calendar: 'month',
  filters: {
    orgs: ['acme'],
    repos: ['acme/api'],
    workflows: ['ci'],
    labels: ['linux'],
    branches: ['main'],
    events: ['push'],
    conclusions: ['failure'],
    runnerGroups: ['default'],
    forges: ['gitlab'],
  },
};

describe('withQueryType', () => {
  it.each(ALL_TYPES)('switching to %s leaves only what that type owns', (type) => {
    const spec = QUERY_TYPE_SPECS[type];
    const next = withQueryType(cluttered, type);

    expect(next.queryType).toBe(type);
    expect(next.refId).toBe('B');
    expect(next.datasource).toEqual(cluttered.datasource);
    for (const field of OWN_FIELDS) {
      if (!spec.fields.includes(field)) {
        expect({ field, value: next[field] }).toEqual({ field, value: undefined });
      }
    }
    expect(next).toMatchObject(spec.defaults);
    expect(Object.keys(next.filters ?? {}).sort()).toEqual([...spec.filters].sort());
  });

  it('keeps the filters both types offer and drops empty ones', () => {
    const next = withQueryType(
      { refId: 'A', queryType: 'jobs', filters: { repos: ['acme/api'], conclusions: ['failure'], labels: [] } },
      'queue_time'
    );
    expect(next.filters).toEqual({ repos: ['acme/api'] });
  });

  it('gives a type with no filters no filters key', () => {
    expect('filters' in withQueryType(cluttered, 'github_status')).toBe(false);
  });

  it('every type has a spec whose defaults are its own fields', () => {
    for (const type of ALL_TYPES) {
      const { fields, defaults } = QUERY_TYPE_SPECS[type];
      expect({ type, extra: Object.keys(defaults).filter((k) => !fields.includes(k as OwnField)) }).toEqual({
        type,
        extra: [],
      });
    }
  });
});
