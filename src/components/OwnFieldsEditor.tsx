import React from 'react';
import {
  Combobox,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  MultiCombobox,
  RadioButtonGroup,
  TagsInput,
} from '@grafana/ui';

import {
  CIRadarQuery,
  CountBy,
  Dimension,
  GroupBy,
  JobState,
  Metric,
  OwnField,
  Calendar,
  QueuedValue,
  RefKind,
  SplitBy,
  StatusView,
  StepsView,
} from '../types';

// Plain value/label pairs fit both RadioButtonGroup and the comboboxes.
function opts<T extends string>(pairs: Array<[T, string]>): Array<{ value: T; label: string }> {
  return pairs.map(([value, label]) => ({ value, label }));
}

const GROUP_BY = opts<GroupBy>([
  ['none', 'None'],
  ['labels', 'Labels'],
  ['repo', 'Repo'],
  ['workflow', 'Workflow'],
  ['runner_group', 'Runner group'],
]);
const STATES = opts<JobState>([
  ['queued', 'Queued'],
  ['waiting', 'Waiting'],
  ['in_progress', 'In progress'],
  ['completed', 'Completed'],
]);
const DIMENSIONS = opts<Dimension>([
  ['repo', 'Repo'],
  ['workflow', 'Workflow'],
  ['job', 'Job'],
  ['label', 'Label'],
]);
const METRICS = opts<Metric>([
  ['runs', 'Runs'],
  ['failures', 'Failures'],
  ['failure_rate', 'Failure rate'],
  ['minutes', 'Minutes'],
  ['p95_duration', 'p95 duration'],
  ['p95_queue', 'p95 queue time'],
]);
const SPLIT_BY = opts<SplitBy>([
  ['none', 'None'],
  ['trigger', 'Manual vs automatic'],
  ['event', 'Event'],
  ['repo', 'Repo'],
  ['workflow', 'Workflow'],
  ['warnings', 'Passed with warnings'],
]);
const COUNT_BY = opts<CountBy>([
  ['run', 'Runs (latest attempt)'],
  ['attempt', 'Every attempt'],
]);
const REF_KINDS = opts<RefKind>([
  ['branches', 'Branches'],
  ['releases', 'Releases'],
]);
// "interval" stands for an unset calendar: Grafana's interval.
const CALENDARS = opts<Calendar | 'interval'>([
  ['interval', 'Interval'],
  ['week', 'Week'],
  ['month', 'Month'],
  ['year', 'Year'],
]);
const VIEWS = opts<StatusView>([
  ['components', 'Components'],
  ['incidents', 'Incidents'],
]);
const STEPS_VIEWS = opts<StepsView>([
  ['slowest', 'Slowest'],
  ['duration', 'Duration over time'],
  ['failing', 'Failing step'],
  ['warnings', 'Passed with warnings'],
]);

// "both" stands for an unset value, which the backend answers with both numbers.
const QUEUED_VALUES = opts<QueuedValue | 'both'>([
  ['both', 'Both'],
  ['count', 'Count'],
  ['oldest_age_seconds', 'Oldest age'],
]);

const LABEL_WIDTH = 14;

// The annotation editor has its own source picker; every other own field is edited here.
type PanelField = Exclude<OwnField, 'source'>;

interface FieldEditor {
  label: string;
  tooltip?: string;
  control: () => React.ReactElement;
}

interface Props {
  fields: OwnField[];
  query: CIRadarQuery;
  // Discrete choices run the query at once; text fields run it when they lose focus.
  onChange: (query: CIRadarQuery, run: boolean) => void;
}

export function OwnFieldsEditor({ fields, query, onChange }: Props) {
  const set = (patch: Partial<CIRadarQuery>, run = true) => onChange({ ...query, ...patch }, run);
  const runNow = () => onChange(query, true);

  const editors: Record<PanelField, FieldEditor> = {
    groupBy: {
      label: 'Group by',
      control: () => (
        <RadioButtonGroup options={GROUP_BY} value={query.groupBy} onChange={(groupBy) => set({ groupBy })} />
      ),
    },
    states: {
      label: 'States',
      control: () => (
        <MultiCombobox<JobState>
          id="ciradar-states"
          width="auto"
          minWidth={20}
          options={STATES}
          value={query.states ?? []}
          onChange={(selected) => set({ states: selected.map((o) => o.value) })}
        />
      ),
    },
    limit: {
      label: 'Limit',
      control: () => (
        <Input
          id="ciradar-limit"
          type="number"
          min={1}
          width={10}
          placeholder="default"
          value={query.limit ?? ''}
          onChange={(e) => {
            const n = parseInt(e.currentTarget.value, 10);
            set({ limit: Number.isFinite(n) && n > 0 ? n : undefined }, false);
          }}
          onBlur={runNow}
        />
      ),
    },
    dimension: {
      label: 'Per',
      control: () => (
        <RadioButtonGroup options={DIMENSIONS} value={query.dimension} onChange={(dimension) => set({ dimension })} />
      ),
    },
    metric: {
      label: 'Ranked by',
      control: () => (
        <Combobox<Metric>
          id="ciradar-metric"
          width={24}
          options={METRICS}
          value={query.metric}
          onChange={(o) => set({ metric: o.value })}
        />
      ),
    },
    splitBy: {
      label: 'Split by',
      control: () => (
        <RadioButtonGroup options={SPLIT_BY} value={query.splitBy} onChange={(splitBy) => set({ splitBy })} />
      ),
    },
    countBy: {
      label: 'Count',
      tooltip: 'A run counts once, by its latest attempt, as GitHub shows it; or every attempt counts',
      control: () => (
        <RadioButtonGroup<CountBy>
          options={COUNT_BY}
          value={query.countBy ?? 'run'}
          onChange={(countBy) => set({ countBy })}
        />
      ),
    },
    includeAbandoned: {
      label: 'Abandoned',
      tooltip: 'Count the waits of jobs that ended without a runner (lower bounds) as samples',
      control: () => (
        <InlineSwitch
          id="ciradar-include-abandoned"
          value={query.includeAbandoned ?? false}
          onChange={(e) => set({ includeAbandoned: e.currentTarget.checked })}
        />
      ),
    },
    onlyNew: {
      label: 'Only new',
      tooltip: 'Errors first seen within the time range',
      control: () => (
        <InlineSwitch
          id="ciradar-only-new"
          value={query.onlyNew ?? false}
          onChange={(e) => set({ onlyNew: e.currentTarget.checked })}
        />
      ),
    },
    runId: {
      label: 'Run id',
      tooltip: 'A run id or a variable such as $run_id',
      control: () => (
        <Input
          id="ciradar-run-id"
          width={24}
          placeholder="newest run, or of repo and branch"
          value={query.runId ?? ''}
          onChange={(e) => set({ runId: toRunId(e.currentTarget.value) }, false)}
          onBlur={runNow}
        />
      ),
    },
    repo: {
      label: 'Repo',
      control: () => (
        <Input
          id="ciradar-repo"
          width={30}
          placeholder="owner/name"
          value={query.repo ?? ''}
          onChange={(e) => set({ repo: e.currentTarget.value || undefined }, false)}
          onBlur={runNow}
        />
      ),
    },
    branch: {
      label: 'Branch',
      control: () => (
        <Input
          id="ciradar-branch"
          width={24}
          placeholder="default branch"
          value={query.branch ?? ''}
          onChange={(e) => set({ branch: e.currentTarget.value || undefined }, false)}
          onBlur={runNow}
        />
      ),
    },
    value: {
      label: 'Value',
      tooltip: 'Alert rules need one value, so that each label set gives one series',
      control: () => (
        <RadioButtonGroup<QueuedValue | 'both'>
          options={QUEUED_VALUES}
          value={query.value ?? 'both'}
          onChange={(v) => set({ value: v === 'both' ? undefined : v })}
        />
      ),
    },
    kind: {
      label: 'Kind',
      control: () => <RadioButtonGroup options={REF_KINDS} value={query.kind} onChange={(kind) => set({ kind })} />,
    },
    calendar: {
      label: 'Buckets',
      tooltip: "Grafana's interval, or calendar weeks (from Monday), months or years in UTC",
      control: () => (
        <RadioButtonGroup<Calendar | 'interval'>
          options={CALENDARS}
          value={query.calendar ?? 'interval'}
          onChange={(c) => set({ calendar: c === 'interval' ? undefined : c })}
        />
      ),
    },
    view: {
      label: 'View',
      control: () =>
        query.queryType === 'steps' ? (
          <RadioButtonGroup<StepsView>
            options={STEPS_VIEWS}
            value={query.view as StepsView | undefined}
            onChange={(view) => set({ view })}
          />
        ) : (
          <RadioButtonGroup<StatusView>
            options={VIEWS}
            value={query.view as StatusView | undefined}
            onChange={(view) => set({ view })}
          />
        ),
    },
    jobs: {
      label: 'Jobs',
      tooltip: 'Job names, or variables such as $job; none means every job',
      control: () => (
        <TagsInput
          id="ciradar-jobs"
          width={40}
          placeholder="every job"
          tags={query.jobs ?? []}
          onChange={(names) => set({ jobs: names.length > 0 ? names : undefined })}
        />
      ),
    },
    steps: {
      label: 'Steps',
      tooltip: 'Step names, or variables such as $step; none means every step',
      control: () => (
        <TagsInput
          id="ciradar-steps"
          width={40}
          placeholder="every step"
          tags={query.steps ?? []}
          onChange={(names) => set({ steps: names.length > 0 ? names : undefined })}
        />
      ),
    },
  };

  if (fields.length === 0) {
    return null;
  }
  return (
    <InlineFieldRow>
      {fields
        .filter((field): field is PanelField => field !== 'source')
        .map((field) => {
          const { label, tooltip, control } = editors[field];
          return (
            <InlineField
              key={field}
              label={label}
              tooltip={tooltip}
              labelWidth={LABEL_WIDTH}
              data-testid={`ciradar-field-${field}`}
            >
              {control()}
            </InlineField>
          );
        })}
    </InlineFieldRow>
  );
}

// A run id is stored as a number when it is one, and as text only while it holds a template variable.
function toRunId(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}
