/**
 * Usage and Cost Analytics API pages (analytics/usage, analytics/cost): flat rows, `page=<next_page>`
 * while `has_more`. Cursors expire: a 410 restarts the query from page 1 (at most
 * MAX_CURSOR_RESTARTS times), and rows already handed out are recognised and dropped, so each row
 * comes out once. Rows are small and a page holds at most `limit` (≤1000) of them plus the cost
 * endpoint's fan-out, so a page is read whole.
 */
import type { z } from 'zod';
import { Hash53 } from '../../util/hash53.js';
import { parseResult } from '../fast-paths.js';
import { parseOrThrow, reportEnvelopeSchema } from '../schemas.js';
import type { QueryParams, RequestStats } from '../types.js';
import { MAX_CURSOR_RESTARTS, paginate, type JsonGetter } from './cursor-loop.js';

/** Rows per page unless the query says otherwise: the API's maximum (its default is 20). */
export const ANALYTICS_PAGE_LIMIT = 1000;

const rowHash = new Hash53();

/**
 * A row's identity, as a 53-bit hash: its time bucket and its group (which carries every dimension,
 * null unless grouped by it, and for cost rows also cost_type and token_type).
 */
export function analyticsRowKey(row: unknown): number {
  const r = row as { starting_at?: unknown; ending_at?: unknown; group?: unknown };
  return rowHash.reset().value(r.starting_at).value(r.ending_at).value(r.group).digest();
}

/** Rows of one analytics query, a page at a time, each row once even across cursor restarts. */
export function paginateAnalyticsRows<T>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  rowSchema: z.ZodType<T>,
  stats?: RequestStats,
  keyOf: (row: T) => string | number = analyticsRowKey,
): AsyncGenerator<T[]> {
  return paginate<T>(path, {
    cursorField: 'next_page',
    maxRestarts: MAX_CURSOR_RESTARTS,
    keyOf,
    async *readPage(page) {
      const body = parseOrThrow(reportEnvelopeSchema, await client.getJson(path, { limit: ANALYTICS_PAGE_LIMIT, ...query, page }, stats), path);
      yield { type: 'items', items: body.data.map((row, i) => parseResult(rowSchema, row, path, ['data', i])) };
      yield { type: 'end', hasMore: body.has_more, next: body.next_page };
    },
  });
}
