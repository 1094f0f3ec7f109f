import { defineConfig } from 'vitest/config';

/**
 * `npm run test:fast`: the pure unit tests (transforms, ledger helpers, window planning, money, days,
 * errors) with no emulator, child process or warehouse file, so a change to a transform gets feedback
 * in seconds. The whole suite is still `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/transform/**/*.test.ts', 'test/ledger/**/*.test.ts', 'test/jobs/windows.test.ts', 'test/util/**/*.test.ts', 'test/warehouse/values.test.ts'],
    pool: 'threads',
    maxWorkers: 2,
    // The config schema, loaded on first use by the built CLI (src/config/load.ts).
    setupFiles: ['test/setup/config-schema.ts'],
  },
});
