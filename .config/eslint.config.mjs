import grafanaConfig from '@grafana/eslint-config';
import { defineConfig } from 'eslint/config';

export default defineConfig([
  // ESLint looks only at JavaScript unless told otherwise; the webpack config and mocks are TypeScript too.
  { files: ['**/*.{js,mjs,cjs,ts,tsx}'] },
  ...grafanaConfig,
  {
    rules: {
      // Types do that job.
      'react/prop-types': 'off',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json' },
    },
    rules: {
      // @grafana/ui deprecates components ahead of removal; catch them before an upgrade does.
      '@typescript-eslint/no-deprecated': 'error',
    },
  },
]);
