import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { addDays, eachDay } from '../../src/util/dates.js';
import { ExactDecimal as Decimal } from '../../src/util/money.js';
import { actorKey, allRows, type AnalyticsRow, byDay, canonical, sumBy, tokenSums } from './analytics-helpers.js';

const TODAY = '2026-03-15';
const FROM = '2026-03-02';
const DAYS = eachDay(FROM, TODAY);
const RANGE = { starting_at: `${FROM}T00:00:00Z`, ending_at: `${addDays(TODAY, 1)}T00:00:00Z`, time_bucket_width: '1d' };
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ today: TODAY, historyDays: 120, seed: 7 });
});
afterAll(() => emu.close());

const cost = (groupBy: string[], extra = {}) => allRows(emu, 'cost', { ...RANGE, group_by: groupBy, ...extra }).then((r) => r.rows);

describe('analytics/cost: every grouping sums to the same daily totals', () => {
  it('ungrouped daily rows equal the ground truth, amount and list amount', async () => {
    const rows = await cost([]);
    expect(rows.map(byDay).sort()).toEqual(DAYS);
    for (const r of rows) {
      expect(r.cost!.currency).toBe('USD');
      expect(r.cost!.amount).toBe(emu.truth.analytics.costCents(byDay(r)));
      expect(r.cost!.list_amount).toBe(emu.truth.analytics.listCostCents(byDay(r)));
      expect(new Decimal(r.cost!.list_amount).gte(r.cost!.amount)).toBe(true);
      expect(r.cost!.requests).toBeGreaterThan(0);
    }
  });

  it.each([
    [['api_key_id']],
    [['actor']],
    [['product']],
    [['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window'], { cost_type: true, token_type: true }],
    [['actor', 'product', 'workspace_id', 'model'], { cost_type: true }],
    [['actor_type', 'inference_geo', 'speed', 'organization_id', 'agent_id'], { token_type: true }],
  ] as Array<[string[], { cost_type?: boolean; token_type?: boolean }?]>)('group_by %j (+ %j) sums exactly per day', async (dims, fan = {}) => {
    const groupBy = [...dims, ...(fan.cost_type ? ['cost_type'] : []), ...(fan.token_type ? ['token_type'] : [])];
    const rows = await cost(groupBy);
    const perDay = sumBy(rows, byDay);
    const listPerDay = sumBy(rows, byDay, 'list_amount');
    for (const day of DAYS) {
      expect(perDay.get(day)).toBe(new Decimal(emu.truth.analytics.costCents(day)).toFixed());
      expect(listPerDay.get(day)).toBe(new Decimal(emu.truth.analytics.listCostCents(day)).toFixed());
    }
    const split = fan.cost_type || fan.token_type;
    expect(rows.every((r) => (split ? r.cost!.requests === null : typeof r.cost!.requests === 'number'))).toBe(true);
    if (fan.cost_type) expect(new Set(rows.map((r) => r.group.cost_type))).toEqual(new Set(['tokens', 'web_search', 'code_execution', 'session_usage']));
  });

  it('per key, per actor and per product match the ground truth maps', async () => {
    const [byKey, byActor, byProduct] = await Promise.all([cost(['api_key_id']), cost(['actor']), cost(['product'])]);
    for (const day of DAYS) {
      const of = (rows: AnalyticsRow[]) => rows.filter((r) => byDay(r) === day);
      expect(sumBy(of(byKey), (r) => r.group.api_key_id)).toEqual(canonical(emu.truth.analytics.costCentsByApiKey(day)));
      expect(sumBy(of(byActor), (r) => actorKey(r.group.actor!))).toEqual(canonical(emu.truth.analytics.costCentsByActor(day)));
      expect(sumBy(of(byProduct), (r) => r.group.product)).toEqual(canonical(emu.truth.analytics.costCentsByProduct(day)));
    }
  });

  it('hourly and minute buckets, and one row over the whole range, add up to the daily totals', async () => {
    const day = addDays(TODAY, -3);
    const hourly = (await allRows(emu, 'cost', { starting_at: `${day}T00:00:00Z`, ending_at: `${addDays(day, 1)}T00:00:00Z`, time_bucket_width: '1h' })).rows;
    expect(hourly.length).toBeGreaterThan(3);
    expect(hourly.every((r) => Date.parse(r.ending_at) - Date.parse(r.starting_at) === 3_600_000)).toBe(true);
    expect(sumBy(hourly, () => day).get(day)).toBe(new Decimal(emu.truth.analytics.costCents(day)).toFixed());
    const minutes = (await allRows(emu, 'cost', { starting_at: `${day}T00:00:00Z`, ending_at: `${addDays(day, 1)}T00:00:00Z`, time_bucket_width: '1m' })).rows;
    expect(sumBy(minutes, () => day).get(day)).toBe(new Decimal(emu.truth.analytics.costCents(day)).toFixed());

    const whole = (await allRows(emu, 'cost', { starting_at: RANGE.starting_at, ending_at: RANGE.ending_at })).rows;
    expect(whole).toHaveLength(1);
    expect([whole[0]!.starting_at, whole[0]!.ending_at]).toEqual([RANGE.starting_at, RANGE.ending_at]);
    const total = DAYS.reduce((s, d) => s.plus(emu.truth.analytics.costCents(d)), new Decimal(0));
    expect(whole[0]!.cost!.amount).toBe(total.toFixed());
  });

  it('API spend equals cost_report to the last digit; the subscription products are the whole difference', async () => {
    const rows = await cost(['product', 'api_key_id']);
    const subscription = new Set(['chat', 'cowork', 'claude_in_chrome', 'claude_code']);
    const isSub = (r: AnalyticsRow) => r.group.api_key_id === null && subscription.has(r.group.product ?? '');
    const api = sumBy(rows.filter((r) => !isSub(r)), byDay);
    const sub = sumBy(rows.filter(isSub), byDay);
    for (const day of DAYS) {
      expect(api.get(day)).toBe(new Decimal(emu.truth.costCents(day)).toFixed());
      // A quiet weekend can have no subscription spend at all: then the two APIs agree exactly.
      expect(sub.get(day) ?? '0').toBe(new Decimal(emu.truth.analytics.costCentsNotInCostReport(day)).toFixed());
      expect(new Decimal(emu.truth.costCents(day)).plus(sub.get(day) ?? '0').toFixed()).toBe(new Decimal(emu.truth.analytics.costCents(day)).toFixed());
    }
  });

  it('attributes spend to every actor type, a deleted user, keys and both kinds of workspace', async () => {
    const rows = await cost(['actor', 'workspace_id', 'product']);
    const actors = rows.map((r) => r.group.actor!);
    expect(new Set(actors.map((a) => a.type))).toEqual(new Set(['user_actor', 'service_account_actor', 'federated_actor', 'api_actor']));
    expect(actors).toContainEqual(expect.objectContaining({ type: 'user_actor', deleted: true, email_address: null, name: 'Deleted User' }));
    expect(actors).toContainEqual(expect.objectContaining({ type: 'federated_actor', subject: null, provider: expect.objectContaining({ type: 'oidc' }) }));
    expect(rows.some((r) => r.group.workspace_id === emu.truth.analytics.defaultWorkspaceId)).toBe(true);
    expect(rows.some((r) => r.group.workspace_id === null && r.group.product === 'chat')).toBe(true);
    expect(rows.some((r) => r.group.product === null)).toBe(true); // code execution
    for (const r of rows) for (const f of ['api_key_id', 'model', 'agent_id', 'cost_type', 'token_type']) expect(r.group[f]).toBeNull();
  });
});

describe('late corrections', () => {
  it('a revision changes the last days in the API and the ground truth alike', async () => {
    const params = { starting_at: `${addDays(TODAY, -3)}T00:00:00Z`, ending_at: `${addDays(TODAY, 1)}T00:00:00Z`, time_bucket_width: '1d', group_by: ['actor'] };
    const before = sumBy((await allRows(emu, 'cost', params)).rows, byDay);
    emu.setRevision(1);
    try {
      const after = sumBy((await allRows(emu, 'cost', params)).rows, byDay);
      expect(after.get(TODAY)).not.toBe(before.get(TODAY));
      expect(after.get(addDays(TODAY, -3))).toBe(before.get(addDays(TODAY, -3)));
      for (const [day, cents] of after) expect(cents).toBe(new Decimal(emu.truth.analytics.costCents(day)).toFixed());
    } finally {
      emu.setRevision(0);
    }
  });
});

describe('analytics/usage: every grouping sums to the same daily totals', () => {
  it('ungrouped, per actor and a five-dimension grouping match the ground truth', async () => {
    const plain = (await allRows(emu, 'usage', RANGE)).rows;
    const byActor = (await allRows(emu, 'usage', { ...RANGE, group_by: ['actor'] })).rows;
    const wide = (await allRows(emu, 'usage', { ...RANGE, group_by: ['actor', 'product', 'workspace_id', 'model', 'api_key_id'] })).rows;
    expect(plain.map(byDay).sort()).toEqual(DAYS);
    for (const day of DAYS) {
      const { requests, total_tokens, ...tokens } = emu.truth.analytics.usage(day);
      const row = plain.find((r) => byDay(r) === day)!;
      expect(tokenSums([row])).toEqual(tokens);
      expect([row.usage!.requests, row.usage!.total_tokens]).toEqual([requests, total_tokens]);
      const of = (rows: AnalyticsRow[]) => rows.filter((r) => byDay(r) === day);
      expect(tokenSums(of(wide))).toEqual(tokens);
      expect(of(wide).reduce((s, r) => s + r.usage!.total_tokens, 0)).toBe(total_tokens);
      const perActor = new Map(of(byActor).map((r) => [actorKey(r.group.actor!), tokenSums([r])]));
      expect(perActor).toEqual(emu.truth.analytics.usageByActor(day));
    }
  });

  it('includes every legacy usage token (priority tier too) plus the subscription products', async () => {
    const rows = (await allRows(emu, 'usage', { ...RANGE, group_by: ['api_key_id', 'product'] })).rows;
    const keyed = rows.filter((r) => r.group.api_key_id !== null || r.group.product === 'claude_console');
    for (const day of DAYS) expect(tokenSums(keyed.filter((r) => byDay(r) === day))).toEqual(emu.truth.tokens(day));
  });
});
