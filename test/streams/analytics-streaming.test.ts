/**
 * Analytics API pages read as a stream (pagination/analytics-rows.ts over AdminApiClient.streamJson):
 * the rows, ordinals and `extra` are exactly those the former whole-page path produced (the whole
 * body through getJson, the envelope, then every row through the same check), for daily and hourly
 * buckets over many pages and over pages longer than one batch; an unknown field still lands in
 * `extra`; a malformed row deep in a page, after a batch of the page was handed on, fails the window
 * in one line naming the field while nothing of it is written (real DuckDB file).
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { analyticsCostRowSchema, type AnalyticsCostRow } from '../../src/source/analytics-schemas.js';
import { ANALYTICS_BETA, ENDPOINTS } from '../../src/source/endpoints.js';
import { parseResult } from '../../src/source/fast-paths.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import { ANALYTICS_PAGE_LIMIT, ANALYTICS_STREAM_BATCH } from '../../src/source/pagination/analytics-rows.js';
import { reportEnvelopeSchema } from '../../src/source/schemas.js';
import { newRequestStats, type QueryParams } from '../../src/source/types.js';
import { COST_BY_KEY_GROUP_BY } from '../../src/streams/analytics-cost.js';
import { COST_HOURLY_GROUP_BY, analyticsCostHourlyStream } from '../../src/streams/analytics-cost-hourly.js';
import { analyticsBatches, analyticsQuery } from '../../src/streams/analytics-stream.js';
import { analyticsClient } from '../../src/streams/analytics-unavailable.js';
import { costByKeyRow, costHourlyRow } from '../../src/transform/analytics-rows.js';
import { WindowTally } from '../../src/transform/tally.js';
import type { DayRange } from '../../src/util/dates.js';
import type { Row } from '../../src/warehouse/tables.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileApi } from '../helpers/hostile-api.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { collect } from './collect.js';

const TODAY = '2026-03-20';
const WEEK: DayRange = { from: '2026-03-01', to: '2026-03-07' };
const MONTH: DayRange = { from: '2026-02-01', to: '2026-03-03' };

/**
 * The former path: each page whole through getJson, its envelope checked, then every row through
 * parseResult, numbered among the identical (bucket, group) rows before it, then shaped.
 */
async function wholePageRows(client: AdminApiClient, query: QueryParams, toRow: (r: AnalyticsCostRow, ordinal: number) => Row): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  let page: string | undefined;
  for (let pages = 1; ; pages++) {
    const body = reportEnvelopeSchema.parse(await client.getJson(ENDPOINTS.analyticsCost, { limit: ANALYTICS_PAGE_LIMIT, ...query, page }, undefined, { betas: [ANALYTICS_BETA] }));
    body.data.forEach((item, i) => {
      const r = parseResult(analyticsCostRowSchema, item, ENDPOINTS.analyticsCost, ['data', i]);
      const key = JSON.stringify([r.starting_at, r.ending_at, r.group]);
      const ordinal = seen.get(key) ?? 0;
      seen.set(key, ordinal + 1);
      rows.push(toRow(r, ordinal));
    });
    if (!body.has_more) return { rows, pages };
    page = body.next_page!;
  }
}

describe('analytics rows streamed: the same rows as whole pages (emulator, small organization)', () => {
  let emu: Emulator;
  let client: AdminApiClient;
  beforeAll(async () => {
    emu = await startEmulator({ seed: 9, today: TODAY, org: 'small' });
    client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, retryBaseMs: 5, retryMaxDelayMs: 50 });
  });
  afterAll(() => emu?.close());

  /** The streamed rows of one cost query, through the streams' own client and batching. */
  async function streamed(query: QueryParams, toRow: (r: AnalyticsCostRow, ordinal: number) => Row) {
    const stats = newRequestStats();
    const read = { client: analyticsClient(client, 'analytics_cost'), stats, endpoint: ENDPOINTS.analyticsCost, query, schema: analyticsCostRowSchema };
    const rows: Row[] = [];
    const sizes: number[] = [];
    for await (const batch of analyticsBatches(read, 'claude_cost_by_key', (r, n) => toRow(r, n) as never)) {
      sizes.push(batch.rows.length);
      rows.push(...(batch.rows as Row[]));
    }
    return { rows, sizes, requests: stats.requests };
  }

  it('daily buckets by key, 5 rows a page: every row, ordinal and extra as before', { timeout: 60_000 }, async () => {
    const query = { ...analyticsQuery(WEEK, { usageBucket: '1d' }, COST_BY_KEY_GROUP_BY), limit: 5 };
    const toRow = (r: AnalyticsCostRow, n: number) => costByKeyRow(r, new WindowTally(), n) as Row;
    const before = await wholePageRows(client, query, toRow);
    const now = await streamed(query, toRow);
    expect(before.pages).toBeGreaterThan(5);
    expect(now.requests).toBe(before.pages);
    expect(now.rows.length).toBeGreaterThan(100);
    expect(now.rows).toEqual(before.rows);
  });

  it('daily buckets by key over 31 days at the API maximum: pages longer than a batch come out in batches, same rows', { timeout: 60_000 }, async () => {
    const query = analyticsQuery(MONTH, { usageBucket: '1d' }, COST_BY_KEY_GROUP_BY);
    const toRow = (r: AnalyticsCostRow, n: number) => costByKeyRow(r, new WindowTally(), n) as Row;
    const before = await wholePageRows(client, query, toRow);
    const now = await streamed(query, toRow);
    expect(now.rows).toEqual(before.rows);
    expect(Math.max(...now.sizes)).toBe(ANALYTICS_STREAM_BATCH);
    // At least one page was handed on in more than one batch.
    expect(now.sizes.length).toBeGreaterThan(before.pages);
  });

  it('hourly buckets (analytics_cost_hourly, 20 rows a page and as the stream asks): same rows as before', { timeout: 60_000 }, async () => {
    const query = analyticsQuery(WEEK, { usageBucket: '1d', analyticsBucket: '1h' }, COST_HOURLY_GROUP_BY);
    const toRow = (r: AnalyticsCostRow, n: number) => costHourlyRow(r, new WindowTally(), n) as Row;
    const paged = await streamed({ ...query, limit: 20 }, toRow);
    const before = await wholePageRows(client, { ...query, limit: 20 }, toRow);
    expect(before.pages).toBeGreaterThan(5);
    expect(paged.rows).toEqual(before.rows);
    expect(new Set(paged.rows.map((r) => r.bucket_start)).size).toBeGreaterThan(24);

    // The stream itself, as a backfill runs it.
    const ctx = { client, stats: newRequestStats(), options: { usageBucket: '1d' as const }, tally: new WindowTally(), organization: null, startedAt: `${TODAY}T00:00:00.000Z` };
    const { rows, summary } = await collect(analyticsCostHourlyStream.fetchWindow(WEEK, ctx));
    const whole = await wholePageRows(client, query, toRow);
    expect(rows.get('claude_cost_hourly')).toEqual(whole.rows);
    expect(summary.dataRefreshedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('analytics rows streamed, through the CLI into a DuckDB file (a proxy alters the pages)', () => {
  let emu: Emulator | undefined;
  let api: HostileApi | undefined;
  afterEach(async () => {
    await api?.close();
    await emu?.close();
    api = emu = undefined;
  });
  const env = (url: string) => ({ ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: url, CLAUDE_INGEST_TODAY: TODAY, CLAUDE_INGEST_RETRY_BASE_MS: '5', CLAUDE_INGEST_RETRY_MAX_MS: '50' });
  const byKey = (path: string, q: URLSearchParams) => path.endsWith('/analytics/cost') && q.getAll('group_by[]').includes('api_key_id') && q.getAll('group_by[]').includes('token_type');
  const args = (file: string) => ['backfill', '--from', MONTH.from, '--to', MONTH.to, '--streams', 'analytics_cost', '--warehouse', `duckdb:${file}`];

  it('an unknown field of a row, top level or among the measures, is kept in extra', { timeout: 120_000 }, async () => {
    emu = await startEmulator({ seed: 9, today: TODAY, org: 'small' });
    api = await startHostileApi(emu.url, (r) =>
      byKey(r.path, r.query)
        ? {
            rewrite: (b) => {
              const body = b as { data: Array<Record<string, unknown> & { cost: Record<string, unknown> }> };
              for (const row of body.data) {
                row.region = 'eu-west';
                row.cost.carbon_grams = 3;
              }
              return body;
            },
          }
        : undefined,
    );
    const file = join(tempDir(), 'extra.duckdb');
    const res = await runCli(args(file), env(api.url));
    expect(res.code, res.stderr).toBe(0);
    const rows = await queryWarehouse(file, 'SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE extra IS NOT NULL) AS with_extra, ANY_VALUE(CAST(extra AS VARCHAR)) AS sample FROM claude_cost_by_key');
    expect(Number(rows[0]!.n)).toBeGreaterThan(500);
    expect(Number(rows[0]!.with_extra)).toBe(Number(rows[0]!.n));
    expect(JSON.parse(String(rows[0]!.sample))).toMatchObject({ region: 'eu-west', cost: { carbon_grams: 3 } });
  });

  it('a malformed row deep in a page, after a batch was handed on, fails its window in one line; nothing of it written', { timeout: 180_000 }, async () => {
    // A medium organization: its pages by key hold thousands of rows.
    emu = await startEmulator({ seed: 9, today: TODAY, org: 'medium' });
    let bad = -1;
    api = await startHostileApi(emu.url, (r) =>
      byKey(r.path, r.query) && !r.query.has('page') && r.query.get('starting_at')!.startsWith(MONTH.from)
        ? {
            rewrite: (b) => {
              const body = b as { data: Array<{ cost: Record<string, unknown> }> };
              bad = body.data.length - 1;
              body.data[bad]!.cost.amount = 12.5; // a number, not the decimal string the contract sends
              return body;
            },
          }
        : undefined,
    );
    const file = join(tempDir(), 'malformed.duckdb');
    const res = await runCli(args(file), env(api.url));
    expect(res.code).toBe(1);
    expect(bad).toBeGreaterThan(ANALYTICS_STREAM_BATCH);
    const errors = errorLines(res.stderr);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      new RegExp(
        `^analytics_cost ${MONTH.from}\\.\\.(2026-02-\\d\\d) failed: The Admin API answered /v1/organizations/analytics/cost with an unexpected response body \\(at data\\[${bad}\\]\\.cost\\.amount: Invalid input: expected string, received number\\) \\[request-id req_[^\\]]+\\]; nothing was recorded for this window, because a malformed answer is not "no spend"$`,
      ),
    );
    expect(errors[1]).toMatch(/^1 window\(s\) failed; \d+ of \d+ windows written .* Fix the cause, then run: claude-ingest retry$/);
    const [failed] = await queryWarehouse(file, "SELECT CAST(window_start AS VARCHAR) AS s, CAST(window_end AS VARCHAR) AS e FROM ingest_windows WHERE stream = 'analytics_cost' AND status = 'failed'");
    expect(failed?.s).toBe(MONTH.from);
    for (const table of ['claude_cost_by_key', 'claude_cost_by_actor', 'claude_analytics_daily_totals']) {
      const [n] = await queryWarehouse(file, `SELECT COUNT(*) AS n FROM ${table} WHERE activity_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`, [String(failed!.s), String(failed!.e)]);
      expect(Number(n!.n), table).toBe(0);
      const [all] = await queryWarehouse(file, `SELECT COUNT(*) AS n FROM ${table}`);
      expect(Number(all!.n), `${table}: the other windows are written`).toBeGreaterThan(0);
    }
  });
});
