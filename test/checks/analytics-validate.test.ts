/**
 * validate's analytics proofs on a warehouse backfilled from the emulator (legacy and analytics
 * streams): clean, they pass (cross-api bridges the analytics cost of the products cost_report bills to
 * it, and names the subscription products outside it); each planted defect makes exactly the matching
 * check FAIL (or cross-api WARN, naming the product), with figures computed from the ground truth.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/check.js';
import { eachDay, type IsoDay } from '../../src/util/dates.js';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, plantedCopy, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-02-20';
const FROM = '2026-02-01';
const DAY = '2026-02-10';
const ANALYTICS = ['analytics-completeness', 'cross-api', 'focus-single-source'];

let w: FilledWarehouse;
let copies = 0;
beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 5, args: ['--streams', 'cost,analytics_cost,analytics_usage'] });
});
afterAll(async () => {
  await w?.close();
});

async function validate(file: string): Promise<{ code: number; byId: (id: string) => CheckResult; results: CheckResult[] }> {
  const res = await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`, '--from', FROM, '--to', addDay(TODAY, -1)], w.env);
  const doc = JSON.parse(res.stdout) as { results: CheckResult[] };
  return { code: res.code, results: doc.results, byId: (id) => doc.results.find((r) => r.id === id)! };
}
const addDay = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10) as IsoDay;
const planted = (...sql: string[]) => plantedCopy(w, `analytics-defect-${++copies}.duckdb`, ...sql);

describe('validate: analytics proofs', () => {
  it('a clean backfill passes; cross-api bridges every day and names what lies outside cost_report', async () => {
    const v = await validate(w.file);
    expect(ANALYTICS.map((id) => [id, v.byId(id).status])).toEqual([
      ['analytics-completeness', 'PASS'],
      ['cross-api', 'PASS'],
      ['focus-single-source', 'PASS'],
    ]);
    const t = w.emu.truth;
    const days = eachDay(FROM, addDay(TODAY, -1));
    // The two totals do differ (subscription products), so the PASS is the bridge, not equal totals.
    expect(days.filter((d) => !new Decimal(t.analytics.costCents(d)).eq(t.costCents(d))).length).toBeGreaterThan(0);
    const r = v.byId('cross-api');
    expect(r.figure).toBe(`${days.length} days bridged`);
    const legacyUsd = days.reduce((s, d) => s.plus(t.costCents(d)), new Decimal(0)).div(100);
    const fmt = (x: Decimal) => `$${x.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
    expect(r.detail).toContain(`bridged: API ${fmt(legacyUsd)} = cost_report ${fmt(legacyUsd)}; outside cost_report: `);
    // Each outside part equals the emulator's subscription spend per product.
    const outside = (p: string) => days.reduce((s, d) => s.plus(t.analytics.costCentsByProduct(d).get(p as never) ?? '0'), new Decimal(0)).div(100);
    expect(r.detail).toContain(`chat ${fmt(outside('chat'))}`);
    const notInReport = days.reduce((s, d) => s.plus(t.analytics.costCentsNotInCostReport(d)), new Decimal(0));
    const named = [...r.detail.matchAll(/(?:chat|Cowork|Claude in Chrome|Claude Code on subscription) \$([\d,]+\.\d{2})/g)].reduce((s, m) => s.plus(m[1]!.replace(/,/g, '')), new Decimal(0));
    expect(named.minus(notInReport.div(100)).abs().lte(0.02)).toBe(true);
    // gaps: this warehouse holds only the cost streams, so the usage and Claude Code streams are missing.
    expect(v.results.filter((r) => r.status === 'FAIL').map((r) => r.id)).toEqual(['gaps']);
  });

  it('cross-api warns naming the day, the product and the amount when one product\'s day is altered', async () => {
    const batch = await planted(
      `UPDATE claude_cost_by_actor SET amount_cents = amount_cents + 123.5, amount_usd = amount_usd + 1.235 WHERE activity_date = DATE '${DAY}' AND product = 'message_batches_api' AND cost_type = 'tokens' AND rowid = (SELECT MIN(rowid) FROM claude_cost_by_actor WHERE activity_date = DATE '${DAY}' AND product = 'message_batches_api' AND cost_type = 'tokens')`,
    );
    const r = (await validate(batch)).byId('cross-api');
    expect(r.status).toBe('WARN');
    expect(r.days).toEqual([DAY]);
    expect(r.figure).toBe(`1 of ${eachDay(FROM, addDay(TODAY, -1)).length} days differ`);
    expect(r.detail).toMatch(new RegExp(`^${DAY} Batch API tokens \\(message_batches_api \\$[\\d,.]+\\): API [\\d.]+ vs cost_report [\\d.]+ cents \\(123\\.5\\)`));
    // A subscription product's change is outside cost_report: shown, never judged.
    const chat = await planted(`UPDATE claude_cost_by_actor SET amount_cents = amount_cents + 500, amount_usd = amount_usd + 5 WHERE activity_date = DATE '${DAY}' AND product = 'chat'`);
    expect((await validate(chat)).byId('cross-api').status).toBe('PASS');
    // Lost code-execution spend in cost_report names code execution.
    const code = await planted(`DELETE FROM claude_costs WHERE activity_date = DATE '${addDay(DAY, 1)}' AND cost_type = 'code_execution'`);
    const c = (await validate(code)).byId('cross-api');
    expect(c.status).toBe('WARN');
    expect(c.days).toEqual([addDay(DAY, 1)]);
    expect(c.detail).toContain(`${addDay(DAY, 1)} code execution (code execution $`);
  });

  it('a lost cost-by-key row fails analytics-completeness for that day, by exactly its amount', async () => {
    const file = await planted(
      `CREATE TABLE lost AS SELECT * FROM claude_cost_by_key WHERE activity_date = DATE '${DAY}' ORDER BY amount_cents DESC LIMIT 1`,
      `DELETE FROM claude_cost_by_key WHERE activity_date = DATE '${DAY}' AND amount_cents = (SELECT amount_cents FROM lost)`,
    );
    const v = await validate(file);
    const r = v.byId('analytics-completeness');
    expect(r.status).toBe('FAIL');
    expect(r.days).toEqual([DAY]);
    expect(r.detail).toContain(`claude_cost_by_key ${DAY} amount_cents`);
    expect(r.detail).toContain(`vs total ${new Decimal(w.emu.truth.analytics.costCents(DAY)).toFixed()}`);
    expect(v.byId('cross-api').status).toBe('PASS');
  });

  it('a doubled cost-by-actor row and lost usage tokens fail it too', async () => {
    const file = await planted(
      `INSERT INTO claude_cost_by_actor SELECT * FROM claude_cost_by_actor WHERE activity_date = DATE '${DAY}' LIMIT 1`,
      `UPDATE claude_usage_by_actor SET output_tokens = output_tokens + 7 WHERE activity_date = DATE '${addDay(DAY, 1)}' AND rowid = (SELECT MIN(rowid) FROM claude_usage_by_actor WHERE activity_date = DATE '${addDay(DAY, 1)}')`,
    );
    const r = (await validate(file)).byId('analytics-completeness');
    expect(r.status).toBe('FAIL');
    expect(r.days).toEqual([DAY, addDay(DAY, 1)]);
    expect(r.detail).toContain(`claude_usage_by_actor ${addDay(DAY, 1)} output_tokens: rows ${w.emu.truth.analytics.usage(addDay(DAY, 1)).output_tokens + 7}`);
  });

  it('a FOCUS view that adds claude_costs on top of claude_cost_by_key fails focus-single-source', async () => {
    const file = await planted(
      `CREATE OR REPLACE VIEW claude_focus_costs AS SELECT amount_usd AS "BilledCost", activity_date AS "x_ActivityDate", 'Analytics API' AS "x_Source" FROM claude_cost_by_key UNION ALL SELECT amount_usd, activity_date, 'cost_report' FROM claude_costs`,
    );
    const r = (await validate(file)).byId('focus-single-source');
    expect(r.status).toBe('FAIL');
    expect(r.days).toEqual(eachDay(FROM, addDay(TODAY, -1)));
  });
});
