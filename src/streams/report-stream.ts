/**
 * The shared shape of the time-bucketed report streams (cost, usage): each window issues one or
 * more paginated report requests, and each request's buckets are shaped into rows of one table.
 */
import type { z } from 'zod';
import { paginateReportBuckets } from '../source/pagination.js';
import type { QueryParams } from '../source/types.js';
import type { WindowTally } from '../transform/tally.js';
import { addDays, dayStartRfc3339, type DayRange } from '../util/dates.js';
import type { RowOf, TableName } from '../warehouse/tables.js';
import type { TableBatch } from '../warehouse/window-writer.js';
import type { StreamContext, StreamOptions } from './stream.js';

export interface ReportRequest<R, N extends TableName = TableName> {
  endpoint: string;
  params(options: StreamOptions): QueryParams;
  schema: z.ZodType<R>;
  table: N;
  toRow(bucketStart: string, result: R, tally: WindowTally): RowOf<N>;
}

/** starting_at is inclusive, ending_at exclusive: the window's last day ends at the next midnight. */
export function windowParams(window: DayRange): QueryParams {
  return { starting_at: dayStartRfc3339(window.from), ending_at: dayStartRfc3339(addDays(window.to, 1)) };
}

/**
 * One report request's rows, a bucket at a time as the page streams in: each bucket is shaped and
 * handed over, then unreferenced, so a worker holds about one bucket and the writer's batch, never
 * a page or a range.
 */
export async function* reportBatches<R, N extends TableName>(req: ReportRequest<R, N>, window: DayRange, ctx: StreamContext): AsyncGenerator<TableBatch<N>> {
  const query = { ...req.params(ctx.options), ...windowParams(window) };
  for await (const bucket of paginateReportBuckets(ctx.client, req.endpoint, query, req.schema, ctx.stats)) {
    const results = bucket.results;
    if (results.length === 0) continue;
    const rows = new Array<RowOf<N>>(results.length);
    for (let i = 0; i < results.length; i++) rows[i] = req.toRow(bucket.starting_at, results[i]!, ctx.tally);
    yield { table: req.table, rows };
  }
}
