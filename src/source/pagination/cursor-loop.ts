/**
 * The one pagination loop, shared by every pagination style (as dlt's paginators share theirs). A
 * CursorStrategy knows how to read one page of its style and where that page says the next one is;
 * the loop follows the cursors, restarts after an expired cursor (410), drops items it already
 * handed out when pages are read again, and stops a cursor that does not advance. A broken cursor
 * chain is an error, never a silently short result.
 */
import { hash53, Hash53Set } from '../../util/hash53.js';
import { CursorExpiredError, ResponseShapeError, withRequestId } from '../errors.js';
import type { JsonStreamEvent } from '../http-client.js';
import type { QueryParams, RequestStats } from '../types.js';

/** What the paginators need from AdminApiClient (narrow, so tests can pass a stub). */
export interface JsonGetter {
  getJson(path: string, query: QueryParams, stats?: RequestStats): Promise<unknown>;
}

/** A client that can also stream a `{data:[…]}` body element by element (AdminApiClient.streamJson). */
export interface JsonStreamer extends JsonGetter {
  streamJson(path: string, query: QueryParams, stats?: RequestStats): AsyncIterable<JsonStreamEvent>;
}

/** 410 restarts per query before giving up: a cursor that keeps expiring will not stop doing so. */
export const MAX_CURSOR_RESTARTS = 2;

/** One page as the loop sees it: items (in one or more batches), then where the next page is. */
export type PageEvent<T> =
  | { type: 'items'; items: T[] }
  /** The same page is being read again from its first item (a body broke off and was retried). */
  | { type: 'restart' }
  /** requestId: the answer that said where the next page is, named if its cursor is broken. */
  | { type: 'end'; hasMore: boolean; next: string | null; requestId?: string };

export interface CursorStrategy<T> {
  /** The response field that carries the cursor, named when the chain breaks. */
  readonly cursorField: 'next_page' | 'last_id';
  /** The page at `cursor` (undefined: the first page). */
  readPage(cursor: string | undefined): AsyncIterable<PageEvent<T>>;
  /** 410 restarts from the first page allowed (0: an expired cursor fails the read). */
  readonly maxRestarts: number;
  /**
   * An item's identity, so items already handed out are dropped when pages are read again: a text,
   * or a number that is already a 53-bit hash of it (util/hash53.ts Hash53, for keys hashed field by field).
   */
  keyOf?(item: T): string | number;
  /**
   * Where the loop remembers the keys it handed out (default: a set of its own). A strategy that
   * numbers its items by the same keys passes its set, so a query's keys are held once.
   */
  readonly handedOut?: Hash53Set;
  /**
   * The most pages one chain may take (a 410 restart starts the count again); past it the read
   * fails as "the API kept paging". Default MAX_RECORD_PAGES; report buckets derive theirs from
   * the window (report-buckets.ts).
   */
  readonly maxPages?: number;
  /** Why `maxPages` is what it is, for the error line. */
  readonly maxPagesReason?: string;
}

/**
 * Pages per chain for endpoints paged by records (Claude Code, analytics rows, org lists), whose
 * data has no bound we can compute from the window: 10,000 pages of up to 1,000 records is 10
 * million records for one window, far past any organization; a cursor that keeps coming past it
 * is a loop, not data.
 */
export const MAX_RECORD_PAGES = 10_000;

function shortCursor(c: string): string {
  return c.length > 40 ? `${c.slice(0, 40)}…` : c;
}

/** Items in batches, page after page, each item once even across restarts. */
export async function* paginate<T>(path: string, strategy: CursorStrategy<T>): AsyncGenerator<T[]> {
  const key = strategy.keyOf?.bind(strategy);
  // Items handed out, remembered by a 53-bit hash of their key in a flat set: a 31-day Analytics API
  // query of a large organization is ~300,000 rows, and their key strings alone took hundreds of MB.
  const keyOf = key
    ? (item: T) => {
        const k = key(item);
        return typeof k === 'number' ? k : hash53(k);
      }
    : undefined;
  const yielded = strategy.handedOut ?? new Hash53Set();
  let dedupe = false;
  let restarts = 0;
  let cursor: string | undefined;
  let seen = new Set<string>();
  let pages = 0;
  let lastAnswer: string | undefined;
  for (;;) {
    // Read at every page: a strategy that lowers its page size (report_page_too_large) may need more.
    const maxPages = strategy.maxPages ?? MAX_RECORD_PAGES;
    if (++pages > maxPages) {
      throw new ResponseShapeError(
        path,
        strategy.cursorField,
        `the API kept paging: has_more was still true after ${maxPages.toLocaleString('en-US')} pages, the most this window can need (${strategy.maxPagesReason ?? `at most ${MAX_RECORD_PAGES.toLocaleString('en-US')} pages per window`})`,
        lastAnswer,
      );
    }
    let end: Extract<PageEvent<T>, { type: 'end' }> | undefined;
    try {
      for await (const ev of strategy.readPage(cursor)) {
        if (ev.type === 'items') {
          let fresh = ev.items;
          if (keyOf && dedupe) {
            fresh = [];
            for (const i of ev.items) {
              const k = keyOf(i);
              if (!yielded.has(k)) {
                yielded.add(k);
                fresh.push(i);
              }
            }
          } else if (keyOf) {
            for (const i of ev.items) yielded.add(keyOf(i));
          }
          // After a restart, a batch that only repeated known items is not handed out.
          if (!dedupe || fresh.length > 0) yield fresh;
        } else if (ev.type === 'restart') {
          // A strategy that streams must say how to recognise items it already handed out.
          if (!keyOf) throw new Error(`${path}: a page was read again, but its strategy has no keyOf to drop repeats by`);
          dedupe = true;
        } else {
          end = ev;
        }
      }
    } catch (err) {
      if (!(err instanceof CursorExpiredError) || restarts >= strategy.maxRestarts || !keyOf) throw err;
      restarts++;
      dedupe = true;
      cursor = undefined;
      seen = new Set();
      pages = 0;
      continue;
    }
    if (!end) throw new ResponseShapeError(path, '(body)', 'the response ended without a page envelope');
    if (!end.hasMore) return;
    const { next } = end;
    lastAnswer = end.requestId;
    cursor = withRequestId(end.requestId, () => advance(path, strategy.cursorField, next, seen));
  }
}

/** The one "did the cursor advance" check: a next cursor must exist and must not come back. */
function advance(path: string, field: CursorStrategy<unknown>['cursorField'], next: string | null, seen: Set<string>): string {
  if (!next) throw new ResponseShapeError(path, field, `has_more is true but ${field} is empty`);
  if (seen.has(next)) {
    const what = field === 'next_page' ? 'cursor' : field;
    throw new ResponseShapeError(path, field, `${what} "${shortCursor(next)}" came back a second time (pagination loop)`);
  }
  seen.add(next);
  return next;
}
