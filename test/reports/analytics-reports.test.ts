/**
 * Reports on Analytics API data, through the real CLI against a warehouse backfilled from the
 * emulator: billed cost per key, per person and per product equal the ground truth; the Claude Code
 * estimate sits beside the billed cost, labelled; and no report adds two cost tables for a day.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESTIMATE_BESIDE_HEADER } from '../../src/reports/analytics-queries.js';
import { REPORT_NAMES } from '../../src/reports/registry.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { eachDay, type DayRange, type IsoDay } from '../../src/util/dates.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-02-15';
const F: DayRange = { from: '2026-02-01', to: '2026-02-14' };
let w: FilledWarehouse;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: F.from, seed: 21, args: ['--streams', 'cost,claude_code,analytics_cost,analytics_usage,org'] });
});
afterAll(async () => {
  await w?.close();
});

type Doc = { columns: string[]; rows: Array<Record<string, string | number | null>> };
async function report(by: string): Promise<Doc> {
  const res = await w.cli(['report', '--by', by, '--from', F.from, '--to', F.to, '--format', 'json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Doc;
}

/** Σ over the range of a per-day truth map, in dollars. */
function sumTruth<K>(perDay: (day: IsoDay) => Map<K, string>, norm: (k: K) => K = (k) => k): Map<K, Decimal> {
  const out = new Map<K, Decimal>();
  for (const day of eachDay(F.from, F.to)) for (const [k, c] of perDay(day)) out.set(norm(k), (out.get(norm(k)) ?? new Decimal(0)).plus(new Decimal(c).div(100)));
  return out;
}
const canonicalActor = (key: string) => {
  const at = key.indexOf('|');
  const id = key.slice(at + 1);
  return key.startsWith('federated_actor|') && id.startsWith('{') ? `federated_actor|${canonicalJson(JSON.parse(id))}` : key;
};
const rangeUsd = (cents: (day: IsoDay) => string) => eachDay(F.from, F.to).reduce((s, d) => s.plus(new Decimal(cents(d)).div(100)), new Decimal(0));

describe('reports with analytics data', () => {
  it('--by api_key: billed cost per key (with names) beside its tokens equals the truth', async () => {
    const doc = await report('api_key');
    expect(doc.columns.slice(0, 6)).toEqual(['api_key_id', 'name', 'workspace', 'billed_cost_usd', 'list_cost_usd', 'uncached_input_tokens']);
    const truth = sumTruth(w.emu.truth.analytics.costCentsByApiKey);
    for (const [key, usd] of truth) {
      const row = doc.rows.find((r) => r.api_key_id === key);
      expect(row, `key ${key}`).toBeDefined();
      expect(new Decimal(String(row!.billed_cost_usd)).eq(usd), `key ${key}`).toBe(true);
    }
    const names = new Map(w.emu.truth.apiKeys().map((k) => [k.id, k.name]));
    for (const r of doc.rows) if (r.api_key_id !== null) expect(r.name).toBe(names.get(String(r.api_key_id)));
  });

  it('--by user: billed cost per person equals the truth, the Claude Code estimate beside it, labelled', async () => {
    const doc = await report('user');
    expect(doc.columns).toEqual(['actor_type', 'actor', 'name', 'email', 'billed_cost_usd', 'claude_code_billed_usd', 'list_cost_usd', ESTIMATE_BESIDE_HEADER]);
    const truth = sumTruth(w.emu.truth.analytics.costCentsByActor, canonicalActor);
    for (const [key, usd] of truth) {
      const row = doc.rows.find((r) => `${String(r.actor_type)}|${String(r.actor)}` === key);
      expect(row, key).toBeDefined();
      expect(new Decimal(String(row!.billed_cost_usd)).eq(usd), key).toBe(true);
    }
    const est = await queryWarehouse(w.file, `SELECT SUM(estimated_cost_cents) AS c FROM claude_code_model_usage WHERE activity_date BETWEEN DATE '${F.from}' AND DATE '${F.to}'`);
    const shown = doc.rows.reduce((s, r) => s.plus(String(r[ESTIMATE_BESIDE_HEADER] ?? '0')), new Decimal(0));
    expect(shown.eq(new Decimal(String(est[0]!.c)).div(100))).toBe(true);
    expect(shown.gt(0)).toBe(true);
    const table = await w.cli(['report', '--by', 'user', '--from', F.from, '--to', F.to]);
    expect(table.stdout).toContain('estimate: not billing data');
  });

  it('--by product equals the truth, in table, json and csv', async () => {
    const doc = await report('product');
    const truth = sumTruth(w.emu.truth.analytics.costCentsByProduct);
    expect(doc.rows.length).toBe(truth.size);
    for (const [p, usd] of truth) {
      const row = doc.rows.find((r) => r.product === (p ?? '(code execution)'));
      expect(new Decimal(String(row!.billed_cost_usd)).eq(usd), String(p)).toBe(true);
    }
    const csv = await w.cli(['report', '--by', 'product', '--from', F.from, '--to', F.to, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('product,billed_cost_usd,list_cost_usd,days');
    const table = await w.cli(['report', '--by', 'product', '--from', F.from, '--to', F.to, '--format', 'table']);
    expect(table.stdout).toContain('claude_code');
  });

  it('no report adds two cost tables for the same day: each total is exactly one source', async () => {
    const legacy = rangeUsd(w.emu.truth.costCents);
    const analytics = rangeUsd(w.emu.truth.analytics.costCents);
    expect(legacy.eq(analytics)).toBe(false); // the two sources differ here, so a mix would show
    const costColumn: Record<string, string> = { api_key: 'billed_cost_usd', user: 'billed_cost_usd', product: 'billed_cost_usd' };
    for (const by of REPORT_NAMES) {
      // Configured fees are not API cost (none are configured here); the limit reports total no cost table.
      if (by === 'fixed_costs') continue;
      const doc = await report(by);
      const column = costColumn[by] ?? doc.columns.find((c) => c.endsWith('usd'));
      if (!column) continue;
      const total = doc.rows.reduce((s, r) => s.plus(String(r[column] ?? '0')), new Decimal(0));
      const want = costColumn[by] ? analytics : legacy;
      expect(total.toFixed(), `--by ${by}`).toBe(want.toFixed());
    }
  });
});
