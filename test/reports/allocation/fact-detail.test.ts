/**
 * Facts summed in SQL to the grain the rules and `--by` can see give the same report, to the byte,
 * as the finest facts, on emulator data; and the coarser read really is coarser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocationReport, allocationReportOf } from '../../../src/reports/allocation/report.js';
import { factDetailFor, readAllocationFacts, type AllocationFact } from '../../../src/reports/allocation/facts.js';
import type { AllocationRules } from '../../../src/reports/allocation/rules.js';
import type { ReportFilter } from '../../../src/reports/filter.js';
import { asIsoDay } from '../../../src/util/dates.js';
import { openWarehouse } from '../../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../../src/warehouse/warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../../helpers/fill-warehouse.js';

const TODAY = '2026-03-01';
const FROM = '2026-01-05';
const TO = '2026-02-20';
let w: FilledWarehouse;
let wh: Warehouse;
let finest: AllocationFact[];

const RULES: AllocationRules = {
  dimensions: ['team'],
  rules: [
    { name: 'prod', match: { api_key: 'prod-*' }, set: { team: 'Platform' } },
    { name: 'code', match: { product: 'claude_code' }, set: { team: 'Engineering' } },
    { name: 'sonnet', match: { model: '*sonnet*' }, set: { team: 'Research' }, from: '2026-02-01' },
  ],
  unallocated: { team: 'Unallocated' },
  hash: 'detail',
};
const filter: ReportFilter = { from: asIsoDay(FROM), to: asIsoDay(TO) };

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, to: TO, seed: 5, args: ['--streams', 'analytics_cost,org'] });
  wh = await openWarehouse(w.url, { readOnly: true });
  await wh.init();
  finest = await readAllocationFacts(wh, filter, RULES);
}, 600_000);
afterAll(async () => {
  await wh?.close();
  await w?.close();
});

describe('facts at the grain the report can see', () => {
  it('reads all detail when a rule splits (summing first could move a sub-cent between parts)', () => {
    const split: AllocationRules = { ...RULES, rules: [...RULES.rules, { name: 's', match: {}, set: {}, split: { by: 'team', percent: { A: 50, B: 50 } } }] };
    expect([...factDetailFor(split, ['team'])].sort()).toEqual(['api_key', 'cost_type', 'model', 'person', 'product']);
    expect([...factDetailFor(RULES, ['team'])].sort()).toEqual(['api_key', 'model', 'product']);
    expect([...factDetailFor(RULES, ['team', 'person'])].sort()).toEqual(['api_key', 'model', 'person', 'product']);
  });

  it('sums people away when nothing names one, and the reports are identical', async () => {
    const coarse = await readAllocationFacts(wh, filter, RULES, factDetailFor(RULES, ['team']));
    expect(coarse.length).toBeGreaterThan(0);
    expect(coarse.length).toBeLessThan(finest.length);
    expect(coarse.every((f) => f.actorId === null && f.costType === null)).toBe(true);
    for (const by of [['team'], ['team', 'product'], ['team', 'person'], ['team', 'cost_type', 'model'], ['team', 'day', 'workspace', 'api_key']]) {
      const want = allocationReportOf(RULES, finest, by, filter);
      const got = await allocationReport(wh, RULES, by, filter);
      expect(want.rows.length).toBeGreaterThan(1);
      expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    }
  });
});
