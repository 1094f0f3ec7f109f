/**
 * Analytics API row pages against a loopback server: flat rows followed by `page=<next_page>`, an
 * expired cursor (410) restarting the query from page 1 without doubling a row, a bounded number of
 * such restarts, and a streamed body that breaks off mid-page read again without doubling a row.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AdminApiClient,
  CursorExpiredError,
  MAX_CURSOR_RESTARTS,
  ResponseShapeError,
  newRequestStats,
  paginateAnalyticsRows,
} from '../../../src/source/index.js';
import { ANALYTICS_STREAM_BATCH } from '../../../src/source/pagination/analytics-rows.js';
import { TEST_KEY, apiError, json, scriptedServer, type Handler, type ScriptedServer } from '../helpers.js';

const USAGE = '/v1/organizations/analytics/usage';
const BETA = 'analytics-usage-cost-2026-08-24';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (url: string) => new AdminApiClient({ baseUrl: url, apiKey: TEST_KEY, betas: [BETA], retryBaseMs: 5, retryMaxDelayMs: 20 });

const rowSchema = z.looseObject({
  starting_at: z.string(),
  ending_at: z.string(),
  group: z.looseObject({ model: z.string().nullable(), workspace_id: z.string().nullable() }),
  usage: z.looseObject({ output_tokens: z.number().int().nonnegative() }),
});

/** One usage row; rows of different models or days are different rows. */
const row = (day: string, model: string, output: number) => ({
  starting_at: `${day}T00:00:00Z`,
  ending_at: `${day}T23:59:59Z`,
  group: { model, workspace_id: null, api_key_id: null },
  usage: { output_tokens: output, uncached_input_tokens: 1 },
});

const R1 = row('2026-02-01', 'claude-opus-4', 30);
const R2 = row('2026-02-01', 'claude-sonnet-4', 20);
const R3 = row('2026-02-02', 'claude-opus-4', 10);

const page = (data: unknown[], next: string | null) => ({ data, has_more: next !== null, next_page: next, data_refreshed_at: '2026-02-03T00:00:00Z' });

async function readAll(c: AdminApiClient, query: Record<string, string | string[]> = {}, stats = newRequestStats()) {
  const pages: z.output<typeof rowSchema>[][] = [];
  for await (const rows of paginateAnalyticsRows(c, USAGE, { starting_at: '2026-02-01T00:00:00Z', ...query }, rowSchema, stats)) pages.push(rows.map((o) => o.row));
  return pages;
}

/** Serves page 1 (no page parameter) and the pages of `pages` by cursor. */
function byCursor(first: unknown, pages: Record<string, Handler>): Handler {
  return (req, res, seen) => {
    const cursor = seen.url.searchParams.get('page');
    if (cursor === null) return json(200, first)(req, res, seen);
    const h = pages[cursor];
    if (!h) return apiError(400, 'invalid_request_error', `unknown page ${cursor}`)(req, res, seen);
    h(req, res, seen);
  };
}

/** Sends `fraction` of the body, lets it reach the client, then kills the connection. */
function breaksOff(body: unknown, fraction: number): Handler {
  return (req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.write(text.slice(0, Math.floor(text.length * fraction)), () => setTimeout(() => req.socket.destroy(), 30));
  };
}

describe('paginateAnalyticsRows', () => {
  it('follows next_page over flat rows, repeating the query with page= and the beta header', async () => {
    server = await scriptedServer(byCursor(page([R1, R2], 'cur_2'), { cur_2: json(200, page([R3], null)) }));
    const stats = newRequestStats();
    const got = await readAll(client(server.url), { time_bucket_width: '1d', group_by: ['model', 'workspace_id'] }, stats);
    expect(got).toEqual([[R1, R2], [R3]]);
    expect(stats.requests).toBe(2);
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, 'cur_2']);
    for (const r of server.requests) {
      expect(r.url.pathname).toBe(USAGE);
      expect(r.url.searchParams.get('limit')).toBe('1000');
      expect(r.url.searchParams.get('time_bucket_width')).toBe('1d');
      expect(r.url.searchParams.getAll('group_by[]')).toEqual(['model', 'workspace_id']);
      expect(r.headers['anthropic-beta']).toBe(BETA);
    }
  });

  it('keeps a limit the caller sets', async () => {
    server = await scriptedServer([json(200, page([R1], null))]);
    await readAll(client(server.url), { limit: '50' });
    expect(server.requests[0]!.url.searchParams.get('limit')).toBe('50');
  });

  it('restarts the query from page 1 after a 410 and hands out every row once', async () => {
    let expired = false;
    server = await scriptedServer((req, res, seen) => {
      const cursor = seen.url.searchParams.get('page');
      // After the 410, page 1 comes back in another order and with a fresh cursor.
      if (cursor === null) return json(200, expired ? page([R2, R1], 'cur_2b') : page([R1, R2], 'cur_2'))(req, res, seen);
      if (cursor === 'cur_2b') return json(200, page([R3], null))(req, res, seen);
      expired = true;
      apiError(410, 'invalid_request_error', 'page cursor expired')(req, res, seen);
    });
    const stats = newRequestStats();
    const got = await readAll(client(server.url), {}, stats);
    expect(got.flat()).toEqual([R1, R2, R3]);
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, 'cur_2', null, 'cur_2b']);
    expect(stats.requests).toBe(4);
  });

  it(`gives up after ${MAX_CURSOR_RESTARTS} restarts when the cursor keeps expiring`, async () => {
    server = await scriptedServer(byCursor(page([R1], 'cur_2'), { cur_2: apiError(410, 'invalid_request_error', 'page cursor expired', { 'request-id': 'req_gone' }) }));
    const err = await readAll(client(server.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CursorExpiredError);
    expect((err as Error).message).toContain('req_gone');
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual(Array.from({ length: MAX_CURSOR_RESTARTS + 1 }, () => [null, 'cur_2']).flat());
  });

  it('stops a cursor that does not advance, and has_more without a next_page', async () => {
    server = await scriptedServer(byCursor(page([R1], 'same'), { same: json(200, page([R2], 'same')) }));
    const loop = await readAll(client(server.url)).catch((e: unknown) => e);
    expect(loop).toBeInstanceOf(ResponseShapeError);
    expect((loop as Error).message).toContain('pagination loop');
    expect(server.requests).toHaveLength(2);
    await server.close();
    server = await scriptedServer([json(200, { data: [R1], has_more: true, next_page: null })]);
    await expect(readAll(client(server.url))).rejects.toThrow(/has_more is true but next_page is empty/);
  });

  it('a body that breaks off after rows were handed out is read again: each row once, numbered as in one reading', async () => {
    // Identical groups (as null actors render) all day: only the ordinal tells the rows apart.
    const same = (i: number) => ({ ...row(`2026-02-0${1 + Math.floor(i / 400)}`, 'claude-opus-4', i), group: { model: 'claude-opus-4', workspace_id: null, api_key_id: null } });
    const firstRows = Array.from({ length: 1200 }, (_, i) => same(i));
    const secondRows = Array.from({ length: 10 }, (_, i) => same(1190 + i));
    const first = page(firstRows, 'cur_2');
    const second = page(secondRows, null);
    server = await scriptedServer([breaksOff(first, 0.7), json(200, first), json(200, second)]);
    const stats = newRequestStats();
    const got: Array<[number, number]> = [];
    for await (const rows of paginateAnalyticsRows(client(server.url), USAGE, { starting_at: '2026-02-01T00:00:00Z' }, rowSchema, stats)) {
      expect(rows.length).toBeLessThanOrEqual(ANALYTICS_STREAM_BATCH);
      for (const o of rows) got.push([o.row.usage.output_tokens, o.ordinal]);
    }
    const want = [...firstRows, ...secondRows].map((r, i): [number, number] => [r.usage.output_tokens, i < 1200 ? i % 400 : 400 + i - 1200]);
    expect(got).toEqual(want);
    expect(stats).toMatchObject({ requests: 3, retries: 1 });
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, null, 'cur_2']);
  });

  it('fails a malformed row with its path, and a 200 without data as a ResponseShapeError', async () => {
    const bad = { ...R2, usage: { output_tokens: -1 } };
    server = await scriptedServer([json(200, page([R1, bad], null)), json(200, { type: 'something_else' })]);
    await expect(readAll(client(server.url))).rejects.toMatchObject({ name: 'ResponseShapeError', issuePath: 'data[1].usage.output_tokens' });
    await expect(readAll(client(server.url))).rejects.toMatchObject({ name: 'ResponseShapeError', issuePath: 'data' });
  });
});
