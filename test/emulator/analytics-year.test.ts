/**
 * A year of a medium organization through the analytics endpoints, in the windows a backfill uses
 * (31 days, 1d buckets, limit 1000). Checks the totals against the ground truth and prints how long the
 * emulator took, so a slow change shows up; timings are measured here, never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { addDays, eachDay } from '../../src/util/dates.js';
import { ExactDecimal as Decimal } from '../../src/util/money.js';
import { allRows, byDay, sumBy } from './analytics-helpers.js';

const TODAY = '2026-12-31';
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ today: TODAY, org: 'medium', seed: 42 });
});
afterAll(() => emu.close());

function windows(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let d = emu.truth.analytics.firstServedDay; d <= TODAY; d = addDays(d, 31)) {
    const end = addDays(d, 31) > addDays(TODAY, 1) ? addDays(TODAY, 1) : addDays(d, 31);
    out.push([`${d}T00:00:00Z`, `${end}T00:00:00Z`]);
  }
  return out;
}

describe('a year of a medium organization', () => {
  it('serves every window of daily cost totals and one wide grouping per window, matching the ground truth', async () => {
    const shapes = { totals: [], by_actor: ['actor', 'product', 'workspace_id', 'model', 'cost_type'] };
    const figures: Record<string, { requests: number; rows: number; seconds: number }> = {};
    for (const [name, groupBy] of Object.entries(shapes)) {
      const t0 = performance.now();
      const perDay = new Map<string, string>();
      let requests = 0;
      let rows = 0;
      for (const [from, to] of windows()) {
        const r = await allRows(emu, 'cost', { starting_at: from, ending_at: to, time_bucket_width: '1d', group_by: groupBy });
        requests += r.pages;
        rows += r.rows.length;
        for (const [day, cents] of sumBy(r.rows, byDay)) perDay.set(day, cents);
      }
      figures[name] = { requests, rows, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) };
      for (const day of eachDay(emu.truth.analytics.firstServedDay, TODAY)) {
        expect(perDay.get(day), day).toBe(new Decimal(emu.truth.analytics.costCents(day)).toFixed());
      }
    }
    console.log('analytics emulator, medium org, 365 days:', JSON.stringify(figures));
    expect(figures.totals!.requests).toBe(12);
  }, 120_000);
});
