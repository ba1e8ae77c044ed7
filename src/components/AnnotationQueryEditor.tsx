import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { QUERY_TYPE_SPECS, withQueryType } from '../queryTypes';
import { ANNOTATIONS_QUERY_TYPE, AnnotationSource, CIRadarOptions, CIRadarQuery } from '../types';
import { FilterEditor } from './FilterEditor';

type Props = QueryEditorProps<DataSource, CIRadarQuery, CIRadarOptions>;

const SOURCES: Array<{ value: AnnotationSource; label: string; description: string }> = [
  { value: 'failed_runs', label: 'Failed runs', description: 'Failed runs on default branches' },
  { value: 'incidents', label: 'GitHub incidents', description: 'Incidents from the status page' },
];

export function AnnotationQueryEditor({ datasource, query, onChange }: Props) {
  // prepareAnnotation already typed the target; this only guards a target edited by hand.
  const current = query.queryType === ANNOTATIONS_QUERY_TYPE ? query : withQueryType(query, ANNOTATIONS_QUERY_TYPE);
  const source = current.source ?? 'failed_runs';

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Source" labelWidth={14}>
          <RadioButtonGroup<AnnotationSource>
            options={SOURCES}
            value={source}
            onChange={(next) => {
              // Incidents come from the status page, which knows nothing of repositories: drop the filters.
              const { filters, ...rest } = current;
              onChange(next === 'incidents' ? { ...rest, source: next } : { ...rest, filters, source: next });
            }}
          />
        </InlineField>
      </InlineFieldRow>
      {source === 'failed_runs' && (
        <FilterEditor
          datasource={datasource}
          keys={QUERY_TYPE_SPECS[ANNOTATIONS_QUERY_TYPE].filters}
          filters={current.filters}
          onChange={(filters) => onChange({ ...current, filters })}
        />
      )}
    </Stack>
  );
}
