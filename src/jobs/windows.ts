/** Turning a day range and the ledger into the list of windows a job must fetch. */
import type { StreamDef, StreamOptions } from '../streams/stream.js';
import { addDays, daysBetween, eachDay, type DayRange, type IsoDay } from '../util/dates.js';
import type { WindowRecord } from '../warehouse/warehouse.js';
import { completeDays } from '../ledger/queries.js';

export interface WindowTask {
  stream: StreamDef;
  window: DayRange;
}

/** Splits a run of consecutive days into windows of at most `size` days. */
export function chunkDays(range: DayRange, size: number): DayRange[] {
  const out: DayRange[] = [];
  for (let from = range.from; from <= range.to; from = addDays(from, size)) {
    const to = addDays(from, size - 1);
    out.push({ from, to: to < range.to ? to : range.to });
  }
  return out;
}

/** Groups sorted days into runs of consecutive days. */
export function consecutiveRuns(days: IsoDay[]): DayRange[] {
  const runs: DayRange[] = [];
  for (const day of days) {
    const last = runs[runs.length - 1];
    if (last && addDays(last.to, 1) === day) last.to = day;
    else runs.push({ from: day, to: day });
  }
  return runs;
}

/**
 * The windows a backfill must fetch: every day in range not already complete in the ledger (all of
 * them with `refresh`), as consecutive runs cut into the stream's window size. Resuming after a
 * crash therefore starts exactly where the last committed window ended.
 */
export interface WindowPlanInput {
  streams: StreamDef[];
  range: DayRange;
  ledger: WindowRecord[];
  options: StreamOptions;
  /** Fetch again even days the ledger holds as complete. */
  refresh: boolean;
  /** Per stream, days held complete that are fetched again anyway (held in another shape than asked for). */
  refetch?: Readonly<Record<string, ReadonlySet<IsoDay>>>;
  today: IsoDay;
  /** Workers that will run the windows (short ranges of page-chained streams are split for them); default 1. */
  workers?: number;
}

export function planWindows({ streams, range, ledger, options, refresh, refetch, today, workers = 1 }: WindowPlanInput): { tasks: WindowTask[]; skippedDays: number } {
  const tasks: WindowTask[] = [];
  let skippedDays = 0;
  for (const stream of streams) {
    if (stream.writeMode === 'replace-all') {
      tasks.push({ stream, window: { from: today, to: today } });
      continue;
    }
    const done = refresh ? new Set<IsoDay>() : completeDays(ledger, stream.name);
    for (const day of refetch?.[stream.name] ?? []) done.delete(day);
    // Days before a source's floor (the Analytics API serves nothing before 2026-01-01 or older than
    // 365 days) are not requested and not counted as skipped: the legacy streams cover them quietly.
    const floor = stream.servedFrom?.(today);
    const from = floor !== undefined && floor > range.from ? floor : range.from;
    if (from > range.to) continue;
    const todo = eachDay(from, range.to).filter((d) => !done.has(d));
    skippedDays += eachDay(from, range.to).length - todo.length;
    for (const run of consecutiveRuns(todo)) {
      for (const window of chunkDays(run, windowSize(stream, options, run, workers))) tasks.push({ stream, window });
    }
  }
  return { tasks: orderForThroughput(tasks), skippedDays };
}

/**
 * The stream's window, or for a stream with minWindowDays and a run of days too short to give each
 * worker a window, the run split evenly among the workers (never below minWindowDays).
 */
export function windowSize(stream: StreamDef, options: StreamOptions, run: DayRange, workers: number): number {
  const size = stream.windowDays(options);
  const min = stream.minWindowDays;
  const days = daysBetween(run.from, run.to) + 1;
  if (min === undefined || workers <= 1 || days >= size * workers) return size;
  return Math.max(min, Math.min(size, Math.ceil(days / workers)));
}

/**
 * A stream that fetches day by day (Claude Code) needs one request sequence per day while cost and
 * usage fetch a month per request. Starting the slow windows first and spreading the cheap ones evenly
 * between them keeps every worker busy to the end instead of leaving a tail of day-by-day requests.
 */
export function orderForThroughput(tasks: WindowTask[]): WindowTask[] {
  const slow = tasks.filter((t) => t.stream.fetchesDayByDay === true);
  const cheap = tasks.filter((t) => t.stream.fetchesDayByDay !== true);
  if (slow.length === 0 || cheap.length === 0) return [...slow, ...cheap];
  const every = Math.max(1, Math.floor(slow.length / cheap.length));
  const out: WindowTask[] = [];
  slow.forEach((t, i) => {
    out.push(t);
    if ((i + 1) % every === 0 && cheap.length > 0) out.push(cheap.shift()!);
  });
  return [...out, ...cheap];
}
