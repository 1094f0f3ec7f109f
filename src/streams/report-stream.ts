/**
 * The shared shape of the time-bucketed report streams (cost, usage): each window issues one or
 * more paginated report requests, and each request's buckets are shaped into rows of one table.
 */
import type { z } from 'zod';
import { paginateReport } from '../source/pagination.js';
import type { QueryParams } from '../source/types.js';
import type { Lineage } from '../transform/lineage.js';
import { addDays, dayStartRfc3339, type DayRange } from '../util/dates.js';
import type { Row, TableName } from '../warehouse/tables.js';
import type { WindowSink } from '../warehouse/warehouse.js';
import type { StreamContext, StreamOptions, WindowSummary } from './stream.js';

export interface ReportRequest<R> {
  endpoint: string;
  params(options: StreamOptions): QueryParams;
  schema: z.ZodType<R>;
  table: TableName;
  toRow(bucketStart: string, result: R, lineage: Lineage): Row;
}

/** starting_at is inclusive, ending_at exclusive: the window's last day ends at the next midnight. */
export function windowParams(window: DayRange): QueryParams {
  return { starting_at: dayStartRfc3339(window.from), ending_at: dayStartRfc3339(addDays(window.to, 1)) };
}

export async function fetchReportWindow(
  requests: ReportRequest<unknown>[],
  window: DayRange,
  ctx: StreamContext,
  sink: WindowSink,
  onRow?: (table: TableName, row: Row) => void,
): Promise<WindowSummary> {
  let rows = 0;
  for (const req of requests) {
    const query = { ...req.params(ctx.options), ...windowParams(window) };
    for await (const buckets of paginateReport(ctx.client, req.endpoint, query, req.schema, ctx.stats)) {
      const batch: Row[] = [];
      for (const bucket of buckets) {
        for (const result of bucket.results) {
          const row = req.toRow(bucket.starting_at, result, ctx.lineage);
          onRow?.(req.table, row);
          batch.push(row);
        }
      }
      // Each page goes to the staging area at once, so memory holds one page, never a whole range.
      if (batch.length > 0) await sink.append(req.table, batch);
      rows += batch.length;
    }
  }
  return { rows, centsTotal: null };
}
