import { STREAMS } from '../streams/index.js';
import type { StreamName } from '../streams/stream.js';
import { unfinishedWindows } from '../ledger/queries.js';
import { runIngest, type IngestEnvironment, type IngestOutcome } from './ingest-run.js';
import type { WindowTask } from './windows.js';
import { orderForThroughput } from './windows.js';

export function retryFailed(env: IngestEnvironment): Promise<IngestOutcome> {
  return runIngest(env, 'retry', {}, (ledger) => {
    const todo = unfinishedWindows(ledger).filter((w) => w.stream in STREAMS);
    const tasks: WindowTask[] = todo.map((w) => ({ stream: STREAMS[w.stream as StreamName], window: { from: w.windowStart, to: w.windowEnd } }));
    const days = todo.flatMap((w) => [w.windowStart, w.windowEnd]).sort();
    return { tasks: orderForThroughput(tasks), skippedDays: 0, from: days[0] ?? env.today, to: days[days.length - 1] ?? env.today };
  });
}
