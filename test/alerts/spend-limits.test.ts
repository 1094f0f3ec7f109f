/**
 * Spend limits as budgets, end to end: the emulator's usage-tier cap and a weekly organization limit
 * (limits stream) judged by `claude-ingest alerts` without any budget configured: 80/90/100 % each
 * fire exactly once per limit and period (rule spend_limit, the threshold as level), delivered to a
 * loopback webhook; `report --by spend_limit` shows the same spent and share with a forecast.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleApi } from '../../src/dashboard/api.js';
import type { LimitsAnswer } from '../../src/dashboard/api.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { startHttpReceiver, type HttpReceiver } from './receivers.js';

const STREAMS = ['--streams', 'cost,usage,limits'];
let w: FilledWarehouse;
let hook: HttpReceiver;
let capCents: Decimal;
const WEEKLY_CENTS = '100';

const mtd = (day: string) => new Decimal(w.emu.truth.costCentsRange(`${day.slice(0, 7)}-01`, day));

beforeAll(async () => {
  // The cap is set from the ground truth so that 2026-03-20's month to date is 85 % of it.
  const probe = await fillWarehouse({ today: '2026-03-31', from: '2026-03-30', seed: 5, args: ['--streams', 'org'] });
  capCents = new Decimal(probe.emu.truth.costCentsRange('2026-03-01', '2026-03-20')).div('0.85').floor();
  await probe.close();
  w = await fillWarehouse({
    today: '2026-03-31',
    from: '2026-02-01',
    to: '2026-03-05',
    seed: 5,
    args: STREAMS,
    emulator: { spendCapCents: capCents.toFixed(), spendLimits: [{ amountCents: WEEKLY_CENTS, period: 'weekly' }, { amountCents: '1', period: 'daily', enabled: false }] },
  });
  hook = await startHttpReceiver();
}, 120_000);
afterAll(async () => {
  await hook?.close();
  await w?.close();
});

function config(): string {
  const path = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(path, `alerts:\n  anomalies: { daily_spend: false, new_spender: false }\n  data_health: false\n  notify:\n    - webhook: { url: "\${HOOK_URL}" }\n`);
  return path;
}

async function step(today: string, args: string[]) {
  const env = { ...w.env, CLAUDE_INGEST_TODAY: today, HOOK_URL: hook.url, CLAUDE_INGEST_RETRY_BASE_MS: '5' };
  const b = await runCli(['backfill', '--from', '2026-02-01', '--to', today, ...STREAMS, '--warehouse', w.url], env);
  expect(b.code, b.stderr).toBe(0);
  return runCli([...args, '--warehouse', w.url], env);
}

type Body = { event: { key: string; rule: string; subject: string; period: string; level: string; figures: Record<string, unknown> } };
const sent = () => hook.received.map((r) => (JSON.parse(r.body) as Body).event).filter((e) => e.rule === 'spend_limit');

describe('spend limits as budgets', () => {
  it('dry run at 85 % of the usage-tier cap lists spend_limit / 80', async () => {
    const r = await step('2026-03-20', ['alerts', '--config', config(), '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = (JSON.parse(r.stdout) as { events: Body['event'][] }).events.filter((e) => e.rule === 'spend_limit' && e.figures.scope_type === 'usage_tier');
    expect(events.map((e) => [e.rule, e.level, e.period])).toEqual([['spend_limit', '80', '2026-03']]);
    const f = events[0]!.figures;
    expect(new Decimal(String(f.spent_usd)).eq(mtd('2026-03-20').div(100))).toBe(true);
    expect(new Decimal(String(f.amount_usd)).eq(capCents.div(100))).toBe(true);
    expect(Number(f.percent)).toBeGreaterThanOrEqual(84.99);
    expect(Number(f.percent)).toBeLessThan(85.01);
    expect(f.forecast_usd).not.toBeNull();
    expect(hook.received).toHaveLength(0);
  });

  it('each threshold exactly once per limit and period through the month; escalation; the disabled limit never fires', async () => {
    const cfg = config();
    const walk = ['2026-03-10', '2026-03-20', '2026-03-20', '2026-03-24', '2026-03-27', '2026-03-31', '2026-03-31'];
    for (const day of walk) {
      const r = await step(day, ['alerts', '--config', cfg]);
      expect(r.code, r.stderr).toBe(0);
      const tier = sent().filter((e) => e.figures.scope_type === 'usage_tier');
      const share = mtd(day).times(100).div(capCents);
      const expected = [80, 90, 100].filter((t) => share.gte(t));
      // Every level sent is one the month to date has crossed, and the highest crossed has been sent.
      for (const e of tier) expect(share.gte(Number(e.level)), `${day} ${e.level}`).toBe(true);
      if (expected.length > 0) expect(tier.map((e) => e.level)).toContain(String(expected.at(-1)));
    }
    const keys = sent().map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    const tier = sent().filter((e) => e.figures.scope_type === 'usage_tier');
    expect(tier.map((e) => e.level).at(-1)).toBe(mtd('2026-03-31').gte(capCents) ? '100' : tier.map((e) => e.level).at(-1));
    // The weekly $1 limit: crossed in every week walked, once per week (the period is the Monday); on
    // Tuesday 2026-03-10 the week before is judged too, its last day having just completed.
    const weekly = sent().filter((e) => e.figures.period_kind === 'weekly');
    expect(weekly.map((e) => `${e.period} ${e.level}`)).toEqual(['2026-03-02 100', '2026-03-09 100', '2026-03-16 100', '2026-03-23 100', '2026-03-30 100']);
    expect(sent().some((e) => e.figures.period_kind === 'daily')).toBe(false);
  });

  it('report --by spend_limit: spent, share, forecast and the day it is reached', async () => {
    const r = await step('2026-03-20', ['report', '--by', 'spend_limit', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: Array<Record<string, string | number | null>> }).rows;
    const tier = rows.find((x) => String(x.limit).startsWith('usage-tier'))!;
    expect(new Decimal(String(tier.spent_usd)).eq(mtd('2026-03-20').div(100))).toBe(true);
    expect(tier.share_pct).toBeGreaterThanOrEqual(84.99);
    expect(Number(tier.forecast_usd)).toBeGreaterThan(Number(tier.spent_usd));
    // At 85 % on the 20th, the current rate reaches the cap before the month ends.
    expect(String(tier.reached_on) > '2026-03-20' && String(tier.reached_on) <= '2026-03-31').toBe(true);
    const weekly = rows.find((x) => x.period_from === '2026-03-16')!;
    expect(weekly.reached_on).toBe('2026-03-16');
  });

  it('the dashboard (/api/limits) shows each limit as the report does', async () => {
    const r = await step('2026-03-20', ['report', '--by', 'spend_limit', '--format', 'json']);
    const rows = (JSON.parse(r.stdout) as { rows: Array<Record<string, string | number | null>> }).rows;
    const wh = await openWarehouse(w.url, { readOnly: true });
    try {
      const a = (await handleApi('/api/limits', { wh, query: new URLSearchParams(), today: '2026-03-20' })) as LimitsAnswer;
      expect(a.spend_limits.map((x) => [x.limit, x.spent_usd, x.forecast_usd, x.reached_on])).toEqual(rows.map((x) => [x.limit, x.spent_usd, x.forecast_usd, x.reached_on]));
      expect(a.spend_limits.length).toBeGreaterThanOrEqual(2);
    } finally {
      await wh.close();
    }
  });
});
