import type { StreamDef } from '../streams/stream.js';
import { addDays, DateInputError } from '../util/dates.js';
import { runIngest, type IngestEnvironment, type IngestOutcome } from './ingest-run.js';
import { planWindows } from './windows.js';

export const MAX_LOOKBACK_DAYS = 90;
/** What --lookback defaults to; a bulk write leaves this many days last in each table (warehouse/duckdb/compaction.ts). */
export const DEFAULT_LOOKBACK_DAYS = 3;

export function checkLookback(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOOKBACK_DAYS) {
    throw new DateInputError(`--lookback ${value} is not a whole number of days from 1 to ${MAX_LOOKBACK_DAYS}: the daily run re-reads a few days (default ${DEFAULT_LOOKBACK_DAYS}); use backfill for longer ranges`);
  }
  return n;
}

/**
 * The scheduled job: re-reads the last `lookback` days and today, and replaces them, so late events
 * and corrections land. It ignores the ledger's "complete" marks on purpose: recent days can change.
 */
export async function dailyRun(env: IngestEnvironment, streams: StreamDef[], lookback: number): Promise<IngestOutcome & { emptyBefore: boolean }> {
  const range = { from: addDays(env.today, -checkLookback(lookback)), to: env.today };
  const emptyBefore = (await env.warehouse.listWindows()).length === 0;
  const outcome = await runIngest(env, 'run', { lookback, streams: streams.map((s) => s.name), usageBucket: env.options.usageBucket }, (ledger) => ({
    ...planWindows({ streams, range, ledger, options: env.options, refresh: true, today: env.today, workers: env.concurrency }),
    ...range,
  }));
  if (emptyBefore) {
    env.emit({ type: 'info', message: `the warehouse was empty: ingested ${range.from}..${range.to} only. For history, run: claude-ingest backfill --from YYYY-MM-DD` });
  }
  return { ...outcome, emptyBefore };
}
