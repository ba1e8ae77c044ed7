import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { CIRadarOptions, CIRadarQuery, CIRadarSecureOptions } from './types';

export const plugin = new DataSourcePlugin<DataSource, CIRadarQuery, CIRadarOptions, CIRadarSecureOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
