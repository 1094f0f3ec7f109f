/**
 * Spend anomalies on emulator data in a real DuckDB file: a planted spike (emulator --spike) is found
 * on the right day with the right top workspace; a spike on today's partial day is not judged; and a
 * normal year fires (almost) nothing — the false-positive count is printed and documented in docs/alerts.md.
 */
import { Decimal } from 'decimal.js';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../src/alerts/evaluate.js';
import { alertsSchema } from '../../src/config/schema.js';
import { eachDay, addDays, type IsoDay } from '../../src/util/dates.js';
import { openDuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const STREAMS = ['--streams', 'cost,usage'];
const filled: FilledWarehouse[] = [];
afterAll(async () => {
  for (const w of filled) await w.close();
});
const cfg = alertsSchema.parse({ anomalies: { daily_spend: { min_usd: 50, sensitivity: 3 }, new_spender: false }, data_health: false });

async function evaluate(w: FilledWarehouse, today: IsoDay, anomalyDays?: IsoDay[]) {
  const wh = await openDuckDbWarehouse(w.file, { readOnly: true });
  try {
    await wh.init();
    return await evaluateAlerts(wh, cfg, today, anomalyDays ? { anomalyDays } : {});
  } finally {
    await wh.close();
  }
}

describe('daily spend anomaly', () => {
  it('finds a planted spike on its day, with the amount from the ground truth and the right top workspace', async () => {
    const spike = '2026-05-12';
    const w = await fillWarehouse({ today: '2026-05-16', from: '2026-03-20', seed: 3, args: STREAMS, emulator: { spikes: [{ day: spike, factor: 5 }] } });
    filled.push(w);
    const { events } = await evaluate(w, '2026-05-16');
    const spend = events.filter((e) => e.rule === 'daily_spend');
    expect(spend.map((e) => e.period)).toEqual([spike]);
    const f = spend[0]!.figures;
    expect(f.amount_usd).toBe(new Decimal(w.emu.truth.costCents(spike)).div(100).toFixed());
    const byWs = [...w.emu.truth.costCentsByWorkspace(spike)].sort((a, b) => new Decimal(b[1]).comparedTo(a[1]));
    const top = (f.contributors as Array<Record<string, string>>).find((c) => c.dimension === 'workspace')!;
    expect(top.usd).toBe(new Decimal(byWs[0]![1]).div(100).toFixed());
    expect(spend[0]!.text).toContain(spike);
  }, 120_000);

  it('never judges today\'s partial day, however large', async () => {
    const today = '2026-05-16';
    const w = await fillWarehouse({ today, from: '2026-03-20', seed: 3, args: STREAMS, emulator: { spikes: [{ day: today, factor: 8 }] } });
    filled.push(w);
    const { events, judged } = await evaluate(w, today, eachDay(addDays(today, -7), today));
    expect(judged.has(today)).toBe(false);
    expect(events.filter((e) => e.rule === 'daily_spend')).toEqual([]);
  }, 120_000);

  it('a normal year of emulator data: false positives counted (see docs/alerts.md)', async () => {
    const today = '2026-12-01';
    const w = await fillWarehouse({ today, from: '2025-12-01', seed: 42, args: STREAMS });
    filled.push(w);
    const days = eachDay('2026-01-01', addDays(today, -1));
    const { events } = await evaluate(w, today, days);
    const fp = events.filter((e) => e.rule === 'daily_spend');
    console.log(`false positives: ${fp.length} of ${days.length} judged days (${fp.map((e) => e.period).join(', ') || 'none'})`);
    expect(fp.length).toBeLessThanOrEqual(2);
  }, 300_000);
});
