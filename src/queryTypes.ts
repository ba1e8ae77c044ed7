import {
  ANNOTATIONS_QUERY_TYPE,
  CIRadarQuery,
  FilterKey,
  Filters,
  OwnField,
  PanelQueryType,
  QUERY_TYPES,
  QueryType,
} from './types';

interface QueryTypeSpec {
  label: string;
  description: string;
  // The own fields the editor shows for this type, in display order.
  fields: OwnField[];
  defaults: Partial<Pick<CIRadarQuery, OwnField>>;
  // The filters the backend applies to this type (the filterTarget of each file in pkg/query); the editor offers
  // no filter the backend would ignore.
  filters: FilterKey[];
}

const ALL_FILTERS: FilterKey[] = [
  'orgs',
  'repos',
  'workflows',
  'labels',
  'branches',
  'events',
  'conclusions',
  'runnerGroups',
  'forges',
];
// Jobs that have not finished have no conclusion yet.
const UNFINISHED_FILTERS = ALL_FILTERS.filter((f) => f !== 'conclusions');
const RUNNER_FILTERS: FilterKey[] = ['orgs', 'repos', 'labels', 'runnerGroups', 'forges'];

export const QUERY_TYPE_SPECS: Record<QueryType, QueryTypeSpec> = {
  queue_time: {
    label: 'Queue time',
    description: 'Percentiles of the wait from created to started, over time',
    fields: ['groupBy', 'includeAbandoned'],
    defaults: { groupBy: 'labels' },
    filters: UNFINISHED_FILTERS,
  },
  queued_now: {
    label: 'Queued now',
    description: 'Jobs still waiting and the oldest wait, per label set',
    fields: ['value'],
    defaults: {},
    filters: UNFINISHED_FILTERS,
  },
  jobs: {
    label: 'Jobs',
    description: 'A table of jobs in the chosen states',
    fields: ['states', 'limit'],
    defaults: { states: ['queued', 'in_progress'], limit: 500 },
    filters: ALL_FILTERS,
  },
  active_jobs: {
    label: 'Active jobs',
    description: 'Every queued, waiting and running job, oldest first',
    fields: [],
    defaults: {},
    filters: UNFINISHED_FILTERS,
  },
  job_states: {
    label: 'Job states',
    description: 'Jobs queued, in progress and completed over time',
    fields: [],
    defaults: {},
    filters: UNFINISHED_FILTERS,
  },
  runners: {
    label: 'Runners',
    description: 'The self-hosted runner inventory',
    fields: [],
    defaults: {},
    filters: RUNNER_FILTERS,
  },
  runner_utilization: {
    label: 'Runner utilization',
    description: 'Busy ratio per runner pool over time',
    fields: [],
    defaults: {},
    filters: RUNNER_FILTERS,
  },
  repo_stats: {
    label: 'Top N',
    description: 'Repositories, workflows, jobs or labels ranked by a metric',
    fields: ['dimension', 'metric', 'limit'],
    defaults: { dimension: 'repo', metric: 'runs', limit: 10 },
    filters: ALL_FILTERS,
  },
  build_results: {
    label: 'Build results',
    description: 'Runs per conclusion and success rate over time',
    fields: ['splitBy', 'countBy', 'calendar'],
    defaults: { splitBy: 'none' },
    filters: ALL_FILTERS,
  },
  flaky_jobs: {
    label: 'Flaky jobs',
    description: 'Jobs that fail intermittently',
    fields: ['limit'],
    defaults: {},
    filters: UNFINISHED_FILTERS,
  },
  nightly_failures: {
    label: 'Nightly failures',
    description: 'Scheduled runs, repository by night',
    fields: [],
    defaults: {},
    // Scheduled runs have no label or runner group of their own, and their event is always schedule.
    filters: ['orgs', 'repos', 'workflows', 'branches', 'conclusions', 'forges'],
  },
  error_signatures: {
    label: 'Error signatures',
    description: 'The most common errors in failed job logs',
    fields: ['onlyNew', 'limit'],
    defaults: { onlyNew: false },
    filters: ['orgs', 'repos', 'workflows', 'labels', 'branches', 'forges'],
  },
  pipeline: {
    label: 'Pipeline',
    description: "One run's jobs on a timeline: a run id, the latest run of a repository and branch, or the newest run",
    fields: ['runId', 'repo', 'branch'],
    defaults: {},
    // Only for the newest run, when neither a run id nor a repository and branch is given.
    filters: UNFINISHED_FILTERS,
  },
  github_status: {
    label: 'GitHub status',
    description: 'Components and incidents from the status page',
    fields: ['view'],
    defaults: { view: 'components' },
    filters: [],
  },
  ingest_health: {
    label: 'Ingest health',
    description: 'Deliveries per event and outcome, and the age of the newest one',
    fields: [],
    defaults: {},
    filters: [],
  },
  branch_status: {
    label: 'Default-branch status',
    description: "Per repository and workflow: 1 when the default branch's newest completed run failed, else 0",
    fields: [],
    defaults: {},
    filters: ['orgs', 'repos', 'workflows', 'events', 'forges'],
  },
  reconciler_stats: {
    label: 'Reconciler',
    description:
      'Per cycle bucket: GitHub API requests, rate limit left, redeliveries, jobs closed without word from GitHub',
    fields: [],
    defaults: {},
    filters: [],
  },
  org_overview: {
    label: 'Organisation overview',
    description: 'Per repository and workflow: default-branch status, last activity, failure rate, queue p95',
    fields: [],
    defaults: {},
    filters: ['orgs', 'repos', 'workflows', 'labels', 'branches', 'events', 'runnerGroups', 'forges'],
  },
  commit_grid: {
    label: 'Commit grid',
    description: 'Commits of a branch × workflow jobs, each cell the result; first failures marked',
    fields: ['repo', 'branch', 'limit'],
    defaults: { branch: 'main', limit: 50 },
    filters: ['workflows', 'labels', 'events', 'runnerGroups', 'forges'],
  },
  pull_requests: {
    label: 'Pull requests',
    description: 'Pull requests with runs in the range and the result on their latest commit',
    fields: ['limit'],
    defaults: { limit: 100 },
    filters: ['orgs', 'repos', 'workflows', 'labels', 'branches', 'events', 'runnerGroups', 'forges'],
  },
  refs: {
    label: 'Branches and releases',
    description: 'Branches pushed to, or releases published, with their latest commit and result',
    fields: ['kind', 'limit'],
    defaults: { kind: 'branches', limit: 50 },
    filters: ['orgs', 'repos', 'workflows', 'labels', 'branches', 'runnerGroups', 'forges'],
  },
  runner_builds: {
    label: 'Builds per runner label and OS',
    description: 'Completed jobs per runner label set and its OS, with results and minutes',
    fields: [],
    defaults: {},
    filters: ALL_FILTERS,
  },
  steps: {
    label: 'Steps',
    description:
      "Jobs' steps: the slowest, a step's duration over time, where failed jobs failed, jobs that passed with warnings",
    fields: ['view', 'jobs', 'steps', 'limit'],
    defaults: { view: 'slowest' },
    filters: ALL_FILTERS,
  },
  cost: {
    label: 'Cost',
    description: "Billable minutes and cost by GitHub's billing rules, priced with the data source's rates",
    fields: ['limit'],
    defaults: {},
    filters: ['orgs', 'repos', 'workflows', 'labels', 'branches', 'events', 'runnerGroups', 'forges'],
  },
  concurrency: {
    label: 'Concurrency',
    description: 'Peak jobs running and queued at once, GitHub-hosted vs self-hosted, with the plan limit',
    fields: [],
    defaults: {},
    filters: UNFINISHED_FILTERS,
  },
  [ANNOTATIONS_QUERY_TYPE]: {
    label: 'Annotations',
    description: 'Failed runs on default branches, or status page incidents',
    fields: ['source'],
    defaults: { source: 'failed_runs' },
    // Failed runs on default branches: conclusion and branch are fixed by the source.
    filters: ['orgs', 'repos', 'workflows', 'labels', 'events', 'runnerGroups', 'forges'],
  },
};

export const DEFAULT_QUERY: Partial<CIRadarQuery> = {
  queryType: 'queue_time',
  ...QUERY_TYPE_SPECS.queue_time.defaults,
};

const OWN_FIELDS = Array.from(new Set(Object.values(QUERY_TYPE_SPECS).flatMap((s) => s.fields)));

export function isPanelQueryType(t: unknown): t is PanelQueryType {
  return typeof t === 'string' && (QUERY_TYPES as readonly string[]).includes(t);
}

// keepFilters drops the filters a type does not offer, and empty lists, so nothing hidden narrows the query.
export function keepFilters(filters: Filters | undefined, allowed: FilterKey[]): Filters | undefined {
  const kept: Filters = {};
  for (const key of allowed) {
    const values = filters?.[key];
    if (values && values.length > 0) {
      kept[key] = values;
    }
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

// withQueryType turns any query into a valid query of the given type: the base DataQuery fields stay, the
// filters the new type offers stay, the own fields of the old type go and those of the new type get defaults.
export function withQueryType(query: CIRadarQuery, type: QueryType): CIRadarQuery {
  const spec = QUERY_TYPE_SPECS[type];
  const next: CIRadarQuery = { ...query, queryType: type };
  for (const field of OWN_FIELDS) {
    delete next[field];
  }
  Object.assign(next, spec.defaults);
  const filters = keepFilters(query.filters, spec.filters);
  if (filters) {
    next.filters = filters;
  } else {
    delete next.filters;
  }
  return next;
}
