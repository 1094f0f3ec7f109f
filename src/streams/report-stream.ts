/**
 * The shared shape of the time-bucketed report streams (cost, usage): each window issues one or
 * more paginated report requests, and each request's buckets are shaped into rows of one table.
 */
import type { z } from 'zod';
import { paginateReportBuckets } from '../source/pagination.js';
import type { QueryParams } from '../source/types.js';
import type { Lineage } from '../transform/lineage.js';
import type { WindowTally } from '../transform/tally.js';
import { addDays, dayStartRfc3339, type DayRange } from '../util/dates.js';
import type { Row, RowOf, TableName } from '../warehouse/tables.js';
import type { WindowSink } from '../warehouse/warehouse.js';
import type { StreamContext, StreamOptions, WindowSummary } from './stream.js';

export interface ReportRequest<R, N extends TableName = TableName> {
  endpoint: string;
  params(options: StreamOptions): QueryParams;
  schema: z.ZodType<R>;
  table: N;
  toRow(bucketStart: string, result: R, lineage: Lineage, tally: WindowTally): RowOf<N>;
}

/** starting_at is inclusive, ending_at exclusive: the window's last day ends at the next midnight. */
export function windowParams(window: DayRange): QueryParams {
  return { starting_at: dayStartRfc3339(window.from), ending_at: dayStartRfc3339(addDays(window.to, 1)) };
}

/**
 * Rows go to the window's staging in batches of this many, whatever the page size: a 31-day page of
 * a large organisation is ~50,000 results, and building all their rows before writing any held the
 * page, its rows and the writer's work at once.
 */
export const APPEND_BATCH_ROWS = 5000;

export async function fetchReportWindow(
  requests: ReportRequest<unknown>[],
  window: DayRange,
  ctx: StreamContext,
  sink: WindowSink,
  /** Sees every batch before it is appended (the cost stream sums its cents here). */
  onBatch?: (table: TableName, rows: readonly Row[]) => void,
): Promise<WindowSummary> {
  let rows = 0;
  for (const req of requests) {
    const query = { ...req.params(ctx.options), ...windowParams(window) };
    let batch: RowOf<TableName>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const full = batch;
      batch = [];
      onBatch?.(req.table, full);
      await sink.append(req.table, full);
      rows += full.length;
    };
    // Bucket by bucket as the page streams in: each bucket is shaped, appended in batches and then
    // unreferenced, so memory holds about one bucket and one batch per worker, never a page or a range.
    for await (const bucket of paginateReportBuckets(ctx.client, req.endpoint, query, req.schema, ctx.stats)) {
      const results = bucket.results;
      for (let i = 0; i < results.length; i++) {
        batch.push(req.toRow(bucket.starting_at, results[i], ctx.lineage, ctx.tally));
        if (batch.length >= APPEND_BATCH_ROWS) await flush();
      }
    }
    await flush();
  }
  return { rows, centsTotal: null };
}
