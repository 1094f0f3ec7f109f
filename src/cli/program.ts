/**
 * The root command and its global options. Option types are inferred from these declarations
 * (@commander-js/extra-typings), so every command's `cmd.optsWithGlobals()` is typed without a cast;
 * a new global or per-command option is typed where it is declared.
 */
import { Command } from '@commander-js/extra-typings';

export function rootProgram(version: string) {
  return new Command('claude-ingest')
    .description('Move Anthropic Admin API usage and cost data into a warehouse you own (DuckDB or BigQuery).')
    .version(version)
    .option('--warehouse <url>', 'duckdb:./file.duckdb or bigquery://PROJECT/DATASET (env CLAUDE_INGEST_WAREHOUSE; default duckdb:./claude-usage.duckdb)')
    .option('--json', 'log JSON lines (with severity) instead of a progress bar; JSON output where a command has it')
    .option('--concurrency <n>', 'concurrent API requests at most (default 4; lowered automatically on 429)')
    .option('--max-attempts <n>', 'attempts per request before its window is recorded failed (default 8)')
    .option('--lock-wait <seconds>', 'wait this long for another process writing the warehouse (default: fail at once)');
}

/** The root command every `register…Command` adds its command to. */
export type Program = ReturnType<typeof rootProgram>;

/** The global options as every command sees them. */
export type GlobalOptions = ReturnType<Program['opts']>;
