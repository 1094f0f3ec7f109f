/**
 * The analytics streams against a contract-shaped loopback server (analytics-fake.ts): every table's
 * rows add up to the ungrouped totals, actor ids are stable per actor type, the beta header is sent,
 * requests stay at the minimum the rows need, a 403/404 on the first request is "unavailable", and
 * days before 2026-01-01 or older than 365 days are never planned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planWindows } from '../../src/jobs/windows.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import { newRequestStats } from '../../src/source/types.js';
import { analyticsCostStream } from '../../src/streams/analytics-cost.js';
import { ANALYTICS_FIRST_DAY, analyticsServedFrom } from '../../src/source/analytics-floor.js';
import { StreamUnavailableError } from '../../src/streams/analytics-unavailable.js';
import { analyticsUsageStream } from '../../src/streams/analytics-usage.js';
import { costStream } from '../../src/streams/cost.js';
import type { StreamContext } from '../../src/streams/stream.js';
import { WindowTally } from '../../src/transform/tally.js';
import { sumDecimals } from '../../src/util/money.js';
import type { Row } from '../../src/warehouse/tables.js';
import type { ScriptedServer } from '../source/helpers.js';
import { TEST_KEY } from '../source/helpers.js';
import { fakeAnalytics, type FakeEvent } from './analytics-fake.js';
import { collect } from './collect.js';
import type { DayRange } from '../../src/util/dates.js';

const WINDOW: DayRange = { from: '2026-02-01', to: '2026-02-03' };

const ACTORS = [
  { type: 'user_actor', user_id: 'user_1', email_address: 'ada@example.com', name: 'Ada', deleted: false },
  { type: 'user_actor', user_id: 'user_2', email_address: null, name: 'Deleted user', deleted: true },
  { type: 'service_account_actor', service_account_id: 'svcacct_1' },
  { type: 'federated_actor', subject: null, provider: { type: 'oidc', issuer: 'https://issuer.example' } },
  { type: 'federated_actor', subject: 'arn:aws:iam::1:role/x', provider: { type: 'aws', account_id: '1' } },
  { type: 'api_actor', api_key_id: 'apikey_9' },
];
const EXPECTED_IDS = ['user_1', 'user_2', 'svcacct_1', '{"issuer":"https://issuer.example","type":"oidc"}', 'arn:aws:iam::1:role/x', 'apikey_9'];

/** 3 days × 6 actors × 2 products × 2 keys × 2 token types, with fractional cents. */
function events(): FakeEvent[] {
  const out: FakeEvent[] = [];
  let n = 0;
  for (const day of ['2026-02-01', '2026-02-02', '2026-02-03'] as const) {
    ACTORS.forEach((actor, a) => {
      for (const product of ['messages_api', 'claude_code']) {
        for (const key of ['apikey_1', 'apikey_2']) {
          for (const token_type of ['uncached_input_tokens', 'output_tokens']) {
            n++;
            out.push({
              day,
              group: { actor, product, api_key_id: key, workspace_id: 'wrkspc_1', model: 'claude-sonnet-4', service_tier: 'standard', context_window: '0-200k', cost_type: 'tokens', token_type },
              amount: `${n}.${String(a * 7 + 1).padStart(6, '0')}`,
              list_amount: `${n + 1}.5`,
              tokens: 1000 + n,
            });
          }
        }
      }
    });
  }
  return out;
}

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function ctxFor(url: string): StreamContext {
  const client = new AdminApiClient({ baseUrl: url, apiKey: TEST_KEY, maxAttempts: 1, retryBaseMs: 1 });
  return { client, stats: newRequestStats(), options: { usageBucket: '1d' }, tally: new WindowTally(), organization: null, startedAt: '2026-03-01T00:00:00.000Z' };
}

const byDay = (rows: Row[], col: string) => {
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(String(r.activity_date), [...(m.get(String(r.activity_date)) ?? []), String(r[col])]);
  return new Map([...m].map(([d, v]) => [d, sumDecimals(v)]));
};

describe('analytics streams against the contract', () => {
  it('analytics_cost: by key and by actor each add up to the ungrouped total, to the last digit', async () => {
    const ev = events();
    server = await fakeAnalytics(ev);
    const ctx = ctxFor(server.url);
    const { rows, summary } = await collect(analyticsCostStream.fetchWindow(WINDOW, ctx));
    const totals = rows.get('claude_analytics_daily_totals')!;
    expect(totals.map((t) => t.activity_date)).toEqual(['2026-02-01', '2026-02-02', '2026-02-03']);
    const expected = new Map<string, string>();
    for (const e of ev) expected.set(e.day, sumDecimals([expected.get(e.day) ?? '0', e.amount]));
    for (const t of totals) expect(t.amount_cents, String(t.activity_date)).toBe(expected.get(String(t.activity_date)));
    for (const table of ['claude_cost_by_key', 'claude_cost_by_actor'] as const) {
      expect(byDay(rows.get(table)!, 'amount_cents'), table).toEqual(expected);
      expect(byDay(rows.get(table)!, 'list_amount_cents'), table).toEqual(new Map(totals.map((t) => [String(t.activity_date), String(t.list_amount_cents)])));
    }
    // by key: 2 keys × 2 token types per day; by actor: 6 actors × 2 products per day.
    expect(rows.get('claude_cost_by_key')!.length).toBe(12);
    expect(rows.get('claude_cost_by_actor')!.length).toBe(36);
    expect(summary.centsTotal).toBe(sumDecimals(ev.map((e) => e.amount)));
    // Usage totals ride in the same window's totals rows.
    for (const t of totals) expect(t.total_tokens).toBe(ev.filter((e) => e.day === t.activity_date).reduce((s, e) => s + e.tokens, 0));
    // Beta header on every request; at most 5 counted dimensions (the fake answers 400 otherwise).
    expect(server.requests.every((r) => String(r.headers['anthropic-beta']).includes('analytics-usage-cost-2026-08-24'))).toBe(true);
    // Oldest rows first, so a bucket's rows arrive together (the API's default order is by amount).
    expect(server.requests.map((r) => `${r.url.searchParams.get('order_by')} ${r.url.searchParams.get('order')}`)).toEqual(server.requests.map(() => 'time asc'));
    // The minimum: one page per query (≤1000 rows each) → 4 requests.
    expect(ctx.stats.requests).toBe(4);
  });

  it('analytics_cost: actor columns give every contract actor type a stable id', async () => {
    server = await fakeAnalytics(events());
    const { rows } = await collect(analyticsCostStream.fetchWindow(WINDOW, ctxFor(server.url)));
    const byActor = rows.get('claude_cost_by_actor')!;
    expect([...new Set(byActor.map((r) => r.actor_id))].sort()).toEqual([...EXPECTED_IDS].sort());
    // People are keyed by user_id (always set); the email, which changes, is an attribute.
    const ada = byActor.find((r) => r.actor_id === 'user_1')!;
    expect([ada.actor_type, ada.actor_email, ada.actor_name, ada.actor_deleted]).toEqual(['user_actor', 'ada@example.com', 'Ada', false]);
    expect(ada.extra).toBeNull();
    const deleted = byActor.find((r) => r.actor_id === 'user_2')!;
    expect([deleted.actor_email, deleted.actor_deleted]).toEqual([null, true]);
  });

  it('analytics_usage: tokens per actor add up to the events, pages follow next_page', async () => {
    const ev = events();
    server = await fakeAnalytics(ev);
    const ctx = ctxFor(server.url);
    const { rows } = await collect(analyticsUsageStream.fetchWindow(WINDOW, ctx));
    const usage = rows.get('claude_usage_by_actor')!;
    // actor × product × key per day (token types are a cost-only dimension).
    expect(usage.length).toBe(3 * 6 * 2 * 2);
    for (const day of ['2026-02-01', '2026-02-02', '2026-02-03']) {
      const got = usage.filter((r) => r.activity_date === day).reduce((s, r) => s + Number(r.uncached_input_tokens), 0);
      expect(got).toBe(ev.filter((e) => e.day === day).reduce((s, e) => s + e.tokens, 0));
    }
    expect(server.requests.map((r) => r.url.searchParams.getAll('group_by[]'))[0]).toEqual(['actor', 'product', 'workspace_id', 'model', 'api_key_id']);
    expect(server.requests[0]!.url.searchParams.get('limit')).toBe('1000');
    expect(ctx.stats.requests).toBe(1);
  });

  it.each([403, 404])('a %i on the first request is StreamUnavailableError, not a fatal API error', async (status) => {
    server = await fakeAnalytics([], { status });
    const err = await collect(analyticsUsageStream.fetchWindow(WINDOW, ctxFor(server.url))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamUnavailableError);
    expect((err as StreamUnavailableError).status).toBe(status);
  });
});

describe('the Analytics API date floor', () => {
  it('is 2026-01-01, or 364 days back once that is later', () => {
    expect(analyticsServedFrom('2026-03-15')).toBe(ANALYTICS_FIRST_DAY);
    expect(analyticsServedFrom('2027-06-30')).toBe('2026-07-01');
  });

  it('a backfill over older days plans the legacy streams only there', () => {
    const opts = { usageBucket: '1d' as const };
    const { tasks } = planWindows({ streams: [costStream, analyticsCostStream], range: { from: '2025-11-01', to: '2026-01-10' }, ledger: [], options: opts, refresh: false, today: '2026-01-10' });
    const analytics = tasks.filter((t) => t.stream.name === 'analytics_cost').map((t) => t.window);
    expect(analytics).toEqual([{ from: '2026-01-01', to: '2026-01-10' }]);
    expect(tasks.filter((t) => t.stream.name === 'cost').map((t) => t.window.from)[0]).toBe('2025-11-01');
    const none = planWindows({ streams: [analyticsCostStream], range: { from: '2025-06-01', to: '2025-12-31' }, ledger: [], options: opts, refresh: false, today: '2026-01-10' });
    expect(none.tasks).toEqual([]);
    expect(none.skippedDays).toBe(0);
  });
});
