/**
 * The documented `error.details.error_code`s and their remedies, against a loopback server:
 * request_id read from the body, report_page_too_large halving the page limit (report buckets and
 * analytics rows) down to one and then a clear failure naming the day, too_many_report_groups one
 * line naming the day and the endpoint the message names (not fatal), and analytics rows with
 * identical groups kept as distinct facts with their ordinals, across a 410 restart too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AdminApiClient, ApiError, newRequestStats, paginateAnalyticsRows, paginateReportBuckets } from '../../src/source/index.js';
import { TEST_KEY, json, raw, scriptedServer, type Handler, type ScriptedServer } from './helpers.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (url: string) => new AdminApiClient({ baseUrl: url, apiKey: TEST_KEY, retryBaseMs: 5, retryMaxDelayMs: 20 });

/** The documented error body: details.error_code and request_id, in the body and (unless `headerless`) the request-id header. */
function coded(status: number, code: string, message: string, requestId = 'req_body_1', headerless = false): Handler {
  const body = JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message, details: { error_code: code } }, request_id: requestId });
  return raw(status, body, { 'content-type': 'application/json', ...(headerless ? {} : { 'request-id': requestId }) });
}

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const START = Date.parse('2026-02-01T00:00:00Z');

/** A cost report of `days` daily buckets paged by `limit` (cursor = bucket index); pages of more than `maxBuckets` are refused as too large. */
function bucketServer(days: number, maxBuckets: number, tooManyGroupsAt = -1): Handler {
  return (req, res, seen) => {
    const limit = Number(seen.url.searchParams.get('limit') ?? '7');
    const from = Number(seen.url.searchParams.get('page') ?? '0');
    if (from === tooManyGroupsAt) {
      return coded(400, 'too_many_report_groups', 'This report has usage in more groups than it can return for a day; use /v1/organizations/analytics/cost instead.')(req, res, seen);
    }
    if (limit > maxBuckets) return coded(400, 'report_page_too_large', 'Send a lower `limit` and page through the rest.', `req_big_${from}_${limit}`)(req, res, seen);
    const to = Math.min(days, from + limit);
    const data = [];
    for (let i = from; i < to; i++) data.push({ starting_at: iso(START + i * DAY_MS), ending_at: iso(START + (i + 1) * DAY_MS), results: [{ amount: String(i + 1), currency: 'USD' }] });
    json(200, { data, has_more: to < days, next_page: to < days ? String(to) : null })(req, res, seen);
  };
}

const result = z.looseObject({ amount: z.string() });

async function buckets(url: string, query: Record<string, string | number>) {
  const out: string[] = [];
  for await (const b of paginateReportBuckets(client(url), '/v1/organizations/cost_report', { starting_at: '2026-02-01T00:00:00Z', ...query }, result, newRequestStats())) out.push(b.starting_at);
  return out;
}

describe('error bodies', () => {
  it('read error_code and, without a request-id header, the body\'s request_id into the error line', async () => {
    server = await scriptedServer([coded(400, 'some_new_code', 'Something the API names.', 'req_from_body', true)]);
    const err = (await client(server.url).getJson('/x').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.errorCode).toBe('some_new_code');
    expect(err.requestId).toBe('req_from_body');
    expect(err.message).toContain('[request-id req_from_body]');
    expect(err.message).toContain('400 invalid_request_error some_new_code: Something the API names.');
    // An unknown code on a 400 is still the run's configuration: fatal, as before.
    expect(err.fatal).toBe(true);
  });
});

describe('report_page_too_large', () => {
  it('halves the bucket limit until the API answers, keeps it for the rest of the query, and hands out every bucket once', async () => {
    server = await scriptedServer(bucketServer(31, 4));
    const got = await buckets(server.url, { limit: 31 });
    expect(got).toEqual(Array.from({ length: 31 }, (_, i) => iso(START + i * DAY_MS)));
    const limits = server.requests.map((r) => `${r.url.searchParams.get('page') ?? 0}:${r.url.searchParams.get('limit') ?? '-'}`);
    // 31 refused, 15 refused, 7 refused, 3 answered; then every page asks 3 at once.
    expect(limits.slice(0, 5)).toEqual(['0:31', '0:15', '0:7', '0:3', '3:3']);
    expect(server.requests).toHaveLength(3 + Math.ceil(31 / 3));
  });

  it('fails clearly, naming the day and the request id, when even one bucket is too large; only the window fails', async () => {
    server = await scriptedServer(bucketServer(3, 0));
    const err = (await buckets(server.url, { limit: 4 }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toMatch(/refused \/v1\/organizations\/cost_report for 2026-02-01 as too large even one bucket per page \(400 report_page_too_large\) \[request-id req_big_0_1\]/);
    expect(err.fatal).toBe(false);
    expect(server.requests.map((r) => r.url.searchParams.get('limit'))).toEqual(['4', '2', '1']);
  });
});

describe('too_many_report_groups', () => {
  it('is one line naming the day and the endpoint the message names; not fatal, so the run goes on', async () => {
    server = await scriptedServer(bucketServer(10, 31, 7));
    const err = (await buckets(server.url, { limit: 7 }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.fatal).toBe(false);
    expect(err.errorCode).toBe('too_many_report_groups');
    expect(err.message).toBe(
      'The Admin API cannot report 2026-02-08 from /v1/organizations/cost_report: that day has usage in more groups than one report can return (400 too_many_report_groups) [request-id req_body_1]: the window is left failed and the run goes on; the API says to read it from /v1/organizations/analytics/cost',
    );
  });
});

const ANALYTICS = '/v1/organizations/analytics/usage';
const rowSchema = z.looseObject({ starting_at: z.string(), ending_at: z.string(), group: z.looseObject({ actor: z.unknown() }), usage: z.looseObject({ output_tokens: z.number() }) });
/** Usage rows with a null actor: identical groups, different measures (distinct identities the key cannot see). */
const hidden = (day: string, out: number) => ({ starting_at: `${day}T00:00:00Z`, ending_at: `${day}T23:59:59Z`, group: { actor: null, model: 'claude-opus-4' }, usage: { output_tokens: out } });

async function analytics(url: string, query: Record<string, string | number> = {}) {
  const out: Array<{ out: number; ordinal: number }> = [];
  for await (const page of paginateAnalyticsRows(client(url), ANALYTICS, { starting_at: '2026-02-01T00:00:00Z', ...query }, rowSchema, newRequestStats())) {
    for (const o of page) out.push({ out: o.row.usage.output_tokens, ordinal: o.ordinal });
  }
  return out;
}

describe('analytics rows with identical groups', () => {
  const rows = [hidden('2026-02-01', 1), hidden('2026-02-01', 2), hidden('2026-02-01', 3), hidden('2026-02-02', 4), hidden('2026-02-02', 5)];
  /** Pages of `size` rows (cursor = offset); the first request for offset 2 answers 410 when `expireOnce`. */
  function rowServer(size: number, expireOnce: boolean, maxRows = Infinity): Handler {
    let expired = !expireOnce;
    return (req, res, seen) => {
      const from = Number(seen.url.searchParams.get('page') ?? '0');
      const limit = Math.min(size, Number(seen.url.searchParams.get('limit')));
      if (limit > maxRows) return coded(400, 'report_page_too_large', 'Send a lower `limit` and page through the rest.')(req, res, seen);
      if (from === 2 && !expired) {
        expired = true;
        return coded(410, 'cursor_expired', 'page cursor expired')(req, res, seen);
      }
      const to = Math.min(rows.length, from + limit);
      json(200, { data: rows.slice(from, to), has_more: to < rows.length, next_page: to < rows.length ? String(to) : null, data_refreshed_at: '2026-02-03T00:00:00Z' })(req, res, seen);
    };
  }

  it('keeps every row, numbering identical groups within their bucket', async () => {
    server = await scriptedServer(rowServer(2, false));
    expect(await analytics(server.url)).toEqual([
      { out: 1, ordinal: 0 },
      { out: 2, ordinal: 1 },
      { out: 3, ordinal: 2 },
      { out: 4, ordinal: 0 },
      { out: 5, ordinal: 1 },
    ]);
  });

  it('counts occurrences across a 410 restart: identical rows straddling the page boundary are neither dropped nor doubled', async () => {
    server = await scriptedServer(rowServer(2, true));
    const got = await analytics(server.url);
    expect(got.map((r) => r.out)).toEqual([1, 2, 3, 4, 5]);
    expect(got.map((r) => r.ordinal)).toEqual([0, 1, 2, 0, 1]);
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, '2', null, '2', '4']);
  });

  it('halves the row limit on report_page_too_large and names the day when one row is too large', async () => {
    server = await scriptedServer(rowServer(1000, false, 2));
    expect((await analytics(server.url, { limit: 8 })).map((r) => r.out)).toEqual([1, 2, 3, 4, 5]);
    expect(server.requests.map((r) => r.url.searchParams.get('limit')).slice(0, 3)).toEqual(['8', '4', '2']);
    await server.close();
    server = await scriptedServer(rowServer(1000, false, 0));
    await expect(analytics(server.url, { limit: 2 })).rejects.toThrow(/analytics\/usage for 2026-02-01 as too large even one row per page \(400 report_page_too_large\) \[request-id req_body_1\]/);
  });
});
