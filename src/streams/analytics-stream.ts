/**
 * What the two analytics streams share: the query parameters of a window, the date floor the API
 * serves, and reading one query's rows page by page, shaped into a table's rows.
 */
import type { z } from 'zod';
import { paginateAnalyticsRows, type AnalyticsClient } from '../source/pagination/analytics-rows.js';
import type { QueryParams, RequestStats } from '../source/types.js';
import type { RowOf, TableName } from '../warehouse/tables.js';
import type { TableBatch } from '../warehouse/window-writer.js';
import { windowParams } from './report-stream.js';
import type { StreamOptions } from './stream.js';
import type { DayRange } from '../util/dates.js';

/** Each split window costs its fixed queries (the totals) again, so a week is as small as it goes. */
export const ANALYTICS_MIN_WINDOW_DAYS = 7;

/** Daily windows span 31 days (the API's maximum range); hourly ones a week, like --usage-bucket 1h. */
export function analyticsWindowDays(o: StreamOptions): number {
  return o.analyticsBucket === '1h' ? 7 : 31;
}

export function analyticsQuery(window: DayRange, options: StreamOptions, groupBy: readonly string[]): QueryParams {
  // Oldest first (the default is by amount): a bucket's rows then arrive together, so their day and
  // timestamp conversions are memoised on the last value, and DuckDB compresses runs of equal days.
  const q: QueryParams = { ...windowParams(window), time_bucket_width: options.analyticsBucket ?? '1d', order_by: 'time', order: 'asc' };
  if (groupBy.length > 0) q.group_by = groupBy;
  return q;
}

/**
 * The newest `data_refreshed_at` the window's pages carried (the API's "data complete up to"), kept
 * with the window in the ledger: status and freshness use it.
 */
export class RefreshedAt {
  value: string | null = null;
  private ms = -Infinity;
  /** A value that is not a timestamp is ignored: it is information, never a reason to fail a window. */
  readonly note = (v: string): void => {
    const ms = Date.parse(v);
    if (Number.isFinite(ms) && ms > this.ms) {
      this.ms = ms;
      this.value = new Date(ms).toISOString();
    }
  };
}

/** One Analytics API query: where, what, and (for analyticsBatches) into which table's rows. */
export interface AnalyticsRead<R> {
  client: AnalyticsClient;
  stats: RequestStats;
  endpoint: string;
  query: QueryParams;
  schema: z.ZodType<R>;
  /** Notes each page's data_refreshed_at. */
  refreshed?: RefreshedAt;
}

/** Every row of one query, shaped (with its ordinal among identical groups), a page at a time. */
export async function* analyticsBatches<R, N extends TableName>(
  read: AnalyticsRead<R>,
  table: N,
  toRow: (r: R, ordinal: number) => RowOf<N>,
): AsyncGenerator<TableBatch<N>> {
  for await (const page of pages(read)) {
    if (page.length === 0) continue;
    const rows = new Array<RowOf<N>>(page.length);
    for (let i = 0; i < page.length; i++) rows[i] = toRow(page[i]!.row, page[i]!.ordinal);
    yield { table, rows };
  }
}

/** Every row of one query, unshaped (the small ungrouped totals). */
export async function readAll<R>(read: AnalyticsRead<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const page of pages(read)) for (const o of page) out.push(o.row);
  return out;
}

function pages<R>(read: AnalyticsRead<R>) {
  return paginateAnalyticsRows(read.client, read.endpoint, read.query, read.schema, read.stats, { onRefreshedAt: read.refreshed?.note });
}
