import { STREAMS } from '../streams/index.js';
import type { StreamName } from '../streams/stream.js';
import { eachDay } from '../util/dates.js';
import type { WindowRecord } from '../warehouse/warehouse.js';
import { runIngest, type IngestEnvironment, type IngestOutcome } from './ingest-run.js';
import type { WindowTask } from './windows.js';
import { orderForThroughput } from './windows.js';

/**
 * Windows whose latest ledger row is failed, or still "running" from a process that died (one
 * process writes a warehouse at a time, so a running row seen at start belongs to a dead run),
 * unless a later successful window of the same stream has since covered every one of their days.
 */
export function unfinishedWindows(ledger: WindowRecord[]): WindowRecord[] {
  return ledger.filter((w) => {
    // An unavailable endpoint is not a failure: the next backfill or run asks again by itself.
    if (w.status === 'ok' || w.status === 'unavailable') return false;
    const later = ledger.filter((o) => o.stream === w.stream && o.status === 'ok' && o.startedAt > w.startedAt);
    return !eachDay(w.windowStart, w.windowEnd).every((d) => later.some((o) => o.windowStart <= d && d <= o.windowEnd));
  });
}

export function retryFailed(env: IngestEnvironment): Promise<IngestOutcome> {
  return runIngest(env, 'retry', {}, (ledger) => {
    const todo = unfinishedWindows(ledger).filter((w) => w.stream in STREAMS);
    const tasks: WindowTask[] = todo.map((w) => ({ stream: STREAMS[w.stream as StreamName], window: { from: w.windowStart, to: w.windowEnd } }));
    const days = todo.flatMap((w) => [w.windowStart, w.windowEnd]).sort();
    return { tasks: orderForThroughput(tasks), skippedDays: 0, from: days[0] ?? env.today, to: days[days.length - 1] ?? env.today };
  });
}
