import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the SIGKILL loop, kept out of `npm test`. Runs the built CLI (the script builds first). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    // The config schema, loaded on first use by the built CLI (src/config/load.ts).
    setupFiles: ['test/setup/config-schema.ts'],
  },
});
