import React from 'react';
import { Button, Combobox, Field, FieldSet, InlineSwitch, Input, Stack } from '@grafana/ui';

import { CIRadarOptions, CostRate, DEFAULT_OPTIONS, GITHUB_PLANS, GitHubPlan } from '../types';

interface Props {
  jsonData: CIRadarOptions;
  setJson: (patch: Partial<CIRadarOptions>) => void;
}

const PLAN_OPTIONS = GITHUB_PLANS.map((value) => ({ value, label: value }));

// A price or limit typed by hand: empty or not a number is stored as absent (the default applies).
function parseNumber(text: string): number | undefined {
  const n = Number(text);
  return text.trim() === '' || !Number.isFinite(n) || n < 0 ? undefined : n;
}

// The cost rates and concurrency limits. Rates are applied when a panel asks, so a change here re-prices history.
export function CostEditor({ jsonData, setJson }: Props) {
  const rates = jsonData.costRates ?? [];
  const setRate = (i: number, patch: Partial<CostRate>) =>
    setJson({ costRates: rates.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <FieldSet label="Cost and runner demand">
      <Field
        label="Runner rates"
        description="$ per minute per runner label, added to GitHub's published rates of 2026-01-01 (a label listed here replaces its default). Larger runners are billed in public repositories too."
      >
        <Stack direction="column">
          {rates.map((r, i) => (
            <Stack key={i} alignItems="center">
              <Input
                aria-label={`rate ${i + 1} label`}
                width={30}
                placeholder="ubuntu-latest-4-cores"
                value={r.label}
                onChange={(e) => setRate(i, { label: e.currentTarget.value })}
              />
              <Input
                aria-label={`rate ${i + 1} per minute`}
                type="number"
                min={0}
                step="0.001"
                width={12}
                value={Number.isFinite(r.perMinute) ? r.perMinute : ''}
                onChange={(e) => setRate(i, { perMinute: parseNumber(e.currentTarget.value) ?? 0 })}
              />
              <InlineSwitch
                aria-label={`rate ${i + 1} larger`}
                label="Larger runner"
                showLabel
                value={Boolean(r.larger)}
                onChange={(e) => setRate(i, { larger: e.currentTarget.checked || undefined })}
              />
              <Button
                aria-label={`remove rate ${i + 1}`}
                icon="trash-alt"
                variant="secondary"
                onClick={() => setJson({ costRates: rates.filter((_, j) => j !== i) })}
              />
            </Stack>
          ))}
          <div>
            <Button
              icon="plus"
              variant="secondary"
              onClick={() => setJson({ costRates: [...rates, { label: '', perMinute: 0 }] })}
            >
              Add rate
            </Button>
          </div>
        </Stack>
      </Field>
      <Field label="Self-hosted $/minute" description="The price of a minute on a self-hosted runner no rate names">
        <Input
          id="ciradar-config-selfHostedPerMinute"
          type="number"
          min={0}
          step="0.001"
          width={12}
          placeholder={String(DEFAULT_OPTIONS.selfHostedPerMinute)}
          value={jsonData.selfHostedPerMinute ?? ''}
          onChange={(e) => setJson({ selfHostedPerMinute: parseNumber(e.currentTarget.value) })}
        />
      </Field>
      <Field label="GitHub plan" description="Sets the default limit of concurrent jobs on GitHub-hosted runners">
        <Combobox<GitHubPlan>
          id="ciradar-config-githubPlan"
          width={20}
          options={PLAN_OPTIONS}
          value={jsonData.githubPlan ?? DEFAULT_OPTIONS.githubPlan}
          onChange={(o) => setJson({ githubPlan: o.value })}
        />
      </Field>
      <Field
        label="GitHub-hosted concurrency limit"
        description="Overrides the plan's limit (Free 20, Pro 40, Team 60, Enterprise 500)"
      >
        <Input
          id="ciradar-config-hostedConcurrencyLimit"
          type="number"
          min={1}
          width={12}
          placeholder="from the plan"
          value={jsonData.hostedConcurrencyLimit ?? ''}
          onChange={(e) => setJson({ hostedConcurrencyLimit: parseNumber(e.currentTarget.value) })}
        />
      </Field>
      <Field label="Self-hosted concurrency limit" description="Drawn as a line for your own runners; empty for none">
        <Input
          id="ciradar-config-selfHostedConcurrencyLimit"
          type="number"
          min={1}
          width={12}
          placeholder="none"
          value={jsonData.selfHostedConcurrencyLimit ?? ''}
          onChange={(e) => setJson({ selfHostedConcurrencyLimit: parseNumber(e.currentTarget.value) })}
        />
      </Field>
    </FieldSet>
  );
}
