import fs from 'fs';
import path from 'path';

import { SOURCE_DIR } from './constants';

export interface PluginJson {
  id: string;
  info?: { logos?: { small?: string; large?: string }; screenshots?: Array<{ path: string }> };
  includes?: Array<{ type: string; path?: string }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.resolve(process.cwd(), file), 'utf8'));
}

export const readPluginJson = () => readJson<PluginJson>(path.join(SOURCE_DIR, 'plugin.json'));
export const readPackageVersion = () => readJson<{ version: string }>('package.json').version;

// The images plugin.json points at are copied as they are; nothing imports them.
export function imagePaths(plugin: PluginJson): string[] {
  const logos = [plugin.info?.logos?.small, plugin.info?.logos?.large];
  const shots = plugin.info?.screenshots?.map((s) => s.path) ?? [];
  return Array.from(new Set([...logos, ...shots].filter((p): p is string => Boolean(p))));
}

// The dashboards plugin.json includes live in the repository's dashboards/ (Grafana provisions them from there too);
// the archive carries them at the path plugin.json gives, relative to the plugin's root.
export function includedDashboards(plugin: PluginJson): string[] {
  return (plugin.includes ?? [])
    .filter((i) => i.type === 'dashboard' && i.path)
    .map((i) => i.path as string);
}

// fillPlaceholders stamps the package version and build date into plugin.json and the README, as Grafana's
// plugin catalogue reads them from there.
export function fillPlaceholders(text: string, version: string, pluginId: string): string {
  return text
    .replace(/%VERSION%/g, version)
    .replace(/%TODAY%/g, new Date().toISOString().substring(0, 10))
    .replace(/%PLUGIN_ID%/g, pluginId);
}
