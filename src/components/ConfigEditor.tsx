import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Combobox, Field, FieldSet, Input, SecretInput, TextArea } from '@grafana/ui';

import { parseScopeText, validateScope } from '../scope';

import { CostEditor } from './CostEditor';
import { CIRadarOptions, CIRadarSecureOptions, DEFAULT_OPTIONS, SSL_MODES, SSLMode } from '../types';

type Props = DataSourcePluginOptionsEditorProps<CIRadarOptions, CIRadarSecureOptions>;

type TextKey = 'host' | 'database' | 'user' | 'statusPageUrl' | 'githubWebURL';
type NumberKey = 'port' | 'maxConns' | 'staleIngestMinutes' | 'queryTimeoutSeconds' | 'replicaLagSeconds';

const SSL_OPTIONS = SSL_MODES.map((value) => ({ value, label: value }));

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const setJson = (patch: Partial<CIRadarOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });

  // An empty field is stored as absent, so the backend's default (shown as the placeholder) applies.
  const textInput = (key: TextKey, width = 40) => (
    <Input
      id={`ciradar-config-${key}`}
      width={width}
      placeholder={String(DEFAULT_OPTIONS[key])}
      value={jsonData[key] ?? ''}
      onChange={(e) => setJson({ [key]: e.currentTarget.value.trim() || undefined })}
    />
  );
  const numberInput = (key: NumberKey) => (
    <Input
      id={`ciradar-config-${key}`}
      type="number"
      min={1}
      width={12}
      placeholder={String(DEFAULT_OPTIONS[key])}
      value={jsonData[key] ?? ''}
      onChange={(e) => {
        const n = parseInt(e.currentTarget.value, 10);
        setJson({ [key]: Number.isFinite(n) && n > 0 ? n : undefined });
      }}
    />
  );

  // The text is kept as typed, and every entry in it is stored, wrong or not: the backend refuses a malformed
  // scope (health check and every query), where dropping the wrong entry would widen it.
  const [scopeText, setScopeText] = React.useState((jsonData.scope ?? []).join('\n'));
  const scopeProblem = validateScope(parseScopeText(scopeText));
  const onScopeChange = (e: React.FormEvent<HTMLTextAreaElement>) => {
    const text = e.currentTarget.value;
    setScopeText(text);
    const entries = parseScopeText(text);
    setJson({ scope: entries.length > 0 ? entries : undefined });
  };

  const onPasswordChange = (e: React.FormEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, password: e.currentTarget.value } });

  // Reset forgets the stored password; Grafana then saves the empty value sent here.
  const onPasswordReset = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, password: false },
      secureJsonData: { ...secureJsonData, password: '' },
    });

  return (
    <>
      <FieldSet label="Database">
        <Field label="Host" description="Postgres host, or the directory holding its unix socket">
          {textInput('host')}
        </Field>
        <Field label="Port">{numberInput('port')}</Field>
        <Field label="Database">{textInput('database', 30)}</Field>
        <Field label="User" description="A read-only role: the plugin never writes">
          {textInput('user', 30)}
        </Field>
        <Field label="Password">
          <SecretInput
            id="ciradar-config-password"
            width={30}
            placeholder="password of the read-only role"
            isConfigured={Boolean(secureJsonFields?.password)}
            value={secureJsonData?.password ?? ''}
            onChange={onPasswordChange}
            onReset={onPasswordReset}
          />
        </Field>
        <Field label="TLS mode" description="As in libpq's sslmode">
          <Combobox<SSLMode>
            id="ciradar-config-sslmode"
            width={20}
            options={SSL_OPTIONS}
            value={jsonData.sslmode ?? DEFAULT_OPTIONS.sslmode}
            onChange={(o) => setJson({ sslmode: o.value })}
          />
        </Field>
        <Field label="Max connections" description="Size of the connection pool">
          {numberInput('maxConns')}
        </Field>
        <Field
          label="Query timeout (seconds)"
          description="Each query is stopped past this, whatever the database user's own timeout (1 to 3600)"
        >
          {numberInput('queryTimeoutSeconds')}
        </Field>
      </FieldSet>
      <FieldSet label="GitHub">
        <Field
          label="GitHub web address"
          description="Every link to GitHub starts with it: https://github.com, or your GitHub Enterprise Server's address"
        >
          {textInput('githubWebURL', 60)}
        </Field>
      </FieldSet>
      <FieldSet label="Health">
        <Field label="Status page URL" description="A Statuspage v2 summary.json">
          {textInput('statusPageUrl', 60)}
        </Field>
        <Field
          label="Stale ingest after (minutes)"
          description="The health check warns when the newest delivery is older"
        >
          {numberInput('staleIngestMinutes')}
        </Field>
        <Field
          label="Standby lag warning (seconds)"
          description="Reading from a hot standby: past this lag, health warns and answers become errors that still show the data"
        >
          {numberInput('replicaLagSeconds')}
        </Field>
      </FieldSet>
      <FieldSet label="Access">
        <Field
          label="Scope"
          description="Organisations (acme), all repositories of one (acme/*) or single repositories (acme/web), one per line. This data source then answers only for them; empty means every repository. Give each team its own data source and limit who may query it with Grafana's data source permissions."
          invalid={Boolean(scopeProblem)}
          error={scopeProblem}
        >
          <TextArea
            id="ciradar-config-scope"
            rows={4}
            cols={60}
            placeholder={'acme\nbeta-org/*\ngamma/web'}
            value={scopeText}
            onChange={onScopeChange}
          />
        </Field>
      </FieldSet>
      <CostEditor jsonData={jsonData} setJson={setJson} />
    </>
  );
}
