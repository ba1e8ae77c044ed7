import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

// The query model mirrors docs/queries.md, the contract with the Go backend. Change that file first.

export const QUERY_TYPES = [
  'queue_time',
  'queued_now',
  'jobs',
  'active_jobs',
  'job_states',
  'runners',
  'runner_utilization',
  'repo_stats',
  'steps',
  'build_results',
  'flaky_jobs',
  'nightly_failures',
  'error_signatures',
  'pipeline',
  'github_status',
  'ingest_health',
  'reconciler_stats',
  'branch_status',
  'org_overview',
  'commit_grid',
  'pull_requests',
  'refs',
  'runner_builds',
  'cost',
  'concurrency',
] as const;
export type PanelQueryType = (typeof QUERY_TYPES)[number];

// Annotations share the query model but have their own editor, so they stay out of QUERY_TYPES.
export const ANNOTATIONS_QUERY_TYPE = 'annotations';
export type QueryType = PanelQueryType | typeof ANNOTATIONS_QUERY_TYPE;

export type GroupBy = 'none' | 'labels' | 'repo' | 'workflow' | 'runner_group';
export type JobState = 'queued' | 'waiting' | 'in_progress' | 'completed';
export type Dimension = 'repo' | 'workflow' | 'job' | 'label';
export type Metric = 'runs' | 'failures' | 'failure_rate' | 'minutes' | 'p95_duration' | 'p95_queue';
export type SplitBy = 'none' | 'trigger' | 'event' | 'repo' | 'workflow' | 'warnings';
// run: a run counts once, by its latest attempt (the backend's default); attempt: every attempt counts.
export type CountBy = 'run' | 'attempt';
export type StatusView = 'components' | 'incidents';
// steps: the slowest steps, a step's duration over time, failed jobs' failing step, jobs that passed with warnings.
export type StepsView = 'slowest' | 'duration' | 'failing' | 'warnings';
export type QueuedValue = 'count' | 'oldest_age_seconds';
export type AnnotationSource = 'failed_runs' | 'incidents';
// refs: branches pushed to, or releases published (their tags).
export type RefKind = 'branches' | 'releases';
// build_results: calendar buckets (UTC, weeks from Monday) instead of Grafana's interval.
export type Calendar = 'week' | 'month' | 'year';

export interface Filters {
  orgs?: string[];
  repos?: string[];
  workflows?: string[];
  labels?: string[];
  branches?: string[];
  events?: string[];
  conclusions?: string[];
  runnerGroups?: string[];
  forges?: string[];
}
export type FilterKey = keyof Filters;

export interface CIRadarQuery extends DataQuery {
  queryType?: QueryType;
  filters?: Filters;
  groupBy?: GroupBy;
  states?: JobState[];
  limit?: number;
  dimension?: Dimension;
  metric?: Metric;
  splitBy?: SplitBy;
  countBy?: CountBy;
  // queue_time: abandoned jobs' waits (lower bounds) count as samples.
  includeAbandoned?: boolean;
  onlyNew?: boolean;
  // A string only while it holds a template variable such as "$run_id"; the backend always gets a number.
  runId?: number | string;
  repo?: string;
  branch?: string;
  view?: StatusView | StepsView;
  // steps: job and step names; empty means all.
  jobs?: string[];
  steps?: string[];
  source?: AnnotationSource;
  // Unset means both; alert rules pick one so each label set gives one series.
  value?: QueuedValue;
  kind?: RefKind;
  calendar?: Calendar;
}

// The fields a query type may own besides filters; queryTypes.ts says which type owns which.
export type OwnField =
  | 'groupBy'
  | 'states'
  | 'limit'
  | 'dimension'
  | 'metric'
  | 'splitBy'
  | 'countBy'
  | 'includeAbandoned'
  | 'onlyNew'
  | 'runId'
  | 'repo'
  | 'branch'
  | 'view'
  | 'jobs'
  | 'steps'
  | 'source'
  | 'value'
  | 'kind'
  | 'calendar';

export interface CIRadarOptions extends DataSourceJsonData {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  // Organisations and owner/repo patterns this data source may read (docs/scope.md); absent means every repository.
  scope?: string[];
  sslmode?: SSLMode;
  maxConns?: number;
  statusPageUrl?: string;
  staleIngestMinutes?: number;
  // Every statement the plugin runs is cancelled past this many seconds, whatever the database user's own default.
  queryTimeoutSeconds?: number;
  // On a hot standby: the lag, by the primary's heartbeat, past which answers are marked stale.
  replicaLagSeconds?: number;
  // Every GitHub link starts with it: https://github.com, or a GitHub Enterprise Server's address.
  githubWebURL?: string;
  // Cost and runner demand (pkg/plugin/settings_cost.go): rates added to or replacing GitHub's published ones.
  costRates?: CostRate[];
  selfHostedPerMinute?: number;
  githubPlan?: GitHubPlan;
  hostedConcurrencyLimit?: number;
  selfHostedConcurrencyLimit?: number;
}

// A price per minute in US dollars for runners with this label; larger runners are billed in public repositories too.
export interface CostRate {
  label: string;
  perMinute: number;
  larger?: boolean;
}
export type GitHubPlan = 'free' | 'pro' | 'team' | 'enterprise';
export const GITHUB_PLANS: GitHubPlan[] = ['free', 'pro', 'team', 'enterprise'];

export type SSLMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const SSL_MODES: SSLMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

// Shown as placeholders: the backend applies the same defaults when a field is left empty.
export const DEFAULT_OPTIONS: Required<Omit<CIRadarOptions, keyof DataSourceJsonData>> = {
  host: 'localhost',
  port: 5432,
  database: 'ciradar',
  user: 'ciradar_reader',
  scope: [],
  sslmode: 'prefer',
  maxConns: 4,
  statusPageUrl: 'https://www.githubstatus.com/api/v2/summary.json',
  staleIngestMinutes: 60,
  queryTimeoutSeconds: 30,
  replicaLagSeconds: 120,
  githubWebURL: 'https://github.com',
  costRates: [],
  selfHostedPerMinute: 0,
  githubPlan: 'free',
  hostedConcurrencyLimit: 20,
  selfHostedConcurrencyLimit: 0,
};

export interface CIRadarSecureOptions {
  password?: string;
}

// The lists served by GET /variables/{name}.
export const VARIABLE_NAMES = [
  'repos',
  'workflows',
  'labels',
  'runner_groups',
  'branches',
  'events',
  'forges',
  // One value: the data source's GitHub web address, which dashboards build links from.
  'github_url',
] as const;
export type VariableName = (typeof VARIABLE_NAMES)[number];

export interface VariableQuery extends DataQuery {
  name: VariableName;
  org?: string;
  repo?: string;
}

export const DEFAULT_VARIABLE_QUERY: Omit<VariableQuery, 'refId'> = { name: 'repos' };
