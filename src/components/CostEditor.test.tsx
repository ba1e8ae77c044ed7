import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { CIRadarOptions } from '../types';
import { CostEditor } from './CostEditor';

// Renders the editor with state and records every jsonData it emits.
function renderStateful(initial: CIRadarOptions) {
  const emitted: CIRadarOptions[] = [];
  function Harness() {
    const [jsonData, setJsonData] = React.useState(initial);
    return (
      <CostEditor
        jsonData={jsonData}
        setJson={(patch) => {
          const next = { ...jsonData, ...patch };
          emitted.push(next);
          setJsonData(next);
        }}
      />
    );
  }
  render(<Harness />);
  return emitted;
}

describe('CostEditor', () => {
  it('adds, edits and removes a rate', () => {
    const emitted = renderStateful({});
    fireEvent.click(screen.getByText('Add rate'));
    fireEvent.change(screen.getByLabelText('rate 1 label'), { target: { value: 'ubuntu-latest-4-cores' } });
    fireEvent.change(screen.getByLabelText('rate 1 per minute'), { target: { value: '0.012' } });
    fireEvent.click(screen.getByLabelText('rate 1 larger'));
    expect(emitted[emitted.length - 1].costRates).toEqual([
      { label: 'ubuntu-latest-4-cores', perMinute: 0.012, larger: true },
    ]);
    fireEvent.click(screen.getByLabelText('remove rate 1'));
    expect(emitted[emitted.length - 1].costRates).toEqual([]);
  });

  it.each([
    ['a price', '0.002', 0.002],
    ['empty means the default', '', undefined],
    ['a negative price is not kept', '-1', undefined],
  ])('stores the self-hosted price: %s', (_name, typed, want) => {
    const emitted = renderStateful({ selfHostedPerMinute: 0.5 });
    fireEvent.change(screen.getByLabelText(/Self-hosted \$\/minute/), { target: { value: typed } });
    expect(emitted[emitted.length - 1].selfHostedPerMinute).toEqual(want);
  });

  it('sets the hosted concurrency limit', () => {
    const emitted = renderStateful({});
    fireEvent.change(screen.getByLabelText(/GitHub-hosted concurrency limit/), { target: { value: '75' } });
    expect(emitted[emitted.length - 1].hostedConcurrencyLimit).toBe(75);
  });
});
