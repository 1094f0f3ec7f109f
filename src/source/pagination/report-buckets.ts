/**
 * Report buckets (cost_report, usage_report/messages): `page`/`next_page` cursors over pages whose
 * `data` holds time buckets. A page is read as a stream, so a bucket is parsed, validated and
 * handed out while the rest of the page is still arriving: memory holds one bucket (~1/31 of a
 * 25 MB page), not the page.
 */
import type { z } from 'zod';
import { parseResult } from '../fast-paths.js';
import { ResponseShapeError, shapeErrorWithId, withRequestId } from '../errors.js';
import { parseOrThrow, reportBucketShellSchema, reportEnvelopeSchema } from '../schemas.js';
import type { QueryParams, ReportBucket, RequestStats } from '../types.js';
import { MAX_CURSOR_RESTARTS, paginate, type CursorStrategy, type JsonStreamer, type PageEvent } from './cursor-loop.js';
import { isPageTooLarge, isTooManyGroups, lowerLimit, queryLimit, tooManyGroupsError } from './page-limit.js';

/** The reports' own default page size (daily buckets), used when a query names no limit. */
const DEFAULT_BUCKETS = 7;

/**
 * Buckets of a time-bucketed report, oldest first, one at a time. Each bucket is checked (shell,
 * then every result through parseResult) before it is handed out; a malformed bucket anywhere in a
 * page fails with a ResponseShapeError naming e.g. `data[17].results[203].amount`. The envelope (`data` array, `has_more`, `next_page`) is only
 * complete at the end of the body, so a body without `data`/`has_more` fails after the page, before
 * pagination moves on; callers write into an uncommitted window, so nothing of it is kept. Buckets
 * are recognised by their start, so none is handed out twice after a 410 restart or a body that
 * broke off mid-page and was requested again. A bucket that repeats or overlaps one already read
 * (not a re-read after a retry) fails the window: written, it would double that period's spend.
 * The pages one window may take are bounded (reportPageBound).
 */
export async function* paginateReportBuckets<R>(
  client: JsonStreamer,
  path: string,
  query: QueryParams,
  resultSchema: z.ZodType<R>,
  stats?: RequestStats,
): AsyncGenerator<ReportBucket<R>> {
  // Buckets per page: the query's, halved while the API refuses pages as too large (report_page_too_large).
  const asked = queryLimit(query.limit, DEFAULT_BUCKETS);
  let limit = asked;
  // The first day a page not yet read would hold: named when a day cannot be read at all.
  let nextDay = typeof query.starting_at === 'string' ? query.starting_at.slice(0, 10) : '(the first day)';
  // The answer the bucket being checked came in: an overlap names it, like any other malformed answer.
  let answer: string | undefined;
  const strategy: CursorStrategy<ReportBucket<R>> = {
    cursorField: 'next_page',
    maxRestarts: MAX_CURSOR_RESTARTS,
    // The bound follows the page size in force: halving it (report_page_too_large) doubles the pages needed.
    get maxPages() {
      return reportPageBound({ ...query, limit })?.pages;
    },
    get maxPagesReason() {
      return reportPageBound({ ...query, limit })?.reason;
    },
    keyOf: (b) => b.starting_at,
    async *readPage(page): AsyncGenerator<PageEvent<ReportBucket<R>>> {
      for (;;) {
        let index = 0;
        // The answer being read, named by a shape error in it (its checks do not see the headers).
        let requestId: string | undefined;
        try {
          for await (const ev of client.streamJson(path, limit === asked ? { ...query, page } : { ...query, limit, page }, stats)) {
            if (ev.type !== 'restart') requestId = answer = ev.requestId;
            if (ev.type === 'restart') {
              index = 0;
              yield ev;
            } else if (ev.type === 'item') {
              const bucket = checkBucket(ev.value, index++, resultSchema, path);
              nextDay = bucket.ending_at.slice(0, 10);
              yield { type: 'items', items: [bucket] };
            } else {
              const env = parseOrThrow(reportEnvelopeSchema, ev.envelope, path);
              // Elements the scanner left in the envelope (only for an unusual spelling of the key) come last.
              for (let i = 0; i < env.data.length; i++) yield { type: 'items', items: [checkBucket(env.data[i], index++, resultSchema, path)] };
              yield { type: 'end', hasMore: env.has_more, next: env.next_page, requestId };
            }
          }
          return;
        } catch (caught) {
          const err = shapeErrorWithId(caught, requestId);
          // An error status arrives before any item of its page, so asking again repeats nothing.
          if (index > 0) throw err;
          if (isTooManyGroups(err)) throw tooManyGroupsError(err, path, nextDay);
          if (!isPageTooLarge(err)) throw err;
          limit = lowerLimit(err, path, limit, 'bucket', nextDay);
        }
      }
    },
  };
  const spans = new BucketSpans(path, String(query.bucket_width ?? ''));
  for await (const batch of paginate(path, strategy)) {
    for (const b of batch) {
      withRequestId(answer, () => spans.add(b));
      yield b;
    }
  }
}

const WIDTH_MS: Record<string, number> = { '1d': 86_400_000, '1h': 3_600_000, '1m': 60_000 };
/** The API's page size per bucket width when the query sends no `limit` (admin-api.md). */
const DEFAULT_LIMIT: Record<string, number> = { '1d': 7, '1h': 24, '1m': 60 };

/**
 * The most pages a report query can need: its buckets (from starting_at, ending_at and the width)
 * at `limit` per page, doubled plus 2 as a margin for an API that sends short pages. Undefined when
 * the query does not say enough (the record-page default applies then).
 */
export function reportPageBound(query: QueryParams): { pages: number; reason: string } | undefined {
  const width = String(query.bucket_width ?? '1d');
  const widthMs = WIDTH_MS[width];
  const from = Date.parse(String(query.starting_at ?? ''));
  const to = Date.parse(String(query.ending_at ?? ''));
  if (!widthMs || Number.isNaN(from) || Number.isNaN(to) || to <= from) return undefined;
  const limit = Number(query.limit ?? DEFAULT_LIMIT[width]);
  if (!Number.isInteger(limit) || limit < 1) return undefined;
  const buckets = Math.ceil((to - from) / widthMs);
  const needed = Math.ceil(buckets / limit);
  return { pages: 2 * needed + 2, reason: `${buckets} buckets of ${width} at ${limit} per page need ${needed}; the margin allows twice that plus 2` };
}

/** The buckets read so far, so a repeated or overlapping one is caught before it is written. */
class BucketSpans {
  private readonly starts = new Set<number>();
  private readonly spans: [number, number, string][] = [];
  private maxEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly path: string,
    private readonly width: string,
  ) {}

  add(b: { starting_at: string; ending_at: string }): void {
    const start = Date.parse(b.starting_at);
    const end = Date.parse(b.ending_at);
    if (Number.isNaN(start) || Number.isNaN(end)) return; // The row shaping names unreadable times.
    if (this.starts.has(start)) throw this.fail(`bucket ${this.label(b.starting_at)} came twice`);
    // Buckets come oldest first: only one that starts before the latest end can overlap.
    if (start < this.maxEnd) {
      const other = this.spans.find(([s, e]) => start < e && s < end);
      if (other) throw this.fail(`bucket ${this.label(b.starting_at)} overlaps bucket ${this.label(other[2])}`);
    }
    this.starts.add(start);
    this.spans.push([start, end, b.starting_at]);
    this.maxEnd = Math.max(this.maxEnd, end);
  }

  /** A daily bucket by its day (2026-11-03); others by their start as sent. */
  private label(startingAt: string): string {
    return this.width === '1d' || this.width === '' ? startingAt.replace(/T00:00:00(\.0+)?Z$/, '') : startingAt;
  }

  private fail(detail: string): ResponseShapeError {
    return new ResponseShapeError(this.path, 'data[].starting_at', `${detail}; a window whose buckets repeat is not written, so no spend is counted twice`);
  }
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
