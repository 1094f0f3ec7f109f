import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { allRows, analytics, type AnalyticsRow, BETA_HEADERS, canonical, sumBy } from './analytics-helpers.js';
import { get, HEADERS } from './helpers.js';

const TODAY = '2026-03-15';
const WEEK = { starting_at: '2026-03-02T00:00:00Z', ending_at: '2026-03-09T00:00:00Z', time_bucket_width: '1d' };
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ today: TODAY, historyDays: 120, seed: 11 });
});
afterAll(() => emu.close());

async function expect400(kind: 'cost' | 'usage', params: Record<string, string | string[] | number>, message: RegExp): Promise<void> {
  const r = await analytics(emu, kind, params);
  expect(r.status).toBe(400);
  expect(r.json.error.type).toBe('invalid_request_error');
  expect(r.json.error.message).toMatch(message);
}

describe('analytics request rules', () => {
  it('requires the beta header', async () => {
    const r = await get(emu, 'analytics/cost', WEEK, HEADERS);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('analytics-usage-cost-2026-08-24');
    expect((await get(emu, 'analytics/cost', WEEK, { ...HEADERS, 'anthropic-beta': 'other-beta,analytics-usage-cost-2026-08-24' })).status).toBe(200);
  });

  it('allows at most 5 group_by dimensions; cost_type and token_type are free on the cost endpoint only', async () => {
    const five = ['actor', 'product', 'workspace_id', 'model', 'api_key_id'];
    await expect400('cost', { ...WEEK, group_by: [...five, 'speed'] }, /more than 5 group_by/);
    expect((await analytics(emu, 'cost', { ...WEEK, group_by: [...five, 'cost_type', 'token_type'] })).status).toBe(200);
    await expect400('usage', { ...WEEK, group_by: ['model', 'token_type'] }, /token_type/);
    await expect400('cost', { ...WEEK, group_by: ['description'] }, /not a valid dimension/);
  });

  it('caps the range at 31 days, 24 hours with 1m, and rejects an empty range', async () => {
    await expect400('cost', { starting_at: '2026-01-01T00:00:00Z', ending_at: '2026-02-02T00:00:00Z' }, /31 days/);
    expect((await analytics(emu, 'cost', { starting_at: '2026-01-01T00:00:00Z', ending_at: '2026-02-01T00:00:00Z' })).status).toBe(200);
    await expect400('usage', { starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-02T01:00:00Z', time_bucket_width: '1m' }, /24 hours/);
    expect((await analytics(emu, 'usage', { starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-02T00:00:00Z', time_bucket_width: '1m' })).status).toBe(200);
    await expect400('cost', { starting_at: '2026-03-02T00:00:00Z', ending_at: '2026-03-01T00:00:00Z' }, /after starting_at/);
    await expect400('cost', { ...WEEK, time_bucket_width: '1w' }, /time_bucket_width/);
  });

  it('serves nothing before 2026-01-01 or older than 365 days', async () => {
    await expect400('cost', { starting_at: '2025-12-31T23:00:00Z', ending_at: '2026-01-02T00:00:00Z' }, /2026-01-01/);
    const later = await startEmulator({ today: '2027-03-01', historyDays: 500, seed: 11 });
    try {
      expect(later.truth.analytics.firstServedDay).toBe('2026-03-01');
      const r = await get(later, 'analytics/usage', { starting_at: '2026-02-27T00:00:00Z', ending_at: '2026-03-05T00:00:00Z' }, BETA_HEADERS);
      expect([r.status, r.json.error.message]).toEqual([400, expect.stringMatching(/365 days/)]);
      expect((await get(later, 'analytics/usage', { starting_at: '2026-03-01T00:00:00Z', ending_at: '2026-03-05T00:00:00Z' }, BETA_HEADERS)).status).toBe(200);
    } finally {
      await later.close();
    }
  });

  it('limit is 1..1000 rows and counts rows, not the cost_type/token_type split', async () => {
    await expect400('cost', { ...WEEK, limit: 0 }, /limit/);
    await expect400('cost', { ...WEEK, limit: 1001 }, /limit/);
    const r = await analytics(emu, 'cost', { ...WEEK, group_by: ['api_key_id', 'cost_type', 'token_type'], limit: 2 });
    const rows = r.json.data as AnalyticsRow[];
    const groups = new Set(rows.map((x) => `${x.starting_at}|${x.group.api_key_id}`));
    expect(groups.size).toBe(2);
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.every((x) => x.cost!.requests === null)).toBe(true);
    expect((await analytics(emu, 'usage', { ...WEEK, group_by: ['actor'], limit: 3 })).json.data).toHaveLength(3);
  });

  it('pages through every row once, in the same order as one big page', async () => {
    const params = { ...WEEK, group_by: ['actor', 'product', 'cost_type'] };
    const one = await allRows(emu, 'cost', { ...params, limit: 1000 });
    const paged = await allRows(emu, 'cost', { ...params, limit: 7 });
    expect(one.pages).toBe(1);
    expect(paged.pages).toBeGreaterThan(3);
    expect(paged.rows).toEqual(one.rows);
    const amounts = (await allRows(emu, 'cost', { ...WEEK, group_by: ['api_key_id'] })).rows.map((x) => Number(x.cost!.amount));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a)); // amount desc by default
    const timed = (await allRows(emu, 'usage', { ...WEEK, group_by: ['model'], order_by: 'time', order: 'asc' })).rows.map((x) => x.starting_at);
    expect(timed).toEqual([...timed].sort());
  });

  it('filters by key, workspace, model, product and actor type', async () => {
    const byKey = (await allRows(emu, 'cost', { ...WEEK, group_by: ['api_key_id'] })).rows;
    const key = byKey[0]!.group.api_key_id!;
    const only = (await allRows(emu, 'cost', { ...WEEK, api_key_ids: [key] })).rows;
    expect(sumBy(only, (x) => x.starting_at)).toEqual(sumBy(byKey.filter((x) => x.group.api_key_id === key), (x) => x.starting_at));
    const chat = (await allRows(emu, 'usage', { ...WEEK, products: ['chat'], group_by: ['product', 'workspace_id'] })).rows;
    expect(chat.length).toBeGreaterThan(0);
    expect(chat.every((x) => x.group.product === 'chat' && x.group.workspace_id === null)).toBe(true);
    const svc = (await allRows(emu, 'cost', { ...WEEK, actor_types: ['service_account_actor'], group_by: ['actor'] })).rows;
    expect(svc.every((x) => x.group.actor!.type === 'service_account_actor')).toBe(true);
    const defaultWs = (await allRows(emu, 'cost', { ...WEEK, workspace_ids: [emu.truth.analytics.defaultWorkspaceId], group_by: ['workspace_id'] })).rows;
    expect(defaultWs.length).toBeGreaterThan(0);
    expect(defaultWs.every((x) => x.group.workspace_id === emu.truth.analytics.defaultWorkspaceId)).toBe(true);
    expect((await allRows(emu, 'cost', { ...WEEK, models: ['no-such-model'] })).rows).toEqual([]);
    await expect400('cost', { ...WEEK, products: ['claude_gadget'] }, /products/);
  });

  it('rows without a time bucket cover whole hours; pages carry data_refreshed_at', async () => {
    const r = await analytics(emu, 'cost', { starting_at: '2026-03-02T10:17:00Z', ending_at: '2026-03-03T08:45:00Z' });
    expect(r.json.data[0]).toMatchObject({ starting_at: '2026-03-02T10:00:00Z', ending_at: '2026-03-03T08:00:00Z' });
    expect(r.json).toMatchObject({ has_more: false, next_page: null, data_refreshed_at: expect.stringMatching(/^2026-03-15T/) });
  });
});

describe('analytics cursors, faults and availability', () => {
  it('rejects a cursor from another query or a tampered one', async () => {
    const first = await analytics(emu, 'cost', { ...WEEK, group_by: ['api_key_id'], limit: 2 });
    expect(first.json.has_more).toBe(true);
    await expect400('cost', { ...WEEK, group_by: ['model'], limit: 2, page: first.json.next_page }, /page/);
    const payload = JSON.parse(Buffer.from(first.json.next_page as string, 'base64url').toString('utf8')) as { v: number };
    const tampered = Buffer.from(JSON.stringify({ ...payload, v: payload.v + 1 })).toString('base64url');
    await expect400('cost', { ...WEEK, group_by: ['api_key_id'], limit: 2, page: tampered }, /page/);
  });

  it('an expired cursor answers 410 and the query restarts from page 1', async () => {
    emu.setFaultRules([{ kind: '410_expired_cursor', path: 'analytics/cost', times: 1 }]);
    try {
      const params = { ...WEEK, group_by: ['api_key_id'], limit: 2 };
      const first = await analytics(emu, 'cost', params); // no cursor: never expired
      expect(first.status).toBe(200);
      const expired = await analytics(emu, 'cost', { ...params, page: first.json.next_page });
      expect(expired.status).toBe(410);
      expect(expired.headers.get('request-id')).toBeTruthy();
      const again = await analytics(emu, 'cost', params);
      expect(again.text).toBe(first.text);
      expect((await analytics(emu, 'cost', { ...params, page: again.json.next_page })).status).toBe(200);
    } finally {
      emu.setFaultRules([]);
    }
  });

  it('transient faults and the rate limit apply as on the legacy reports', async () => {
    emu.setFaultRules([{ kind: '503', path: 'analytics/usage', day: '2026-03-04', times: 1 }]);
    expect((await analytics(emu, 'usage', WEEK)).status).toBe(503);
    expect((await analytics(emu, 'usage', WEEK)).status).toBe(200);
    emu.setFaultRules([]);
    const limited = await startEmulator({ today: TODAY, seed: 11, rateLimit: { rpm: 6, burst: 1 } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await get(limited, 'analytics/cost', WEEK, BETA_HEADERS)).status);
      expect(statuses).toContain(429);
      expect(limited.stats().byEndpoint['analytics/cost']).toBe(3);
    } finally {
      await limited.close();
    }
  });

  it.each([[403, 'permission_error'], [404, 'not_found_error'], [false, 'not_found_error']] as const)('analyticsAvailable %s answers %s on both endpoints', async (setting, kind) => {
    const off = await startEmulator({ today: TODAY, seed: 11, analyticsAvailable: setting });
    try {
      for (const ep of ['analytics/cost', 'analytics/usage']) {
        const r = await get(off, ep, WEEK, BETA_HEADERS);
        expect([r.status, r.json.error.type]).toEqual([setting === 403 ? 403 : 404, kind]);
      }
      expect((await get(off, 'cost_report', { starting_at: '2026-03-01T00:00:00Z' })).status).toBe(200);
    } finally {
      await off.close();
    }
  });

  it('same seed, same bodies; --drift adds unknown fields and keeps every known figure', async () => {
    const twin = await startEmulator({ today: TODAY, historyDays: 120, seed: 11 });
    const drift = await startEmulator({ today: TODAY, historyDays: 120, seed: 11, drift: true });
    try {
      const params = { ...WEEK, group_by: ['actor', 'product', 'cost_type'], limit: 50 };
      const a = await analytics(emu, 'cost', params);
      expect((await get(twin, 'analytics/cost', params, BETA_HEADERS)).text).toBe(a.text);
      const u = { ...WEEK, group_by: ['api_key_id'] };
      expect((await get(twin, 'analytics/usage', u, BETA_HEADERS)).text).toBe((await analytics(emu, 'usage', u)).text);
      const d = await get(drift, 'analytics/cost', params, BETA_HEADERS);
      expect(d.json.data[0].cost.credits_applied).toBe('0');
      expect(d.json.future_top_level_field).toBeDefined();
      expect(canonical(sumBy(d.json.data, (x) => actorKeyOf(x)))).toEqual(canonical(sumBy(a.json.data, (x) => actorKeyOf(x))));
      const du = await get(drift, 'analytics/usage', u, BETA_HEADERS);
      expect(du.json.data[0].usage.server_tool_use.web_fetch_requests).toEqual(expect.any(Number));
    } finally {
      await twin.close();
      await drift.close();
    }
  });
});

const actorKeyOf = (x: AnalyticsRow) => `${x.starting_at}|${JSON.stringify(x.group.actor)}|${x.group.product}|${x.group.cost_type}`;
