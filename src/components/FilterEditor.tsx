import React, { useCallback, useRef } from 'react';
import { ComboboxOption, InlineField, InlineFieldRow, MultiCombobox } from '@grafana/ui';

import type { DataSource, Narrowing } from '../datasource';
import { FilterKey, Filters, VariableName } from '../types';

interface FilterSource {
  label: string;
  // The backend list that feeds the dropdown; orgs have no list of their own and come from the repo owners.
  variable?: VariableName;
  ownersOnly?: boolean;
  fixed?: string[];
}

// Conclusions are GitHub's fixed set, so they need no round trip.
const CONCLUSIONS = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'neutral',
  'stale',
  'startup_failure',
];

export const FILTER_SOURCES: Record<FilterKey, FilterSource> = {
  orgs: { label: 'Orgs', variable: 'repos', ownersOnly: true },
  repos: { label: 'Repos', variable: 'repos' },
  workflows: { label: 'Workflows', variable: 'workflows' },
  labels: { label: 'Labels', variable: 'labels' },
  branches: { label: 'Branches', variable: 'branches' },
  events: { label: 'Events', variable: 'events' },
  conclusions: { label: 'Conclusions', fixed: CONCLUSIONS },
  runnerGroups: { label: 'Runner groups', variable: 'runner_groups' },
  forges: { label: 'Forges', variable: 'forges' },
};

function single(values: string[] | undefined): string | undefined {
  return values?.length === 1 ? values[0] : undefined;
}

// A list is narrowed by the one org and the one repo already chosen, so picking acme narrows workflows to acme's.
function narrowingFor(key: FilterKey, filters: Filters): Narrowing {
  if (key === 'orgs') {
    return {};
  }
  return { org: single(filters.orgs), repo: key === 'repos' ? undefined : single(filters.repos) };
}

function owners(repos: string[]): string[] {
  return Array.from(new Set(repos.map((r) => r.split('/')[0]).filter(Boolean))).sort();
}

interface Props {
  datasource: DataSource;
  keys: FilterKey[];
  filters: Filters | undefined;
  onChange: (filters: Filters | undefined) => void;
}

export function FilterEditor({ datasource, keys, filters = {}, onChange }: Props) {
  // One request per list and narrowing while the editor is open; the menu asks again on every keystroke.
  const cache = useRef(new Map<string, Promise<string[]>>());

  const load = useCallback(
    (key: FilterKey, input: string): Promise<ComboboxOption[]> => {
      const source = FILTER_SOURCES[key];
      let values: Promise<string[]>;
      if (source.variable) {
        const narrowing = narrowingFor(key, filters);
        const cacheKey = `${source.variable}|${narrowing.org ?? ''}|${narrowing.repo ?? ''}`;
        let pending = cache.current.get(cacheKey);
        if (!pending) {
          pending = datasource.getVariableValues(source.variable, narrowing).catch((err) => {
            // A failed request must not stick: the next time the menu opens asks again.
            cache.current.delete(cacheKey);
            throw err;
          });
          cache.current.set(cacheKey, pending);
        }
        values = pending.then((list) => (source.ownersOnly ? owners(list) : list));
      } else {
        values = Promise.resolve(source.fixed ?? []);
      }
      return values.then((list) => {
        const needle = input.toLowerCase();
        return [...datasource.getVariableNames(), ...list]
          .filter((v) => v.toLowerCase().includes(needle))
          .map((value) => ({ value, label: value }));
      });
    },
    [datasource, filters]
  );

  const setValues = (key: FilterKey, values: string[]) => {
    const next: Filters = { ...filters, [key]: values };
    if (values.length === 0) {
      delete next[key];
    }
    onChange(Object.keys(next).length > 0 ? next : undefined);
  };

  if (keys.length === 0) {
    return null;
  }
  return (
    <InlineFieldRow>
      {keys.map((key) => (
        <InlineField key={key} label={FILTER_SOURCES[key].label} labelWidth={14}>
          <MultiCombobox<string>
            id={`ciradar-filter-${key}`}
            data-testid={`ciradar-filter-${key}`}
            width="auto"
            minWidth={20}
            maxWidth={60}
            placeholder="All"
            createCustomValue
            isClearable
            value={filters[key] ?? []}
            options={(input) => load(key, input)}
            onChange={(options) =>
              setValues(
                key,
                options.map((o) => o.value)
              )
            }
          />
        </InlineField>
      ))}
    </InlineFieldRow>
  );
}
