import { defineConfig } from 'eslint/config';

import baseConfig from './.config/eslint.config.mjs';

export default defineConfig([
  {
    // Everything that is not our TypeScript/JavaScript source: Go, build output, dependencies, dashboards.
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/coverage/',
      '**/.eslintcache',
      'pkg/',
      'provisioning/',
      'dashboards/',
      '.ci/',
    ],
  },
  ...baseConfig,
]);
