import { completeDays, hourlyUsageDaysOf, hourlyUsageRuns } from '../ledger/queries.js';
import type { StreamDef } from '../streams/stream.js';
import { DateInputError, type DayRange } from '../util/dates.js';
import { runIngest, type IngestEnvironment, type IngestOutcome } from './ingest-run.js';
import { planWindows } from './windows.js';

export interface BackfillOptions {
  range: DayRange;
  streams: StreamDef[];
  refresh: boolean;
}

/** Checks a requested range against today; every message says how to fix the input. */
export function checkRange(range: DayRange, today: string): DayRange {
  // The future check comes first: with --to left out it defaults to today, and "swap them" would mislead.
  if (range.from > today) throw new DateInputError(`--from ${range.from} is in the future (today is ${today} UTC): choose a day up to today`);
  if (range.from > range.to) throw new DateInputError(`--from ${range.from} is after --to ${range.to}: swap them`);
  if (range.to > today) throw new DateInputError(`--to ${range.to} is in the future (today is ${today} UTC): leave --to out to stop at today`);
  return range;
}

/**
 * Fetches every day in range that the ledger does not hold as complete (all of them with refresh).
 * With `--usage-bucket 1h`, usage days held as daily buckets are fetched again too: the hours asked
 * for are not in the warehouse, and skipping them would leave those days on UTC days in every local
 * report without a word (the hourly rows replace the daily ones, as any window does).
 */
export async function backfill(env: IngestEnvironment, opts: BackfillOptions): Promise<IngestOutcome> {
  const range = checkRange(opts.range, env.today);
  const hourlyRuns = env.options.usageBucket === '1h' && !opts.refresh ? hourlyUsageRuns(await env.warehouse.listRuns(1_000_000)) : null;
  return runIngest(
    env,
    'backfill',
    { from: range.from, to: range.to, streams: opts.streams.map((s) => s.name), refresh: opts.refresh, usageBucket: env.options.usageBucket },
    (ledger) => {
      const hourly = hourlyRuns && hourlyUsageDaysOf(ledger, hourlyRuns);
      const refetch = hourly ? { usage: new Set([...completeDays(ledger, 'usage')].filter((d) => !hourly.has(d))) } : undefined;
      return { ...planWindows({ streams: opts.streams, range, ledger, options: env.options, refresh: opts.refresh, refetch, today: env.today, workers: env.concurrency }), ...range };
    },
  );
}
