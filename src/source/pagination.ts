/**
 * Async generators over the Admin API's two pagination styles: opaque `page` cursors (reports,
 * Claude Code) and `after_id` lists. Each yields one page at a time so callers can stream into the
 * warehouse; a broken cursor chain is an error, never a silently short result.
 */
import type { z } from 'zod';
import { ENDPOINTS } from './endpoints.js';
import { CursorExpiredError, ResponseShapeError } from './errors.js';
import type { JsonStreamEvent } from './http-client.js';
import {
  claudeCodePageSchema,
  listPageSchema,
  parseOrThrow,
  parseResult,
  reportBucketShellSchema,
  reportEnvelopeSchema,
  type ClaudeCodeRecord,
} from './schemas.js';
import type { QueryParams, ReportBucket, RequestStats } from './types.js';

/** What the paginators need from AdminApiClient (narrow, so tests can pass a stub). */
export interface JsonGetter {
  getJson(path: string, query: QueryParams, stats?: RequestStats): Promise<unknown>;
  /**
   * Optional streaming read of a `{data:[…]}` body (AdminApiClient has it). Without it the report
   * paginator reads whole pages through getJson, still validating bucket by bucket.
   */
  streamJson?(path: string, query: QueryParams, stats?: RequestStats): AsyncIterable<JsonStreamEvent>;
}

/** 410 restarts per window before giving up: a cursor that keeps expiring will not stop doing so. */
export const MAX_CURSOR_RESTARTS = 2;

interface CursorPage<T> {
  items: T[];
  hasMore: boolean;
  next: string | null;
}

function shortCursor(c: string): string {
  return c.length > 40 ? `${c.slice(0, 40)}…` : c;
}

/**
 * Follows `page` cursors. After a 410 it starts again from page 1 and drops items it already yielded
 * (identified by `keyOf`), so the consumer sees each bucket/record once even across a restart.
 */
async function* followCursor<T>(
  endpoint: string,
  fetchPage: (page: string | undefined) => Promise<CursorPage<T>>,
  keyOf: (item: T) => string,
): AsyncGenerator<T[]> {
  const yielded = new Set<string>();
  let restarts = 0;
  let page: string | undefined;
  let seen = new Set<string>();
  for (;;) {
    let p: CursorPage<T>;
    try {
      p = await fetchPage(page);
    } catch (err) {
      if (!(err instanceof CursorExpiredError) || restarts >= MAX_CURSOR_RESTARTS) throw err;
      restarts++;
      page = undefined;
      seen = new Set();
      continue;
    }
    const fresh = restarts > 0 ? p.items.filter((i) => !yielded.has(keyOf(i))) : p.items;
    for (const i of fresh) yielded.add(keyOf(i));
    if (restarts === 0 || fresh.length > 0) yield fresh;
    if (!p.hasMore) return;
    if (!p.next) throw new ResponseShapeError(endpoint, 'next_page', 'has_more is true but next_page is empty');
    if (seen.has(p.next)) {
      throw new ResponseShapeError(endpoint, 'next_page', `cursor "${shortCursor(p.next)}" came back a second time (pagination loop)`);
    }
    seen.add(p.next);
    page = p.next;
  }
}

/** Marks the end of a page in the report event stream (paginateReport groups buckets by it). */
const PAGE_END = Symbol('page end');

/**
 * Buckets of a time-bucketed report (cost_report, usage_report/messages), oldest first, one at a
 * time. With a streaming client a bucket is parsed, validated and handed out while the rest of the
 * page is still arriving, so memory holds one bucket (~1/31 of a 25 MB page), not the page.
 *
 * Each bucket is checked (shell, then every result through parseResult) before it is handed out; a
 * malformed bucket anywhere in a page fails with a ResponseShapeError naming e.g.
 * `data[17].results[203].amount`. The envelope (`data` array, `has_more`, `next_page`) is only
 * complete at the end of the body, so a body without `data`/`has_more` fails after the page, before
 * pagination moves on; callers write into an uncommitted window, so nothing of it is kept.
 *
 * Buckets already handed out are dropped when they come again: after a 410 restart from page 1 (as
 * before) and after a body that broke off mid-page and was requested again.
 */
export function paginateReportBuckets<R>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  resultSchema: z.ZodType<R>,
  stats?: RequestStats,
): AsyncGenerator<ReportBucket<R>> {
  return onlyBuckets(reportEvents(client, path, query, resultSchema, stats));
}

/** Pages of a time-bucketed report as arrays of buckets (holds a page; the streams use paginateReportBuckets). */
export async function* paginateReport<R>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  resultSchema: z.ZodType<R>,
  stats?: RequestStats,
): AsyncGenerator<ReportBucket<R>[]> {
  let page: ReportBucket<R>[] = [];
  let restarted = false;
  for await (const ev of reportEvents(client, path, query, resultSchema, stats)) {
    if (ev === PAGE_END) {
      // As before: after a restart, a page that only repeated known buckets is not yielded.
      if (!restarted || page.length > 0) yield page;
      page = [];
    } else if (ev === RESTARTED) {
      restarted = true;
    } else {
      page.push(ev);
    }
  }
}

const RESTARTED = Symbol('restarted');

async function* onlyBuckets<R>(events: AsyncGenerator<ReportBucket<R> | typeof PAGE_END | typeof RESTARTED>): AsyncGenerator<ReportBucket<R>> {
  for await (const ev of events) if (ev !== PAGE_END && ev !== RESTARTED) yield ev;
}

async function* reportEvents<R>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  resultSchema: z.ZodType<R>,
  stats?: RequestStats,
): AsyncGenerator<ReportBucket<R> | typeof PAGE_END | typeof RESTARTED> {
  const yielded = new Set<string>();
  let dedupe = false;
  let restarts = 0;
  let page: string | undefined;
  let seen = new Set<string>();
  for (;;) {
    let envelope: { has_more: boolean; next_page: string | null } | undefined;
    try {
      let index = 0;
      for await (const ev of pageEvents(client, path, { ...query, page }, stats)) {
        if (ev.type === 'restart') {
          // The same page again after a broken-off body: its first buckets are already out.
          dedupe = true;
          index = 0;
          yield RESTARTED;
        } else if (ev.type === 'item') {
          const bucket = checkBucket(ev.value, index++, resultSchema, path);
          if (dedupe && yielded.has(bucket.starting_at)) continue;
          yielded.add(bucket.starting_at);
          yield bucket;
        } else {
          envelope = ev.envelope;
        }
      }
    } catch (err) {
      if (!(err instanceof CursorExpiredError) || restarts >= MAX_CURSOR_RESTARTS) throw err;
      restarts++;
      dedupe = true;
      yield RESTARTED;
      page = undefined;
      seen = new Set();
      continue;
    }
    yield PAGE_END;
    if (!envelope) throw new ResponseShapeError(path, '(body)', 'the response ended without a page envelope');
    if (!envelope.has_more) return;
    const next = envelope.next_page;
    if (!next) throw new ResponseShapeError(path, 'next_page', 'has_more is true but next_page is empty');
    if (seen.has(next)) {
      throw new ResponseShapeError(path, 'next_page', `cursor "${shortCursor(next)}" came back a second time (pagination loop)`);
    }
    seen.add(next);
    page = next;
  }
}

type PageEvent = { type: 'item'; value: unknown } | { type: 'restart' } | { type: 'end'; envelope: { has_more: boolean; next_page: string | null } };

/**
 * One page as events: `data` elements in order, then the checked envelope. Streams when the client
 * can; otherwise takes the body from getJson apart the same way (test stubs, other clients).
 */
async function* pageEvents(client: JsonGetter, path: string, query: QueryParams, stats?: RequestStats): AsyncGenerator<PageEvent> {
  if (client.streamJson) {
    for await (const ev of client.streamJson(path, query, stats)) {
      if (ev.type !== 'end') {
        yield ev;
      } else {
        const env = parseOrThrow(reportEnvelopeSchema, ev.envelope, path);
        // Elements the scanner left in the envelope (only for an unusual spelling of the key) come last.
        for (let i = 0; i < env.data.length; i++) yield { type: 'item', value: env.data[i] };
        yield { type: 'end', envelope: { has_more: env.has_more, next_page: env.next_page } };
      }
    }
    return;
  }
  const body = parseOrThrow(reportEnvelopeSchema, await client.getJson(path, query, stats), path);
  const data = body.data;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    // Drop the page's reference as we go, so handled buckets can be collected before the page ends.
    data[i] = undefined;
    yield { type: 'item', value };
  }
  yield { type: 'end', envelope: { has_more: body.has_more, next_page: body.next_page } };
}

/** Validates one bucket in place (results replaced by their checked form) and returns it. */
function checkBucket<R>(value: unknown, index: number, resultSchema: z.ZodType<R>, path: string): ReportBucket<R> {
  const b = value as { starting_at?: unknown; ending_at?: unknown; results?: unknown };
  const plain =
    typeof value === 'object' && value !== null && typeof b.starting_at === 'string' && typeof b.ending_at === 'string' && Array.isArray(b.results);
  // zod only to name what is wrong: it would copy the results array for nothing otherwise.
  if (!plain) parseOrThrow(reportBucketShellSchema, value, path, ['data', index]);
  const raw = b.results as unknown[];
  const results: R[] = new Array<R>(raw.length);
  for (let j = 0; j < raw.length; j++) results[j] = parseResult(resultSchema, raw[j], path, ['data', index, 'results', j]);
  return { starting_at: b.starting_at as string, ending_at: b.ending_at as string, results };
}

/** Claude Code records of one UTC day (`day` is YYYY-MM-DD). */
export function paginateClaudeCode(
  client: JsonGetter,
  day: string,
  stats?: RequestStats,
  limit = 1000,
): AsyncGenerator<ClaudeCodeRecord[]> {
  const path = ENDPOINTS.claudeCode;
  return followCursor<ClaudeCodeRecord>(
    path,
    async (page) => {
      const body = parseOrThrow(claudeCodePageSchema, await client.getJson(path, { starting_at: day, limit, page }, stats), path);
      return { items: body.data, hasMore: body.has_more, next: body.next_page };
    },
    // The warehouse's natural key for a record: one per actor per day, remote and local apart.
    (r) => JSON.stringify([r.date, r.actor.type, r.actor.email_address ?? r.actor.api_key_name, r.is_remote]),
  );
}

/** Organisation lists (api_keys, workspaces, users): `after_id=<last_id>` until has_more is false. */
export async function* paginateList<T>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  itemSchema: z.ZodType<T>,
  stats?: RequestStats,
): AsyncGenerator<T[]> {
  const schema = listPageSchema(itemSchema);
  const seen = new Set<string>();
  let afterId: string | undefined;
  for (;;) {
    const body = parseOrThrow(schema, await client.getJson(path, { ...query, limit: 1000, after_id: afterId }, stats), path);
    yield body.data as T[];
    // last_id is set on the final page too, so only has_more decides.
    if (!body.has_more) return;
    if (!body.last_id) throw new ResponseShapeError(path, 'last_id', 'has_more is true but last_id is empty');
    if (seen.has(body.last_id)) {
      throw new ResponseShapeError(path, 'last_id', `last_id "${shortCursor(body.last_id)}" came back a second time (pagination loop)`);
    }
    seen.add(body.last_id);
    afterId = body.last_id;
  }
}
