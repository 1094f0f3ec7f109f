/**
 * The cost and usage streams read pages bucket by bucket and yield each bucket's rows; these tests pin that
 * the rows are exactly those the former whole-page path produced (whole body → zod → rows), that
 * per-day sums equal the emulator's ground truth, and that a malformed bucket deep in a page fails the
 * window with a message naming the field while nothing of the window is committed.
 */
import { WindowTally } from '../../src/transform/tally.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { executeWindows } from '../../src/jobs/execute-windows.js';
import type { WindowTask } from '../../src/jobs/windows.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import { costResultSchema, reportPageSchema, usageResultSchema } from '../../src/source/schemas.js';
import { newRequestStats } from '../../src/source/types.js';
import { costStream } from '../../src/streams/cost.js';
import { windowParams } from '../../src/streams/report-stream.js';
import type { StreamContext, StreamDef } from '../../src/streams/stream.js';
import { USAGE_GROUP_BY, usageStream } from '../../src/streams/usage.js';
import { costRow, costTotalRow } from '../../src/transform/cost-rows.js';
import { usageRow, usageTotalRow } from '../../src/transform/usage-rows.js';
import { addDays, eachDay, type DayRange } from '../../src/util/dates.js';
import { sumDecimals } from '../../src/util/money.js';
import type { Row } from '../../src/warehouse/tables.js';
import type { Warehouse, WindowRecord, WindowSink } from '../../src/warehouse/warehouse.js';
import { TEST_KEY, json, scriptedServer } from '../source/helpers.js';
import { collect } from './collect.js';

const TODAY = '2025-06-30';
const WINDOW: DayRange = { from: addDays(TODAY, -30), to: TODAY };

function ctxFor(client: AdminApiClient): StreamContext {
  return { client, stats: newRequestStats(), options: { usageBucket: '1d' }, tally: new WindowTally(), organization: null, startedAt: '2025-07-01T00:00:00.000Z' };
}

/** The former path: the whole page through getJson, zod over the page, then every row. */
async function wholePageRows<R>(client: AdminApiClient, endpoint: string, query: Record<string, unknown>, schema: typeof costResultSchema | typeof usageResultSchema, toRow: (d: string, r: R) => Row) {
  const rows: Row[] = [];
  let page: string | undefined;
  for (;;) {
    const body = reportPageSchema(schema).parse(await client.getJson(endpoint, { ...query, ...windowParams(WINDOW), page } as never));
    for (const b of body.data) for (const r of b.results) rows.push(toRow(b.starting_at, r as R));
    if (!body.has_more) return rows;
    page = body.next_page!;
  }
}

const byDay = (rows: Row[]) => {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const day = String(r.activity_date);
    let list = out.get(day);
    if (!list) out.set(day, (list = []));
    list.push(r);
  }
  return out;
};

describe('cost and usage streams, bucket by bucket (large emulated organisation, 31 days)', () => {
  let emu: Emulator;
  let client: AdminApiClient;
  beforeAll(async () => {
    emu = await startEmulator({ org: 'large', today: TODAY, historyDays: 40 });
    client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, retryBaseMs: 5, retryMaxDelayMs: 50 });
  });
  afterAll(() => emu?.close());

  it('cost: the same rows as the whole-page path, per-day sums and counts equal to the ground truth', { timeout: 120_000 }, async () => {
    const ctx = ctxFor(client);
    const { rows, batches, summary } = await collect(costStream.fetchWindow(WINDOW, ctx));
    const costs = rows.get('claude_costs')!;
    const totals = rows.get('claude_cost_daily_totals')!;
    expect(ctx.stats.requests).toBe(2); // one grouped page of 31 buckets, one ungrouped: the minimum
    // One batch per bucket (the window writer, not the stream, sizes what the engine gets): the
    // grouped request's 31 days, then the totals'.
    expect(batches.map((b) => b.table)).toEqual([...Array<string>(31).fill('claude_costs'), ...Array<string>(31).fill('claude_cost_daily_totals')]);
    expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(costs.length + totals.length);

    const grouped = await wholePageRows(client, '/v1/organizations/cost_report', { bucket_width: '1d', group_by: ['workspace_id', 'description'], limit: 31 }, costResultSchema, (d, r: never) => costRow(d, r, new WindowTally()));
    const ungrouped = await wholePageRows(client, '/v1/organizations/cost_report', { bucket_width: '1d', limit: 31 }, costResultSchema, (d, r: never) => costTotalRow(d, r, new WindowTally()));
    expect(costs).toEqual(grouped);
    expect(totals).toEqual(ungrouped);

    const days = byDay(costs);
    for (const day of eachDay(WINDOW.from, WINDOW.to)) {
      const truth = emu.truth.costCents(day);
      expect(sumDecimals((days.get(day) ?? []).map((r) => String(r.amount_cents))), day).toBe(sumDecimals([truth]));
      expect(days.get(day)?.length ?? 0, day).toBe(grouped.filter((r) => r.activity_date === day).length);
    }
    expect(summary.centsTotal).toBe(sumDecimals([emu.truth.costCentsRange(WINDOW.from, WINDOW.to)]));
  });

  it('usage: the same rows as the whole-page path, per-day token totals equal to the ground truth', { timeout: 120_000 }, async () => {
    const ctx = ctxFor(client);
    const { rows } = await collect(usageStream.fetchWindow(WINDOW, ctx));
    expect(ctx.stats.requests).toBe(2);
    const keys = rows.get('claude_usage_keys')!;
    const grouped = await wholePageRows(client, '/v1/organizations/usage_report/messages', { bucket_width: '1d', limit: 31, group_by: [...USAGE_GROUP_BY] }, usageResultSchema, (d, r: never) => usageRow(d, r, new WindowTally()));
    const ungrouped = await wholePageRows(client, '/v1/organizations/usage_report/messages', { bucket_width: '1d', limit: 31 }, usageResultSchema, (d, r: never) => usageTotalRow(d, r));
    expect(keys).toEqual(grouped);
    expect(rows.get('claude_usage_daily_totals')).toEqual(ungrouped);
    const days = byDay(keys);
    for (const day of eachDay(WINDOW.from, WINDOW.to)) {
      const truth = emu.truth.tokens(day);
      const got = days.get(day) ?? [];
      expect(got.reduce((s, r) => s + Number(r.output_tokens), 0), day).toBe(truth.output_tokens);
      expect(got.reduce((s, r) => s + Number(r.cache_read_input_tokens), 0), day).toBe(truth.cache_read_input_tokens);
    }
  });
});

describe('a malformed bucket deep in a page', () => {
  it('fails the window with the field path; nothing of the window is committed', { timeout: 30_000 }, async () => {
    const bucket = (i: number) => ({
      starting_at: `${addDays('2025-06-01', i)}T00:00:00Z`,
      ending_at: `${addDays('2025-06-01', i + 1)}T00:00:00Z`,
      results: Array.from({ length: 500 }, (_, j) => ({ amount: `${j}.5`, currency: 'USD', workspace_id: null, description: 'd' })),
    });
    const body = { data: Array.from({ length: 31 }, (_, i) => bucket(i)), has_more: false, next_page: null };
    (body.data[29]!.results[410] as { currency?: unknown }).currency = 7;
    const server = await scriptedServer(json(200, body));
    try {
      const records: WindowRecord[] = [];
      let committed = 0;
      let appended = 0;
      // Just enough of a warehouse: replaceWindow commits only when fill resolves, like the real ones.
      const warehouse = {
        async recordWindow(r: WindowRecord) {
          records.push(r);
        },
        async replaceWindow(_w: unknown, fill: (s: WindowSink) => Promise<void>) {
          const staged: Row[] = [];
          await fill({ append: async (_t, rows) => void (staged.push(...rows), (appended += rows.length)) });
          committed += staged.length;
          return staged.length;
        },
      } as unknown as Warehouse;
      const task: WindowTask = { stream: costStream as StreamDef, window: { from: '2025-06-01', to: '2025-07-01' } } as WindowTask;
      const result = await executeWindows(
        {
          warehouse,
          client: new AdminApiClient({ baseUrl: server.url, apiKey: TEST_KEY, retryBaseMs: 5, retryMaxDelayMs: 20 }),
          runId: 'run_bad',
          options: { usageBucket: '1d' },
          concurrency: 1,
          today: '2025-07-10',
          organization: { id: 'org_test', name: 'Test', type: 'organization' },
          emit: () => {},
          apiKey: TEST_KEY,
        },
        [task],
      );
      expect(result).toMatchObject({ ok: 0, failed: 1, fatal: null });
      expect(appended).toBeGreaterThan(0); // earlier buckets were streamed into staging…
      expect(committed).toBe(0); // …and dropped with the window
      const failed = records.find((r) => r.status === 'failed')!;
      expect(failed.error).toContain('/v1/organizations/cost_report');
      expect(failed.error).toContain('at data[29].results[410].currency');
      expect(failed.error).toContain('a malformed answer is not "no spend"');
      expect(server.requests).toHaveLength(1); // a shape error is not retried
    } finally {
      await server.close();
    }
  });
});
