import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/**
 * `npm run test:bigquery-sql`: every BigQuery statement through ZetaSQL. Kept out of `npm test` (its
 * files end in .zetasql.ts, which the default include never matches) because it needs the ZetaSQL
 * package that scripts/zetasql-install.sh installs into .cache/zetasql on demand.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['test/warehouse-bigquery/zetasql/**/*.zetasql.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    // The config schema, loaded on first use by the built CLI (src/config/load.ts).
    setupFiles: ['test/setup/config-schema.ts'],
  },
});
