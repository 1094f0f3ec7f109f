/**
 * Async generators over the Admin API's two pagination styles: opaque `page` cursors (reports,
 * Claude Code) and `after_id` lists. Each yields one page at a time so callers can stream into the
 * warehouse; a broken cursor chain is an error, never a silently short result.
 */
import type { z } from 'zod';
import { ENDPOINTS } from './endpoints.js';
import { CursorExpiredError, ResponseShapeError } from './errors.js';
import { claudeCodePageSchema, listPageSchema, parseOrThrow, reportPageSchema, type ClaudeCodeRecord } from './schemas.js';
import type { QueryParams, ReportBucket, RequestStats } from './types.js';

/** What the paginators need from AdminApiClient (narrow, so tests can pass a stub). */
export interface JsonGetter {
  getJson(path: string, query: QueryParams, stats?: RequestStats): Promise<unknown>;
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

/** Pages of a time-bucketed report (cost_report, usage_report/messages), oldest bucket first. */
export function paginateReport<R>(
  client: JsonGetter,
  path: string,
  query: QueryParams,
  resultSchema: z.ZodType<R>,
  stats?: RequestStats,
): AsyncGenerator<ReportBucket<R>[]> {
  const schema = reportPageSchema(resultSchema);
  return followCursor<ReportBucket<R>>(
    path,
    async (page) => {
      const body = parseOrThrow(schema, await client.getJson(path, { ...query, page }, stats), path);
      return { items: body.data as ReportBucket<R>[], hasMore: body.has_more, next: body.next_page };
    },
    (bucket) => bucket.starting_at,
  );
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
