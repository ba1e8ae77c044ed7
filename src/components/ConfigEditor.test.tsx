import React from 'react';
import { DataSourceSettings } from '@grafana/data';
import { fireEvent, render, screen } from '@testing-library/react';

import { pick, user } from '../testing/options';
import { CIRadarOptions, CIRadarSecureOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<CIRadarOptions, CIRadarSecureOptions>;

// The deprecated top-level database field is left out: the plugin keeps its database name in jsonData.
function settings(patch: Partial<Settings> = {}): Settings {
  const base: Omit<Settings, 'database'> = {
    id: 1,
    uid: 'ciradar',
    orgId: 1,
    name: 'CI Radar',
    type: 'ciradar-ciradar-datasource',
    typeName: 'CI Radar',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData: { host: 'db.internal', port: 5433 },
    secureJsonFields: {},
  };
  return { ...base, ...patch } as Settings;
}

const SECRET = 'hunter2-very-secret';

// Renders the editor with state, as Grafana's settings page does, and records every emitted settings object.
function renderStateful(initial: Settings) {
  const emitted: Settings[] = [];
  function Harness() {
    const [options, setOptions] = React.useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          emitted.push(next);
          setOptions(next);
        }}
      />
    );
  }
  const view = render(<Harness />);
  return { ...view, emitted };
}

describe('ConfigEditor', () => {
  it('edits every jsonData field from docs/queries.md', async () => {
    const { emitted } = renderStateful(settings({ jsonData: {} }));
    const typed: Array<[RegExp, string]> = [
      [/^Host/, '/var/run/postgresql'],
      [/^Port/, '6543'],
      [/^Database/, 'ci'],
      [/^User/, 'reader'],
      [/^Max connections/, '8'],
      [/^Query timeout/, '45'],
      [/^Status page URL/, 'https://status.example/api/v2/summary.json'],
      [/^Stale ingest after/, '30'],
      [/^Standby lag warning/, '90'],
      [/^GitHub web address/, 'https://ghe.example.com'],
    ];
    for (const [label, value] of typed) {
      fireEvent.change(screen.getByLabelText(label), { target: { value } });
    }
    await pick(/^TLS mode/, 'verify-full');

    expect(emitted[emitted.length - 1].jsonData).toEqual({
      host: '/var/run/postgresql',
      port: 6543,
      database: 'ci',
      user: 'reader',
      maxConns: 8,
      queryTimeoutSeconds: 45,
      statusPageUrl: 'https://status.example/api/v2/summary.json',
      staleIngestMinutes: 30,
      replicaLagSeconds: 90,
      githubWebURL: 'https://ghe.example.com',
      sslmode: 'verify-full',
    });
  });

  it('stores a cleared field as absent so the backend default applies', () => {
    const { emitted } = renderStateful(settings());
    fireEvent.change(screen.getByLabelText(/^Port/), { target: { value: '' } });
    expect(emitted[emitted.length - 1].jsonData).toEqual({ host: 'db.internal', port: undefined });
  });

  it('shows the default query timeout and stores a cleared one as absent', () => {
    const { emitted } = renderStateful(settings({ jsonData: { queryTimeoutSeconds: 5 } }));
    const input = screen.getByLabelText(/^Query timeout/);
    expect(input).toHaveAttribute('placeholder', '30');
    expect(input).toHaveValue(5);
    fireEvent.change(input, { target: { value: '' } });
    expect(emitted[emitted.length - 1].jsonData).toEqual({ queryTimeoutSeconds: undefined });
  });

  it('sends a typed password only in secureJsonData', async () => {
    const { emitted } = renderStateful(settings());
    await user.type(screen.getByLabelText('Password'), 'pw');
    const last = emitted[emitted.length - 1];
    expect(last.secureJsonData).toEqual({ password: 'pw' });
    expect(JSON.stringify(last.jsonData)).not.toContain('pw');
  });

  it('never renders a configured password', () => {
    const { container } = render(
      <ConfigEditor
        options={settings({ secureJsonFields: { password: true }, secureJsonData: { password: SECRET } })}
        onOptionsChange={jest.fn()}
      />
    );
    const input = screen.getByLabelText('Password');
    expect(input).toBeDisabled();
    expect(input).toHaveValue('configured');
    expect(container.innerHTML).not.toContain(SECRET);
    expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
  });

  it('reset forgets the stored password', async () => {
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor options={settings({ secureJsonFields: { password: true } })} onOptionsChange={onOptionsChange} />
    );
    await user.click(screen.getByText('Reset'));
    expect(onOptionsChange).toHaveBeenCalledWith(
      expect.objectContaining({ secureJsonFields: { password: false }, secureJsonData: { password: '' } })
    );
  });

  it('stores the scope typed one per line as a list, and clears it to absent', () => {
    const { emitted } = renderStateful(settings({ jsonData: {} }));
    const scope = screen.getByLabelText(/^Scope/);
    fireEvent.change(scope, { target: { value: 'acme\n\nbeta/*, gamma/web\n' } });
    expect(emitted[emitted.length - 1].jsonData).toEqual({ scope: ['acme', 'beta/*', 'gamma/web'] });
    expect(screen.queryByText(/scope entry/)).not.toBeInTheDocument();
    fireEvent.change(scope, { target: { value: ' \n' } });
    expect(emitted[emitted.length - 1].jsonData).toEqual({ scope: undefined });
  });

  it('shows a stored scope one entry per line', () => {
    render(
      <ConfigEditor options={settings({ jsonData: { scope: ['acme', 'beta/*'] } })} onOptionsChange={jest.fn()} />
    );
    expect(screen.getByLabelText(/^Scope/)).toHaveValue('acme\nbeta/*');
  });

  it.each([
    ['a wildcard in the middle', 'acme\nbeta/we*b', 'scope entry 2 "beta/we*b" has a wildcard inside a name'],
    ['an empty repository', 'acme/', 'scope entry 1 "acme/" has an empty repository'],
    ['a wildcard owner', '*/web', 'scope entry 1 "*/web" has a wildcard owner'],
  ])('names the wrong entry for %s and keeps it, never widening the scope', (_name, text, message) => {
    const { emitted } = renderStateful(settings({ jsonData: {} }));
    fireEvent.change(screen.getByLabelText(/^Scope/), { target: { value: text } });
    expect(screen.getByText(new RegExp(message.replace(/[*/]/g, '\\$&')))).toBeInTheDocument();
    const stored = emitted[emitted.length - 1].jsonData.scope ?? [];
    expect(stored.join('\n')).toBe(text);
  });

  it('refuses more than 1,000 entries', () => {
    renderStateful(settings({ jsonData: {} }));
    const text = Array.from({ length: 1001 }, (_, i) => `acme/repo${i}`).join('\n');
    fireEvent.change(screen.getByLabelText(/^Scope/), { target: { value: text } });
    expect(screen.getByText('scope has 1001 entries: at most 1000 are allowed')).toBeInTheDocument();
  });
});
