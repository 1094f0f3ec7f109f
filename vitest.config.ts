import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores here: more forks only thrash. Each test file uses its own DuckDB file and emulator port.
    pool: 'forks',
    maxWorkers: 2,
    // The config schema, loaded on first use by the built CLI (src/config/load.ts).
    setupFiles: ['test/setup/config-schema.ts'],
  },
});
