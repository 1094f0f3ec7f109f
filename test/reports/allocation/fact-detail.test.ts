/**
 * Facts summed in SQL to the grain the rules and `--by` can see (each row's rule told by the
 * warehouse, split rules' rows at the finest grain) give the same report, chargeback and value of
 * Claude Code, to the byte, as the finest facts, on emulator data; and the coarser read really is coarser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChargeback, chargebackJson, chargebackOf, lastRefreshOf, monthRange } from '../../../src/reports/allocation/chargeback.js';
import { claudeCodeValue, claudeCodeValueOf, hasDatedRules, readClaudeCodeActivity } from '../../../src/reports/allocation/claude-code-value.js';
import { allocate } from '../../../src/reports/allocation/engine.js';
import { allocationReport, allocationReportOf } from '../../../src/reports/allocation/report.js';
import { factDetailFor, readAllocationFacts, readProductFacts, type AllocationFact } from '../../../src/reports/allocation/facts.js';
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

/** Both splits, a workspace rule that matches the default workspace (a NULL id) by its name, and a rule on nothing. */
const SPLITS: AllocationRules = {
  ...RULES,
  rules: [
    { name: 'default ws', match: { workspace: 'default', model: '*haiku*' }, set: { team: 'Default owners' } },
    ...RULES.rules,
    { name: 'staging', match: { api_key: 'staging-*' }, set: {}, split: { by: 'team', proportional_to: 'billed' } },
    { name: 'dev', match: { api_key: 'DEV-*', cost_type: 'tokens' }, set: {}, split: { by: 'team', percent: { Platform: 50, Research: 30, Engineering: 20 } } },
    { name: 'rest', match: {}, set: { team: 'Rest' }, from: '2026-02-10', to: '2026-02-15' },
  ],
  hash: 'splits',
};
/** A rule on people: the warehouse cannot tell it (the engine tries the email summed with the fact), so people and keys are read. */
const PEOPLE: AllocationRules = {
  ...RULES,
  rules: [
    { name: 'code', match: { product: 'claude_code' }, set: { team: 'Engineering' } },
    { name: 'prod', match: { api_key: 'prod-*' }, set: { team: 'Platform' } },
    { name: 'staging', match: { api_key: 'staging-*' }, set: {}, split: { by: 'team', proportional_to: 'billed' } },
    { name: 'people', match: { user: 'user_0*' }, set: { team: 'People' } },
  ],
  hash: 'people',
};

describe('facts at the grain the report can see', () => {
  it('reads what --by shows when the warehouse tells the rules, and what the rules match on when it cannot', () => {
    expect([...factDetailFor(SPLITS, ['team'])]).toEqual([]);
    expect([...factDetailFor(RULES, ['team', 'person'])].sort()).toEqual(['api_key', 'person']);
    expect([...factDetailFor(PEOPLE, ['team'])].sort()).toEqual(['api_key', 'person', 'product']);
  });

  it('with split rules: the same reports, chargeback and Claude Code value as the finest facts, from far fewer facts', async () => {
    const all = await readAllocationFacts(wh, filter, SPLITS);
    const { matched } = allocate(SPLITS, all);
    // Every rule (both splits included) has something to do, or the comparison proves little.
    expect(matched.every((n) => n > 0)).toBe(true);
    const told = await readAllocationFacts(wh, filter, SPLITS, factDetailFor(SPLITS, ['team']));
    expect(told.filter((f) => f.source === 'analytics').every((f) => f.rule !== undefined)).toBe(true);
    // The split rules' rows come at the finest grain; the rest summed per day and rule.
    expect(told.filter((f) => f.actorId !== null).every((f) => SPLITS.rules[f.rule!]!.split)).toBe(true);
    expect(told.length).toBeLessThan(all.length / 2);
    expect(allocate(SPLITS, told).matched.map((n) => n > 0)).toEqual(matched.map((n) => n > 0));
    for (const by of [['team'], ['team', 'product'], ['team', 'person'], ['team', 'cost_type', 'model'], ['team', 'day', 'workspace', 'api_key']]) {
      const want = allocationReportOf(SPLITS, all, by, filter);
      expect(want.rows.length).toBeGreaterThan(1);
      expect(JSON.stringify(await allocationReport(wh, SPLITS, by, filter))).toBe(JSON.stringify(want));
    }
    const month = '2026-01';
    const monthFacts = await readAllocationFacts(wh, monthRange(month), SPLITS);
    const refreshed = await lastRefreshOf(wh, monthRange(month));
    expect(JSON.stringify(chargebackJson(await buildChargeback(wh, SPLITS, month, undefined)))).toBe(JSON.stringify(chargebackJson(chargebackOf(SPLITS, monthFacts, month, undefined, refreshed))));
    const activity = await readClaudeCodeActivity(wh, filter);
    expect(JSON.stringify(await claudeCodeValue(wh, SPLITS, ['team'], filter))).toBe(JSON.stringify(claudeCodeValueOf(SPLITS, all, activity, ['team'], filter)));
  });

  it('the value of Claude Code summed over the days, unless a split takes some of its rows (then per day, as its basis needs)', async () => {
    const splitFirst: AllocationRules = { ...SPLITS, rules: [{ name: 'code on opus', match: { product: 'claude_code', model: '*opus*' }, set: {}, split: { by: 'team', proportional_to: 'billed' } }, ...SPLITS.rules], hash: 'split-first' };
    const activity = await readClaudeCodeActivity(wh, filter);
    // Without dated rules (the activity summed over the range: test/dashboard/api-allocation.test.ts).
    const undated: AllocationRules = { ...SPLITS, rules: SPLITS.rules.filter((r) => r.from === undefined && r.to === undefined), hash: 'undated' };
    expect(hasDatedRules(undated)).toBe(false);
    for (const rules of [SPLITS, splitFirst, undated]) {
      const all = await readAllocationFacts(wh, filter, rules);
      const code = await readProductFacts(wh, filter, rules, 'claude_code');
      const days = new Set(code.map((f) => f.day)).size;
      // SPLITS gives Claude Code to a plain rule first: one fact per person; splitFirst splits some of it: per day.
      if (rules !== splitFirst) expect(days).toBeLessThan(5);
      else {
        expect(allocate(rules, code).lines.some((l) => l.rule === 'code on opus')).toBe(true);
        expect(days).toBeGreaterThan(20);
      }
      expect(JSON.stringify(await claudeCodeValue(wh, rules, ['team', 'person'], filter))).toBe(JSON.stringify(claudeCodeValueOf(rules, all, activity, ['team', 'person'], filter)));
    }
  });

  it('with a rule on people and a split: the split rows still at the finest grain, the reports identical', async () => {
    const all = await readAllocationFacts(wh, filter, PEOPLE);
    expect(allocate(PEOPLE, all).matched.every((n) => n > 0)).toBe(true);
    const read = await readAllocationFacts(wh, filter, PEOPLE, factDetailFor(PEOPLE, ['team']));
    expect(read.every((f) => f.rule === undefined)).toBe(true);
    expect(read.length).toBeLessThan(all.length);
    for (const by of [['team'], ['team', 'product']]) expect(JSON.stringify(await allocationReport(wh, PEOPLE, by, filter))).toBe(JSON.stringify(allocationReportOf(PEOPLE, all, by, filter)));
  });

  it('sums people away when nothing names one, and the reports are identical', async () => {
    const coarse = await readAllocationFacts(wh, filter, RULES, factDetailFor(RULES, ['team']));
    expect(coarse.length).toBeGreaterThan(0);
    expect(coarse.length).toBeLessThan(finest.length);
    expect(coarse.every((f) => f.actorId === null && f.costType === null && f.rule !== undefined)).toBe(true);
    for (const by of [['team'], ['team', 'product'], ['team', 'person'], ['team', 'cost_type', 'model'], ['team', 'day', 'workspace', 'api_key']]) {
      const want = allocationReportOf(RULES, finest, by, filter);
      const got = await allocationReport(wh, RULES, by, filter);
      expect(want.rows.length).toBeGreaterThan(1);
      expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    }
  });
});
