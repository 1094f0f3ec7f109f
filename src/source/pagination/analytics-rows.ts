/**
 * Usage and Cost Analytics API pages (analytics/usage, analytics/cost): flat rows, `page=<next_page>`
 * while `has_more`. Cursors expire: a 410 restarts the query from page 1 (at most
 * MAX_CURSOR_RESTARTS times), and rows already handed out are recognised and dropped, so each row
 * comes out once. A page holds at most `limit` (≤1000) rows plus the cost endpoint's fan-out (~4,000
 * rows, ~3 MB of JSON); it is read as a stream, a row at a time, never whole.
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
import { shapeErrorWithId } from '../errors.js';
import { parseResult } from '../fast-paths.js';
import { parseOrThrow, reportEnvelopeSchema } from '../schemas.js';
import type { QueryParams, RequestStats } from '../types.js';
import { MAX_CURSOR_RESTARTS, paginate, type JsonStreamer, type PageEvent } from './cursor-loop.js';
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

/** What the Analytics API paginator needs from the client: streamed pages (AdminApiClient.streamJson). */
export type AnalyticsClient = Pick<JsonStreamer, 'streamJson'>;

export interface AnalyticsPageOptions {
  /** Called with each page's `data_refreshed_at` (when it sends one). */
  onRefreshedAt?(value: string): void;
}

/**
 * Rows handed on at a time while a page streams in: a page of the 31-day cost-by-key query is ~4,000
 * rows (2.86 MB of JSON); parsed whole, its text and object tree were alive together, two windows at
 * once (docs/performance.md, Round 15). A batch of this many is one window writer append.
 */
export const ANALYTICS_STREAM_BATCH = 500;

/**
 * Rows of one analytics query, a batch at a time, each row once even across cursor restarts. A page
 * is read as a stream (AdminApiClient.streamJson): each row is parsed and checked (parseResult, with
 * its path `data[i]…`) while the rest of the page is still arriving. The envelope (`has_more`,
 * `next_page`, `data_refreshed_at`) is only complete at the end of the body, so a page without them
 * fails after its rows were handed out; callers write into an uncommitted window, so nothing of it
 * is kept.
 */
export function paginateAnalyticsRows<T>(
  client: AnalyticsClient,
  path: string,
  query: QueryParams,
  rowSchema: z.ZodType<T>,
  stats?: RequestStats,
  options: AnalyticsPageOptions = {},
): AsyncGenerator<Array<AnalyticsRowOccurrence<T>>> {
  let limit = queryLimit(query.limit, ANALYTICS_PAGE_LIMIT);
  // Every key handed out, in every pass over the query: the pagination loop's memory of them (it
  // drops repeats after a restart), and in the first pass also the occurrences that number the next
  // rows. One set, not two: a 31-day query by key is ~200,000 rows, 4 MB a set (Round 15).
  const handed = new Hash53Set();
  // After a 410 restart, the occurrences of the new pass (a restart begins numbering again).
  let pass: Hash53Set | null = null;
  let started = false;
  let lastDay = typeof query.starting_at === 'string' ? query.starting_at.slice(0, 10) : '(the first day)';
  return paginate<AnalyticsRowOccurrence<T>>(path, {
    cursorField: 'next_page',
    maxRestarts: MAX_CURSOR_RESTARTS,
    keyOf: (o) => o.key,
    handedOut: handed,
    async *readPage(page): AsyncGenerator<PageEvent<AnalyticsRowOccurrence<T>>> {
      if (page === undefined) {
        if (started) pass = new Hash53Set();
        started = true;
      }
      for (;;) {
        // This page's occurrences. A body read again from its first row (a retried body: `restart`)
        // numbers its rows again from the same start: the keys of its earlier readings, already in
        // `handed`, do not count as earlier rows.
        let onPage = new Hash53Set();
        let pageKeys: number[] = [];
        let readBefore: Hash53Set | null = null;
        const earlier = (key: number): boolean => (pass ? pass.has(key) : handed.has(key) && !(readBefore?.has(key) ?? false));
        let index = 0;
        let batch: Array<AnalyticsRowOccurrence<T>> = [];
        let requestId: string | undefined;
        const take = (value: unknown): void => {
          const at = index++;
          const row = parseResult(rowSchema, value, path, ['data', at]);
          const base = analyticsRowKey(row);
          let ordinal = 0;
          let key = base;
          while (earlier(key) || onPage.has(key)) key = occurrenceKey(base, ++ordinal);
          onPage.add(key);
          pageKeys.push(key);
          batch.push({ row, ordinal, key });
          const startingAt = (row as { starting_at?: unknown }).starting_at;
          if (typeof startingAt === 'string') lastDay = startingAt.slice(0, 10);
        };
        try {
          for await (const ev of client.streamJson(path, { ...query, limit, page }, stats)) {
            if (ev.type === 'restart') {
              index = 0;
              batch = [];
              readBefore ??= new Hash53Set();
              for (const key of pageKeys) readBefore.add(key);
              onPage = new Hash53Set();
              pageKeys = [];
              yield ev;
              continue;
            }
            requestId = ev.requestId;
            if (ev.type === 'item') {
              take(ev.value);
              if (batch.length >= ANALYTICS_STREAM_BATCH) {
                yield { type: 'items', items: batch };
                batch = [];
              }
              continue;
            }
            const body = parseOrThrow(reportEnvelopeSchema, ev.envelope, path);
            // Rows the scanner left in the envelope (only for an unusual spelling of the key) come last.
            for (const item of body.data) take(item);
            if (batch.length > 0) yield { type: 'items', items: batch };
            batch = [];
            // In the first pass the loop put them in `handed` as it handed them out.
            if (pass) for (const key of pageKeys) pass.add(key);
            const refreshed = (body as { data_refreshed_at?: unknown }).data_refreshed_at;
            if (typeof refreshed === 'string') options.onRefreshedAt?.(refreshed);
            yield { type: 'end', hasMore: body.has_more, next: body.next_page, requestId };
          }
          return;
        } catch (caught) {
          // A shape error names the answer it was found in (its checks do not see the headers).
          const err = shapeErrorWithId(caught, requestId);
          // An error status arrives before any row of its page, so asking again repeats nothing.
          if (index > 0) throw err;
          if (isTooManyGroups(err)) throw tooManyGroupsError(err, path, lastDay);
          if (!isPageTooLarge(err)) throw err;
          limit = lowerLimit(err, path, limit, 'row', lastDay);
        }
      }
    },
  });
}
