import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.tmp/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'src/dashboard/static/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
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
