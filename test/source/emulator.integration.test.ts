/** The source against the project's Admin API emulator: real pagination, faults and rate limits. */
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  AdminApiClient,
  ENDPOINTS,
  costResultSchema,
  newRequestStats,
  paginateList,
  paginateReportBuckets,
  workspaceItemSchema,
  type CostResult,
  type ReportBucket,
} from '../../src/source/index.js';
import { addDays, dayStartRfc3339, type IsoDay } from '../../src/util/dates.js';
import { sumDecimals } from '../../src/util/money.js';

const TODAY = '2025-06-30';
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function readCost(client: AdminApiClient, from: IsoDay, toExclusive: IsoDay) {
  const stats = newRequestStats();
  const buckets: ReportBucket<CostResult>[] = [];
  const query = { starting_at: dayStartRfc3339(from), ending_at: dayStartRfc3339(toExclusive), bucket_width: '1d', limit: 3 };
  for await (const bucket of paginateReportBuckets(client, ENDPOINTS.costReport, query, costResultSchema, stats)) buckets.push(bucket);
  return { buckets, stats };
}

describe('source against the emulator', () => {
  it('pages through cost_report and matches the ground truth to the fraction of a cent', async () => {
    emu = await startEmulator({ today: TODAY, historyDays: 30 });
    const client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, retryBaseMs: 5, retryMaxDelayMs: 50 });
    const from = addDays(TODAY, -9);
    const { buckets, stats } = await readCost(client, from, addDays(TODAY, 1));
    expect(buckets).toHaveLength(10);
    expect(stats.requests).toBe(4); // 10 daily buckets at 3 per page
    expect(buckets[0]!.starting_at.slice(0, 10)).toBe(from);
    for (const b of buckets) {
      const day = b.starting_at.slice(0, 10);
      expect(sumDecimals(b.results.map((r) => String(r.amount)))).toBe(sumDecimals([emu.truth.costCents(day)]));
    }
  });

  it('survives transient faults and a rate limit without losing or doubling a cent', async () => {
    emu = await startEmulator({
      today: TODAY,
      historyDays: 30,
      rateLimit: { rpm: 600, burst: 2 },
      faultRules: [
        { kind: '503', path: 'cost_report', times: 1 },
        { kind: 'reset', path: 'cost_report', times: 1 },
        { kind: 'truncated_json', path: 'cost_report', times: 1 },
        { kind: '502_html', path: 'cost_report', times: 1 },
      ],
    });
    const client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, retryBaseMs: 5, retryMaxDelayMs: 100, maxConcurrency: 3 });
    const from = addDays(TODAY, -8);
    const [a, b] = await Promise.all([readCost(client, from, addDays(from, 4)), readCost(client, addDays(from, 4), addDays(TODAY, 1))]);
    const all = [...a.buckets, ...b.buckets];
    expect(all.map((x) => x.starting_at.slice(0, 10))).toEqual(Array.from({ length: 9 }, (_, i) => addDays(from, i)));
    expect(sumDecimals(all.flatMap((x) => x.results.map((r) => String(r.amount))))).toBe(emu.truth.costCentsRange(from, TODAY));
    expect(a.stats.retries + b.stats.retries).toBeGreaterThanOrEqual(4);
    // Every 429 the emulator sent reached the shared governor and was counted once per window.
    expect(client.governor.stats.rateLimited).toBe(emu.stats().rateLimited);
    expect(a.stats.rateLimited + b.stats.rateLimited).toBe(emu.stats().rateLimited);
  });

  it('lists workspaces through after_id pages', async () => {
    emu = await startEmulator({ today: TODAY, historyDays: 30 });
    const client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY });
    const ids: string[] = [];
    for await (const page of paginateList(client, ENDPOINTS.workspaces, { include_archived: true }, workspaceItemSchema)) ids.push(...page.map((w) => w.id));
    expect(ids.sort()).toEqual(emu.truth.workspaces().map((w) => w.id).sort());
  });
});
