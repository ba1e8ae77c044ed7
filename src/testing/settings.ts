import { DataSourceInstanceSettings, DataSourcePluginMeta } from '@grafana/data';

import { CIRadarOptions } from '../types';

type Settings = DataSourceInstanceSettings<CIRadarOptions>;

// instanceSettings is the least a DataSource needs to be constructed outside Grafana. The numeric id is
// deprecated and unused by the plugin, so it is left out.
export function instanceSettings(jsonData: CIRadarOptions = {}): Settings {
  const settings: Omit<Settings, 'id'> = {
    uid: 'ciradar-test',
    type: 'ciradar-ciradar-datasource',
    name: 'CI Radar',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'ciradar-ciradar-datasource' } as DataSourcePluginMeta,
  };
  return settings as Settings;
}
