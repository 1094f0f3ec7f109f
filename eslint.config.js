import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layers of src/, lowest first (docs/architecture.md draws them and says why). A folder may import
 * only from folders of lower layers, and of those only the ones it names: `may` for runtime code,
 * `types` for `import type` alone. util/ imports nothing; cli/ (the top) may import anything. Two
 * folders of one layer never import each other, so the layer count is the longest chain of imports.
 */
const LAYERS = [
  { util: { may: [] } },
  {
    source: { may: ['util'] },
    warehouse: { may: ['util'] },
    emulator: { may: ['util'] },
  },
  {
    transform: { may: ['util'], types: ['source', 'warehouse'] },
    ledger: { may: ['source', 'warehouse', 'util'] },
    reports: { may: ['warehouse', 'util'] },
    config: { may: ['source', 'util'] },
  },
  {
    streams: { may: ['source', 'transform', 'util'], types: ['warehouse'] },
    checks: { may: ['ledger', 'reports', 'warehouse', 'util'] },
  },
  {
    jobs: { may: ['ledger', 'source', 'streams', 'transform', 'warehouse', 'util'] },
    alerts: { may: ['checks', 'config', 'ledger', 'reports', 'warehouse', 'util'] },
  },
  {
    dashboard: { may: ['alerts', 'checks', 'ledger', 'reports', 'warehouse', 'util'], types: ['config'] },
    metrics: { may: ['alerts', 'checks', 'ledger', 'reports', 'warehouse', 'util'], types: ['config'] },
  },
  { cli: { may: 'anything' } },
];
const MAX_LAYERS = 7;
const layerOf = new Map(LAYERS.flatMap((layer, n) => Object.keys(layer).map((folder) => [folder, n])));
const FOLDERS = [...layerOf.keys()];
// The table itself is checked: a rule that let a folder import its own layer or a higher one would
// quietly stack another floor.
if (LAYERS.length > MAX_LAYERS) throw new Error(`eslint.config.js: ${LAYERS.length} layers, at most ${MAX_LAYERS}`);
for (const [folder, rule] of LAYERS.flatMap((layer) => Object.entries(layer))) {
  if (rule.may === 'anything') continue;
  for (const dep of [...rule.may, ...(rule.types ?? [])]) {
    if (!layerOf.has(dep)) throw new Error(`eslint.config.js: ${folder} names an unknown folder ${dep}`);
    if (layerOf.get(dep) >= layerOf.get(folder)) throw new Error(`eslint.config.js: ${folder} (layer ${layerOf.get(folder) + 1}) may not import ${dep} (layer ${layerOf.get(dep) + 1})`);
  }
}

const layerRules = LAYERS.flatMap((layer) => Object.entries(layer))
  .filter(([, rule]) => rule.may !== 'anything')
  .map(([folder, rule]) => {
    const open = new Set([folder, ...rule.may, ...(rule.types ?? [])]);
    const closed = FOLDERS.filter((f) => !open.has(f));
    const patterns = [];
    if (closed.length > 0) {
      patterns.push({ group: closed.map((f) => `**/${f}/**`), message: `src/${folder} must not import this layer (see LAYERS in eslint.config.js and docs/architecture.md).` });
    }
    if (rule.types) {
      patterns.push({ group: rule.types.map((f) => `**/${f}/**`), allowTypeImports: true, message: `src/${folder} may import only types from this layer (import type).` });
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
    // Money behind util/money.ts's small API: decimal.js and its clone stay inside it. The files listed
    // still use the clone directly (streams/ waits for the streams rewrite); the list may only shrink.
    files: ['src/**/*.ts'],
    ignores: ['src/util/money.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'decimal.js', message: 'Exact arithmetic goes through src/util/money.ts (addDecimal, compareDecimal, DecimalSum, …).' }],
        patterns: [{ group: ['**/util/money.js'], importNames: ['ExactDecimal'], message: 'Use the functions of src/util/money.ts instead of the decimal.js clone.' }],
      }],
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
