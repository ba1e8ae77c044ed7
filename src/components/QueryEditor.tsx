import React, { useEffect } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Combobox, InlineField, InlineFieldRow, Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { isPanelQueryType, QUERY_TYPE_SPECS, withQueryType } from '../queryTypes';
import { CIRadarOptions, CIRadarQuery, PanelQueryType, QUERY_TYPES } from '../types';
import { FilterEditor } from './FilterEditor';
import { OwnFieldsEditor } from './OwnFieldsEditor';

type Props = QueryEditorProps<DataSource, CIRadarQuery, CIRadarOptions>;

const TYPE_OPTIONS = QUERY_TYPES.map((value) => ({
  value,
  label: QUERY_TYPE_SPECS[value].label,
  description: QUERY_TYPE_SPECS[value].description,
}));

const FALLBACK_TYPE: PanelQueryType = 'queue_time';

export function QueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const known = isPanelQueryType(query.queryType);
  const type = isPanelQueryType(query.queryType) ? query.queryType : FALLBACK_TYPE;
  const spec = QUERY_TYPE_SPECS[type];

  // A query saved without a type, or with one this version does not know, is made valid once instead of being
  // sent as is and failing in the backend.
  useEffect(() => {
    if (!known) {
      onChange(withQueryType(query, FALLBACK_TYPE));
    }
  }, [known, query, onChange]);

  const update = (next: CIRadarQuery, run: boolean) => {
    onChange(next);
    if (run) {
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={14}>
          <Combobox<PanelQueryType>
            id="ciradar-query-type"
            data-testid="ciradar-query-type"
            width={28}
            options={TYPE_OPTIONS}
            value={type}
            onChange={(option) => update(withQueryType(query, option.value), true)}
          />
        </InlineField>
        <Text color="secondary" variant="bodySmall">
          {spec.description}
        </Text>
      </InlineFieldRow>
      <OwnFieldsEditor fields={spec.fields} query={query} onChange={update} />
      <FilterEditor
        datasource={datasource}
        keys={spec.filters}
        filters={query.filters}
        onChange={(filters) => update({ ...query, filters }, true)}
      />
    </Stack>
  );
}
