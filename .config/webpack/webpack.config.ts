// The layout of this configuration follows @grafana/create-plugin's webpack configuration; it was
// written for this project rather than generated, so `npx @grafana/create-plugin update` would
// overwrite it.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';
import VirtualModulesPlugin from 'webpack-virtual-modules';

import { DIST_DIR, SOURCE_DIR } from './constants';
import { externals } from './externals';
import { fillPlaceholders, imagePaths, includedDashboards, readPackageVersion, readPluginJson } from './pluginFiles';

type Env = Record<string, string | boolean | undefined>;

const plugin = readPluginJson();
const version = readPackageVersion();

// Grafana may serve plugins from a sub path or a CDN, so the public path is taken at runtime from the URI the
// AMD loader gave module.js, and only falls back to the usual location.
const publicPath = new VirtualModulesPlugin({
  'node_modules/grafana-public-path.js': `
import amdModule from 'amd-module';
__webpack_public_path__ = amdModule && amdModule.uri
  ? amdModule.uri.slice(0, amdModule.uri.lastIndexOf('/') + 1)
  : 'public/plugins/${plugin.id}/';
`,
});

const config = (env: Env): Configuration => {
  const production = Boolean(env.production);
  const stamp = (content: Buffer) => fillPlaceholders(content.toString(), version, plugin.id);

  return {
    mode: production ? 'production' : 'development',
    // Rebuilds in watch mode and repeated CI builds reuse node_modules/.cache.
    cache: { type: 'filesystem', buildDependencies: { config: [__filename] } },
    context: path.join(process.cwd(), SOURCE_DIR),
    devtool: production ? 'source-map' : 'eval-source-map',
    // The public path module must run before anything that loads a chunk or an asset.
    entry: { module: ['grafana-public-path', './module.ts'] },
    externals,
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2018',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'classic' } },
              },
            },
          },
        },
        { test: /\.(png|jpe?g|gif|svg)$/, type: 'asset/resource' },
      ],
    },
    output: {
      // The Go build puts gpx_ciradar_* into dist too; a frontend build must not delete it.
      clean: { keep: /^(gpx_|go_plugin_build_manifest)/ },
      filename: '[name].js',
      chunkFilename: production ? '[name].js?_cache=[contenthash]' : '[name].js',
      library: { type: 'amd' },
      path: path.resolve(process.cwd(), DIST_DIR),
      publicPath: `public/plugins/${plugin.id}/`,
      uniqueName: plugin.id,
    },
    plugins: [
      publicPath,
      new CopyWebpackPlugin({
        patterns: [
          {
            from: 'plugin.json',
            to: '.',
            // buildMode tells Grafana a development build is loaded.
            transform: (content) =>
              JSON.stringify(
                { ...JSON.parse(stamp(content)), buildMode: production ? 'production' : 'development' },
                null,
                2
              ),
          },
          // The archive carries the data source's own README (the catalogue page), not the repository's.
          { from: 'README.md', to: '.', transform: stamp },
          { from: '../LICENSE', to: '.', noErrorOnMissing: true },
          { from: '../CHANGELOG.md', to: '.', noErrorOnMissing: true },
          ...imagePaths(plugin).map((p) => ({ from: p, to: p })),
          // From the repository root: the same files Grafana provisions.
          ...includedDashboards(plugin).map((p) => ({ from: path.join('..', p), to: p })),
        ],
      }),
    ],
    resolve: {
      extensions: ['.js', '.jsx', '.ts', '.tsx'],
      modules: [path.resolve(process.cwd(), SOURCE_DIR), 'node_modules'],
    },
  };
};

export default config;
