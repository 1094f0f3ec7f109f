/**
 * Usage and Cost Analytics API pages (analytics/usage, analytics/cost): flat rows, `page=<next_page>`
 * while `has_more`. Cursors expire: a 410 restarts the query from page 1 (at most
 * MAX_CURSOR_RESTARTS times), and rows already handed out are recognised and dropped, so each row
 * comes out once. Rows are small and a page holds at most `limit` (≤1000) of them plus the cost
 * endpoint's fan-out, so a page is read whole.
 *
 * Rows are not unique by bucket and group: the API renders identities it cannot show (null actors)
 * "each as its own row", so one bucket can hold several rows with identical groups, each a distinct
 * fact. Every row therefore comes with its ordinal: 0 for the first row of its bucket and group in
 * the answer, 1, 2, … for the next identical ones. The restart dedupe keys on (bucket, group,
 * ordinal), so it counts occurrences instead of testing membership: the third identical row of a
 * bucket is dropped after a restart only if three were handed out before it.
 */
import type { z } from 'zod';
import { Hash53, Hash53Set } from '../../util/hash53.js';
import { withRequestId } from '../errors.js';
import { parseResult } from '../fast-paths.js';
import { requestIdOf } from '../http-client.js';
import { parseOrThrow, reportEnvelopeSchema } from '../schemas.js';
import type { QueryParams, RequestStats } from '../types.js';
import { MAX_CURSOR_RESTARTS, paginate, type JsonGetter } from './cursor-loop.js';
import { isPageTooLarge, isTooManyGroups, lowerLimit, queryLimit, tooManyGroupsError } from './page-limit.js';

/** Rows per page unless the query says otherwise: the API's maximum (its default is 20). */
export const ANALYTICS_PAGE_LIMIT = 1000;

const rowHash = new Hash53();

/**
 * A row's bucket and group, as a 53-bit hash (the group carries every dimension, null unless grouped
 * by it, and for cost rows also cost_type and token_type).
 */
export function analyticsRowKey(row: unknown): number {
  const r = row as { starting_at?: unknown; ending_at?: unknown; group?: unknown };
  return rowHash.reset().value(r.starting_at).value(r.ending_at).value(r.group).digest();
}

/** The identity of the `ordinal`-th row with bucket and group hash `key`. */
function occurrenceKey(key: number, ordinal: number): number {
  return ordinal === 0 ? key : rowHash.reset().value(key).value(ordinal).digest();
}

/** A row and its ordinal among the rows of the same bucket and group. */
export interface AnalyticsRowOccurrence<T> {
  row: T;
  ordinal: number;
  /** Hash of (bucket, group, ordinal): the restart dedupe's key. */
  key: number;
}

export interface AnalyticsPageOptions {
  /** Called with each page's `data_refreshed_at` (when it sends one). */
  onRefreshedAt?(value: string): void;
}

/** Rows of one analytics query, a page at a time, each row once even across cursor restarts. */
export function paginateAnalyticsRows<T>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  rowSchema: z.ZodType<T>,
  stats?: RequestStats,
  options: AnalyticsPageOptions = {},
): AsyncGenerator<Array<AnalyticsRowOccurrence<T>>> {
  let limit = queryLimit(query.limit, ANALYTICS_PAGE_LIMIT);
  // Occurrences counted in the current pass over the query (a 410 restart begins a new pass).
  let seen = new Hash53Set();
  let lastDay = typeof query.starting_at === 'string' ? query.starting_at.slice(0, 10) : '(the first day)';
  return paginate<AnalyticsRowOccurrence<T>>(path, {
    cursorField: 'next_page',
    maxRestarts: MAX_CURSOR_RESTARTS,
    keyOf: (o) => o.key,
    async *readPage(page) {
      if (page === undefined) seen = new Hash53Set();
      let raw: unknown;
      for (;;) {
        try {
          raw = await client.getJson(path, { ...query, limit, page }, stats);
          break;
        } catch (err) {
          if (isTooManyGroups(err)) throw tooManyGroupsError(err, path, lastDay);
          if (!isPageTooLarge(err)) throw err;
          limit = lowerLimit(err, path, limit, 'row', lastDay);
        }
      }
      const requestId = requestIdOf(raw);
      const body = withRequestId(requestId, () => parseOrThrow(reportEnvelopeSchema, raw, path));
      const refreshed = (body as { data_refreshed_at?: unknown }).data_refreshed_at;
      if (typeof refreshed === 'string') options.onRefreshedAt?.(refreshed);
      const rows = withRequestId(requestId, () => body.data.map((item, i) => parseResult(rowSchema, item, path, ['data', i])));
      const items = rows.map((row): AnalyticsRowOccurrence<T> => {
        const base = analyticsRowKey(row);
        let ordinal = 0;
        let key = base;
        while (seen.has(key)) key = occurrenceKey(base, ++ordinal);
        seen.add(key);
        return { row, ordinal, key };
      });
      const last = items[items.length - 1]?.row as { starting_at?: unknown } | undefined;
      if (typeof last?.starting_at === 'string') lastDay = last.starting_at.slice(0, 10);
      yield { type: 'items', items };
      yield { type: 'end', hasMore: body.has_more, next: body.next_page, requestId };
    },
  });
}
