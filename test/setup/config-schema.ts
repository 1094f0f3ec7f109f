/**
 * The config loader requires its zod schema on first use (src/config/load.ts), which works on the
 * built files only: a test runs the TypeScript sources, so the schema is loaded here, before any test,
 * as the CLI loads it before a command that may read a config file.
 */
import { preloadConfigSchema } from '../../src/config/load.js';

await preloadConfigSchema();
