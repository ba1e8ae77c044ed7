import React from 'react';
import { DataSourceApi, QueryEditorProps } from '@grafana/data';
import { Combobox, InlineField, InlineFieldRow, Input } from '@grafana/ui';

import {
  CIRadarOptions,
  CIRadarQuery,
  DEFAULT_VARIABLE_QUERY,
  VARIABLE_NAMES,
  VariableName,
  VariableQuery,
} from '../types';

type Props = QueryEditorProps<DataSourceApi<CIRadarQuery, CIRadarOptions>, CIRadarQuery, CIRadarOptions, VariableQuery>;

const NAME_LABELS: Record<VariableName, string> = {
  repos: 'Repositories',
  workflows: 'Workflows',
  labels: 'Runner label sets',
  runner_groups: 'Runner groups',
  branches: 'Branches',
  events: 'Trigger events',
  forges: 'Forges (GitHub, GitLab)',
  github_url: 'GitHub web address',
};

const NAME_OPTIONS = VARIABLE_NAMES.map((value) => ({ value, label: NAME_LABELS[value] }));

export function VariableQueryEditor({ query, onChange }: Props) {
  const current: VariableQuery = { ...DEFAULT_VARIABLE_QUERY, ...query };
  // Grafana runs the variable query on every onChange; text fields therefore report only when they lose focus.
  const emit = (patch: Partial<VariableQuery>) => {
    onChange({ ...current, ...patch });
  };

  return (
    <InlineFieldRow>
      <InlineField label="List" labelWidth={12}>
        <Combobox<VariableName>
          id="ciradar-variable-name"
          width={24}
          options={NAME_OPTIONS}
          value={current.name}
          onChange={(option) => emit({ name: option.value })}
        />
      </InlineField>
      <InlineField label="Org" labelWidth={8} tooltip="Only this organisation; variables such as $org work">
        <Input
          id="ciradar-variable-org"
          width={20}
          placeholder="any"
          defaultValue={current.org ?? ''}
          onBlur={(e) => emit({ org: e.currentTarget.value.trim() || undefined })}
        />
      </InlineField>
      <InlineField label="Repo" labelWidth={8} tooltip="Only this repository, owner/name; variables work">
        <Input
          id="ciradar-variable-repo"
          width={28}
          placeholder="any"
          defaultValue={current.repo ?? ''}
          onBlur={(e) => emit({ repo: e.currentTarget.value.trim() || undefined })}
        />
      </InlineField>
    </InlineFieldRow>
  );
}
