/**
 * DuckDB's bundled jemalloc keeps pages it has freed for a decay time (1 s by default) before it
 * hands them back to the OS, and a backfill frees and reallocates DuckDB memory all the time
 * (appender chunks, commits, checkpoints): on the one-year large backfill that retained memory was
 * the difference between 326 MB peak RSS and 282 MB with immediate purging (docs/performance.md,
 * Round 6). jemalloc reads its options once, when the DuckDB library is loaded, from
 * DUCKDB_JE_MALLOC_CONF, so this must run before anything imports @duckdb/node-api: the bin calls it
 * first, and the bench gives its write benchmark the same setting. A value the user set wins (an
 * empty one gives DuckDB's default back).
 *
 * This module must not import DuckDB, directly or through another module.
 */
export const DUCKDB_JE_MALLOC_CONF = 'dirty_decay_ms:0,muzzy_decay_ms:0';

export function boundDuckDbAllocator(env: NodeJS.ProcessEnv): void {
  env.DUCKDB_JE_MALLOC_CONF ??= DUCKDB_JE_MALLOC_CONF;
}
