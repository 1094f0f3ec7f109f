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
 * The daily run keeps DuckDB's default. It writes a few days, so there is little to purge, and most of
 * its DuckDB time is the closing checkpoint rewriting each table's last row group, which allocates
 * and frees block after block: purged at once, every block came back from the kernel as fresh zeroed
 * pages. Measured on the one-year large warehouse (docs/performance.md, Round 12c): that checkpoint
 * took 2.6 x the CPU (1.0-1.1 s against 0.4 s, half of it system time).
 *
 * `validate` and `report` keep freed pages for 200 ms: their scans free and allocate blocks all the
 * time, and purged at once every one came back as fresh zeroed pages (page faults and madvise calls
 * were a fifth of validate's CPU). Measured on the one-year large warehouse (docs/performance.md,
 * Round 15): `validate --full` 13.1 -> 8.1 s of CPU, peak RSS 512 -> 570 MB (DuckDB's default decay:
 * 622 MB); after a daily run some 6,500 fewer page faults; the year's local-day report 0.87x the CPU.
 *
 * This module must not import DuckDB, directly or through another module.
 */
export const DUCKDB_JE_MALLOC_CONF = 'dirty_decay_ms:0,muzzy_decay_ms:0';
/** validate's and report's setting (see above). */
export const DUCKDB_JE_MALLOC_CONF_SHORT_DECAY = 'dirty_decay_ms:200,muzzy_decay_ms:0';

/** Commands that keep DuckDB's default decay (see above). */
const DEFAULT_DECAY_COMMANDS = new Set(['run']);
/** Commands that keep freed pages briefly (see above). */
const SHORT_DECAY_COMMANDS = new Set(['validate', 'report']);

/** Sets immediate purging for `command` (the bin's command word), a short decay for validate and report, DuckDB's default for the daily run; a value the user set wins. */
export function boundDuckDbAllocator(env: NodeJS.ProcessEnv, command?: string): void {
  if (command !== undefined && DEFAULT_DECAY_COMMANDS.has(command)) return;
  env.DUCKDB_JE_MALLOC_CONF ??= command !== undefined && SHORT_DECAY_COMMANDS.has(command) ? DUCKDB_JE_MALLOC_CONF_SHORT_DECAY : DUCKDB_JE_MALLOC_CONF;
}
