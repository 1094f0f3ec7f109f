/** The source against the project's Admin API emulator: real pagination, faults and rate limits. */
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  AdminApiClient,
  ENDPOINTS,
  costResultSchema,
  newRequestStats,
  paginateClaudeCode,
  paginateList,
  paginateReportBuckets,
  workspaceItemSchema,
  type CostResult,
  type ReportBucket,
} from '../../src/source/index.js';
import { fetchOrganization } from '../../src/source/organization.js';
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

/**
 * admin-api.md ("errors"): every response carries a request-id, to be logged with failures. A 200
 * whose body is malformed is no exception: its one-line error names the answer's request-id.
 */
describe('a malformed 200 names its request-id', () => {
  /** The emulator numbers its answers: the id of the `n`th request (seed 42). */
  const idOf = (n: number) => `[request-id req_emu_${(42).toString(36)}_${n.toString(36).padStart(6, '0')}]`;
  async function failure(read: () => Promise<unknown>): Promise<string> {
    const err = await read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message;
  }
  const drain = async (pages: AsyncIterable<unknown>) => {
    for await (const page of pages) void page;
  };

  it('in a streamed report page (cost_report)', async () => {
    emu = await startEmulator({ today: TODAY, historyDays: 30, faultRules: [{ kind: 'missing_field', path: 'cost_report', times: 1 }] });
    const client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY });
    const message = await failure(() => readCost(client, addDays(TODAY, -2), TODAY));
    expect(message).toMatch(/unexpected response body/);
    expect(message).toContain(idOf(1));
    expect(message).not.toContain('\n');
  });

  it('in a bucket of a streamed page (a result without its amount)', async () => {
    // The emulator sends no such bucket: a stream of one, as the client hands it out.
    const stream = {
      getJson: () => Promise.reject(new Error('not used')),
      async *streamJson() {
        yield { type: 'item' as const, value: { starting_at: '2025-06-28T00:00:00Z', ending_at: '2025-06-29T00:00:00Z', results: [{ currency: 'USD' }] }, requestId: 'req_streamed_1' };
      },
    };
    const message = await failure(() => drain(paginateReportBuckets(stream, ENDPOINTS.costReport, {}, costResultSchema)));
    expect(message).toMatch(/unexpected response body \(at data\[0\]\.results\[0\]/);
    expect(message).toContain('[request-id req_streamed_1]');
  });

  it('in a whole-body page (Claude Code, workspaces) and in organizations/me', async () => {
    emu = await startEmulator({ today: TODAY, historyDays: 30, faultRules: [{ kind: 'missing_field', times: 1 }] });
    const client = new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY });
    const code = await failure(() => drain(paginateClaudeCode(client, addDays(TODAY, -1))));
    expect(code).toMatch(/answered \/v1\/organizations\/usage_report\/claude_code with an unexpected response body/);
    expect(code).toContain(idOf(1));
    emu.setFaultRules([{ kind: 'missing_field', times: 1 }]);
    const list = await failure(() => drain(paginateList(client, ENDPOINTS.workspaces, {}, workspaceItemSchema)));
    expect(list).toMatch(/unexpected response body/);
    expect(list).toContain(idOf(2));
    // organizations/me has no data array: its malformed form here is a body that is not an object.
    emu.setFaultRules([{ kind: 'invalid_json', times: 1 }]);
    const me = await failure(() => fetchOrganization(new AdminApiClient({ baseUrl: emu!.url, apiKey: EMULATOR_ADMIN_KEY, maxAttempts: 1 })));
    expect(me).toContain(idOf(3));
  });
});
