import { afterEach, describe, expect, it } from 'vitest';
import {
  AdminApiClient,
  CursorExpiredError,
  ENDPOINTS,
  ResponseShapeError,
  costResultSchema,
  newRequestStats,
  paginateClaudeCode,
  paginateList,
  paginateReportBuckets,
  workspaceItemSchema,
  type JsonStreamer,
  type QueryParams,
  type ReportBucket,
  type RequestStats,
} from '../../src/source/index.js';
import type { z } from 'zod';
import { TEST_KEY, apiError, json, scriptedServer, type ScriptedServer } from './helpers.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (url: string) => new AdminApiClient({ baseUrl: url, apiKey: TEST_KEY, retryBaseMs: 5, retryMaxDelayMs: 20 });

async function collect<T>(gen: AsyncGenerator<T[]>): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const p of gen) pages.push(p);
  return pages;
}

const bucket = (day: string, amount: string) => ({
  starting_at: `${day}T00:00:00Z`,
  ending_at: `${day}T23:59:59Z`,
  results: [{ amount, currency: 'USD', workspace_id: null, description: 'Claude Sonnet 4 Usage - Input Tokens' }],
});

/**
 * A stub that answers calls in order and records the queries. Its streamJson hands a body out the
 * way AdminApiClient.streamJson does: the elements of `data`, then the rest with `data` emptied.
 */
function stub(answers: (unknown | Error)[]): JsonStreamer & { queries: QueryParams[] } {
  const queries: QueryParams[] = [];
  const answer = async (query: QueryParams) => {
    queries.push(query);
    const a = answers[Math.min(queries.length - 1, answers.length - 1)];
    if (a instanceof Error) throw a;
    return a;
  };
  return {
    queries,
    getJson: async (_path, query) => answer(query),
    async *streamJson(_path, query) {
      const body = (await answer(query)) as Record<string, unknown>;
      const data = Array.isArray(body.data) ? (body.data as unknown[]) : undefined;
      for (const value of data ?? []) yield { type: 'item', value };
      yield { type: 'end', envelope: data ? { ...body, data: [] } : body };
    },
  };
}

/**
 * Report buckets grouped by the page that brought them. Pages are requested one after another, so
 * the number of requests made when a bucket comes out names its page.
 */
async function paginateReport<R>(
  client: JsonStreamer,
  requestsSoFar: () => number,
  path: string,
  query: QueryParams,
  schema: z.ZodType<R>,
  stats?: RequestStats,
): Promise<ReportBucket<R>[][]> {
  const pages = new Map<number, ReportBucket<R>[]>();
  for await (const b of paginateReportBuckets(client, path, query, schema, stats)) {
    const n = requestsSoFar();
    pages.set(n, [...(pages.get(n) ?? []), b]);
  }
  return [...pages.values()];
}

describe('paginateReportBuckets, grouped by page', () => {
  it('follows next_page over three pages, repeating the same query with page=', async () => {
    const pages: Record<string, unknown> = {
      '': { data: [bucket('2025-06-01', '1.5')], has_more: true, next_page: 'cur_2' },
      cur_2: { data: [bucket('2025-06-02', '2.25')], has_more: true, next_page: 'cur_3' },
      cur_3: { data: [{ ...bucket('2025-06-03', '0'), results: [] }], has_more: false, next_page: null },
    };
    server = await scriptedServer((req, res, seen) => json(200, pages[seen.url.searchParams.get('page') ?? ''])(req, res, seen));
    const stats = newRequestStats();
    const query = { starting_at: '2025-06-01T00:00:00Z', ending_at: '2025-06-04T00:00:00Z', bucket_width: '1d', group_by: ['workspace_id', 'description'] };
    const got = await paginateReport(client(server.url), () => server!.requests.length, ENDPOINTS.costReport, query, costResultSchema, stats);
    expect(got.map((p) => p.map((b) => b.starting_at))).toEqual([['2025-06-01T00:00:00Z'], ['2025-06-02T00:00:00Z'], ['2025-06-03T00:00:00Z']]);
    expect(got[1]![0]!.results[0]!.amount).toBe('2.25');
    expect(got[2]![0]!.results).toEqual([]);
    expect(stats.requests).toBe(3);
    for (const r of server.requests) {
      expect(r.url.pathname).toBe(ENDPOINTS.costReport);
      expect(r.url.searchParams.getAll('group_by[]')).toEqual(['workspace_id', 'description']);
      expect(r.url.searchParams.get('starting_at')).toBe('2025-06-01T00:00:00Z');
    }
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, 'cur_2', 'cur_3']);
  });

  it('restarts from page 1 after a 410 and yields every bucket once', async () => {
    let calls = 0;
    server = await scriptedServer((req, res, seen) => {
      calls++;
      const page = seen.url.searchParams.get('page');
      if (calls === 2) return apiError(410, 'invalid_request_error', 'cursor expired')(req, res, seen);
      const body = page
        ? { data: [bucket('2025-06-02', '2')], has_more: false, next_page: null }
        : { data: [bucket('2025-06-01', '1')], has_more: true, next_page: `cur_${calls}` };
      json(200, body)(req, res, seen);
    });
    const got = await paginateReport(client(server.url), () => server!.requests.length, ENDPOINTS.costReport, { starting_at: 'x' }, costResultSchema);
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, 'cur_1', null, 'cur_3']);
    expect(got.flat().map((b) => b.starting_at)).toEqual(['2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z']);
  });

  it('gives up after two restarts when the cursor keeps expiring', async () => {
    const expired = new CursorExpiredError(ENDPOINTS.costReport);
    const first = { data: [bucket('2025-06-01', '1')], has_more: true, next_page: 'c' };
    const s = stub([first, expired, first, expired, first, expired]);
    await expect(paginateReport(s, () => s.queries.length, ENDPOINTS.costReport, {}, costResultSchema)).rejects.toBeInstanceOf(CursorExpiredError);
    expect(s.queries).toHaveLength(6);
  });

  it('stops a cursor that repeats instead of looping forever', async () => {
    const s = stub([
      { data: [bucket('2025-06-01', '1')], has_more: true, next_page: 'same' },
      { data: [bucket('2025-06-02', '1')], has_more: true, next_page: 'same' },
    ]);
    const err = await paginateReport(s, () => s.queries.length, ENDPOINTS.costReport, {}, costResultSchema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect((err as Error).message).toContain('pagination loop');
    expect(s.queries).toHaveLength(2);
  });

  it('refuses has_more without a next_page', async () => {
    const s = stub([{ data: [], has_more: true, next_page: null }]);
    await expect(paginateReport(s, () => s.queries.length, ENDPOINTS.costReport, {}, costResultSchema)).rejects.toThrow(/has_more is true but next_page is empty/);
  });

  it('surfaces a malformed page as a ResponseShapeError, not an empty result', async () => {
    const s = stub([{ data: [] }]);
    await expect(paginateReport(s, () => s.queries.length, ENDPOINTS.costReport, {}, costResultSchema)).rejects.toBeInstanceOf(ResponseShapeError);
  });
});

describe('paginateClaudeCode', () => {
  const record = (email: string, remote = false) => ({
    date: '2025-06-01T00:00:00Z',
    actor: { type: 'user_actor', email_address: email },
    organization_id: 'org_1',
    customer_type: 'subscription',
    subscription_type: 'team',
    terminal_type: 'vscode',
    is_remote: remote,
    core_metrics: { num_sessions: 1, lines_of_code: { added: 1, removed: 0 }, commits_by_claude_code: 0, pull_requests_by_claude_code: 0 },
    tool_actions: {},
    model_breakdown: [],
  });

  it('reads one day with limit and page, and deduplicates across a 410 restart', async () => {
    const s = stub([
      { data: [record('a@x.io'), record('a@x.io', true)], has_more: true, next_page: 'p2' },
      new CursorExpiredError(ENDPOINTS.claudeCode),
      { data: [record('a@x.io'), record('a@x.io', true)], has_more: true, next_page: 'p2b' },
      { data: [record('b@x.io')], has_more: false, next_page: null },
    ]);
    const got = await collect(paginateClaudeCode(s, '2025-06-01', undefined, 500));
    expect(got.flat().map((r) => [r.actor.email_address, r.is_remote])).toEqual([
      ['a@x.io', false],
      ['a@x.io', true],
      ['b@x.io', false],
    ]);
    expect(s.queries[0]).toEqual({ starting_at: '2025-06-01', limit: 500, page: undefined });
    expect(s.queries[3]).toMatchObject({ page: 'p2b' });
  });
});

describe('paginateList', () => {
  it('pages with after_id=<last_id> and stops on has_more:false even though last_id is set', async () => {
    const ws = (id: string) => ({ id, name: id, display_color: null, created_at: '2025-01-01T00:00:00Z', archived_at: null });
    server = await scriptedServer((req, res, seen) => {
      const after = seen.url.searchParams.get('after_id');
      const body =
        after === null
          ? { data: [ws('wrkspc_1'), ws('wrkspc_2')], has_more: true, first_id: 'wrkspc_1', last_id: 'wrkspc_2' }
          : { data: [ws('wrkspc_3')], has_more: false, first_id: 'wrkspc_3', last_id: 'wrkspc_3' };
      json(200, body)(req, res, seen);
    });
    const stats = newRequestStats();
    const got = await collect(paginateList(client(server.url), ENDPOINTS.workspaces, { include_archived: true }, workspaceItemSchema, stats));
    expect(got.flat().map((w) => w.id)).toEqual(['wrkspc_1', 'wrkspc_2', 'wrkspc_3']);
    expect(server.requests.map((r) => r.url.search)).toEqual([
      '?include_archived=true&limit=1000',
      '?include_archived=true&limit=1000&after_id=wrkspc_2',
    ]);
    expect(stats.requests).toBe(2);
  });

  it('stops a repeating last_id', async () => {
    const s = stub([{ data: [], has_more: true, first_id: null, last_id: 'x' }]);
    await expect(collect(paginateList(s, ENDPOINTS.users, {}, workspaceItemSchema))).rejects.toThrow(/pagination loop/);
    expect(s.queries).toHaveLength(2);
  });
});
