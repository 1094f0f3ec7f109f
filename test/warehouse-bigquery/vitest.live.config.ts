import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/**
 * `npm run test:bigquery`: the live BigQuery check. Kept out of `npm test` (its files end in
 * .live.ts, which the default include never matches) because it needs a real project and credentials.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/warehouse-bigquery/live/**/*.live.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    // The config schema, loaded on first use by the built CLI (src/config/load.ts).
    setupFiles: ['test/setup/config-schema.ts'],
  },
});
