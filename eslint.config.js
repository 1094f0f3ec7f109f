import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * What each folder under src/ may import (docs/architecture.md explains why). util/ is open to all and
 * imports nothing else; cli/ may import anything. A folder not listed for another is refused. `types`:
 * folders whose types (import type) are allowed but whose runtime code is not. `jobs` entries name the
 * only jobs modules a reader may use (the ledger queries and status), so checks, alerts and the
 * dashboard never reach the code that fetches and writes.
 */
const LAYERS = {
  util: { may: [] },
  source: { may: ['util'] },
  warehouse: { may: ['util'] },
  emulator: { may: ['util'] },
  transform: { may: ['util'], types: ['source', 'warehouse'] },
  ledger: { may: ['warehouse', 'util'] },
  streams: { may: ['source', 'transform', 'util'], types: ['warehouse'] },
  reports: { may: ['warehouse', 'util'] },
  config: { may: ['source', 'util'] },
  jobs: { may: ['ledger', 'source', 'streams', 'transform', 'warehouse', 'util'] },
  checks: { may: ['ledger', 'reports', 'warehouse', 'util'] },
  alerts: { may: ['checks', 'config', 'ledger', 'reports', 'warehouse', 'util'] },
  dashboard: { may: ['alerts', 'checks', 'ledger', 'reports', 'warehouse', 'util'], types: ['config'] },
  metrics: { may: ['alerts', 'checks', 'ledger', 'reports', 'warehouse', 'util'], types: ['config'] },
};
const FOLDERS = ['alerts', 'checks', 'cli', 'config', 'dashboard', 'emulator', 'jobs', 'ledger', 'metrics', 'reports', 'source', 'streams', 'transform', 'util', 'warehouse'];

const layerRules = Object.entries(LAYERS).map(([folder, rule]) => {
  const open = new Set([folder, ...rule.may, ...(rule.types ?? []), ...(rule.jobs ? ['jobs'] : [])]);
  const closed = FOLDERS.filter((f) => !open.has(f));
  const patterns = [];
  if (closed.length > 0) {
    patterns.push({ group: closed.map((f) => `**/${f}/**`), message: `src/${folder} must not import this layer (see LAYERS in eslint.config.js and docs/architecture.md).` });
  }
  if (rule.types) {
    patterns.push({ group: rule.types.map((f) => `**/${f}/**`), allowTypeImports: true, message: `src/${folder} may import only types from this layer (import type).` });
  }
  if (rule.jobs) {
    patterns.push({ group: ['**/jobs/**', ...rule.jobs.map((m) => `!**/jobs/${m}.js`)], message: `src/${folder} may import only ${rule.jobs.map((m) => `jobs/${m}`).join(' and ')} from jobs/.` });
  }
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', '.tmp/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'src/dashboard/static/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
  {
    // Guard rails: no import cycle anywhere in src/ (a cycle is how layers start to blur), and no source
    // file past 400 lines (one concept per module).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/extensions': ['.ts', '.js'], 'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] }, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', document: 'readonly', window: 'readonly', fetch: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', echarts: 'readonly', performance: 'readonly' } },
  },
  {
    // The page's modules are type-checked (checkJs, DOM lib), which finds an undefined name better
    // than a hand-kept list of browser globals.
    files: ['src/dashboard/static/**/*.js', 'src/util/format-usd.js'],
    rules: { 'no-undef': 'off' },
  },
);
