/**
 * No money is invented or lost by a split, proven on a year of emulator data: every fact of every
 * day is shared by fixed shares (14.285714, 14.285714 and 71.428572 %) or in proportion to the other rules' allocations, and each fact's
 * parts, each day's lines and the year add up to the billed (and list) truth to the sub-cent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocate } from '../../../src/reports/allocation/engine.js';
import { readAllocationFacts, type AllocationFact } from '../../../src/reports/allocation/facts.js';
import type { AllocationRules } from '../../../src/reports/allocation/rules.js';
import { eachDay } from '../../../src/util/dates.js';
import { CENTS_SCALE, storableDecimal } from '../../../src/util/money.js';
import { openWarehouse } from '../../../src/warehouse/open-warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../../helpers/fill-warehouse.js';

const TODAY = '2027-01-01';
const FROM = '2026-01-02';
const TO = '2026-12-31';
let w: FilledWarehouse;
let facts: AllocationFact[];

const RULES: AllocationRules = {
  dimensions: ['team'],
  rules: [
    { name: 'prod', match: { api_key: 'prod-*' }, set: { team: 'Platform' } },
    { name: 'code', match: { product: 'claude_code' }, set: { team: 'Engineering' } },
    { name: 'chat', match: { product: 'chat' }, set: { team: 'Sales' } },
    { name: 'thirds', match: { model: '*sonnet*' }, set: {}, split: { by: 'team', percent: { A: 14.285714, B: 14.285714, C: 71.428572 } } },
    { name: 'rest', match: { cost_type: '*' }, set: {}, split: { by: 'team', proportional_to: 'billed' } },
  ],
  unallocated: { team: 'Unallocated' },
  hash: 'year',
};

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, to: TO, seed: 3, args: ['--streams', 'analytics_cost,org'] });
  const wh = await openWarehouse(w.url, { readOnly: true });
  await wh.init();
  try {
    facts = await readAllocationFacts(wh, { from: FROM, to: TO });
  } finally {
    await wh.close();
  }
}, 600_000);
afterAll(async () => {
  await w?.close();
});

describe('splits over a year of emulator data', () => {
  it('every fact\'s parts, every day and the year add up to the billed and list truth exactly', () => {
    const { lines, matched } = allocate(RULES, facts);
    // Both kinds of split did real work.
    expect(matched[3]).toBeGreaterThan(100);
    expect(matched[4]).toBeGreaterThan(100);
    expect(lines.length).toBeGreaterThan(facts.length);
    const perFact = new Map<AllocationFact, { billed: bigint; list: bigint }>();
    for (const l of lines) {
      const s = perFact.get(l.fact) ?? { billed: 0n, list: 0n };
      s.billed += l.billed;
      s.list += l.list;
      perFact.set(l.fact, s);
    }
    expect(perFact.size).toBe(facts.length);
    for (const f of facts) expect(perFact.get(f)).toEqual({ billed: f.billed, list: f.list });
    const sub = (cents: string) => storableDecimal(cents, CENTS_SCALE, null);
    const byDay = new Map<string, { billed: bigint; list: bigint }>();
    for (const l of lines) {
      const s = byDay.get(l.fact.day) ?? { billed: 0n, list: 0n };
      s.billed += l.billed;
      s.list += l.list;
      byDay.set(l.fact.day, s);
    }
    const days = eachDay(FROM, TO);
    expect(days.length).toBe(364);
    for (const day of days) {
      const got = byDay.get(day) ?? { billed: 0n, list: 0n };
      expect(got.billed, day).toBe(sub(w.emu.truth.analytics.costCents(day)));
      expect(got.list, day).toBe(sub(w.emu.truth.analytics.listCostCents(day)));
    }
    // Remainders really were distributed: for some facts the floors of the fixed shares fall short and a sub-cent went to the largest remainder.
    const shortOfFloors = facts.filter((f) => perFact.has(f) && lines.some((l) => l.fact === f && l.rule === 'thirds')).filter((f) => ((f.billed * 14285714n) / 100000000n) * 2n + (f.billed * 71428572n) / 100000000n !== f.billed);
    expect(shortOfFloors.length).toBeGreaterThan(0);
  });
});
