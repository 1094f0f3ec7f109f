/**
 * A budget scoped to allocation dimension values (`scope: { team: Search }`, issue 25): the billed
 * cost the rules allocate to those values, per day, in dollars (exact).
 */
import { allocate } from './engine.js';
import { factDetailFor, readAllocationFacts } from './facts.js';
import type { AllocationRules } from './rules.js';
import { usdOf } from './summary.js';
import type { ReportFilter } from '../filter.js';
import type { IsoDay } from '../../util/dates.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

export async function allocatedDaily(wh: Warehouse, rules: AllocationRules, values: Record<string, string>, filter: ReportFilter): Promise<Map<IsoDay, string>> {
  const at = Object.entries(values).map(([d, v]) => [rules.dimensions.indexOf(d), v] as const);
  const sums = new Map<IsoDay, bigint>();
  for (const l of allocate(rules, await readAllocationFacts(wh, filter, rules, factDetailFor(rules, []))).lines) {
    if (!at.every(([k, v]) => k >= 0 && l.values[k] === v)) continue;
    const day = l.fact.day as IsoDay;
    sums.set(day, (sums.get(day) ?? 0n) + l.billed);
  }
  return new Map([...sums].map(([d, v]) => [d, usdOf(v)]));
}
