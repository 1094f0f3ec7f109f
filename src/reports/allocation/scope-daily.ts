/**
 * A budget scoped to allocation dimension values (`scope: { team: Search }`, issue 25): the billed
 * cost the rules allocate to those values (configured fees included), per day, in dollars (exact).
 */
import { allocatedLines } from './materialised-lines.js';
import type { AllocationRules } from './rules.js';
import { usdOf } from './summary.js';
import type { ReportFilter } from '../filter.js';
import type { IsoDay } from '../../util/dates.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

export async function allocatedDaily(wh: Warehouse, rules: AllocationRules, values: Record<string, string>, filter: ReportFilter, slow?: (reason: string) => void): Promise<Map<IsoDay, string>> {
  const at = Object.entries(values).map(([d, v]) => [rules.dimensions.indexOf(d), v] as const);
  const sums = new Map<IsoDay, bigint>();
  // The kept lines per day when current (materialised-lines.ts), else the engine over the facts; fees included either way.
  for (const l of await allocatedLines(wh, rules, filter, ['day'], slow)) {
    if (!at.every(([k, v]) => k >= 0 && l.values[k] === v)) continue;
    const day = l.fact.day as IsoDay;
    sums.set(day, (sums.get(day) ?? 0n) + l.billed);
  }
  // In day order, whichever path gave the lines (the kept ones come in the warehouse's order).
  return new Map([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([d, v]) => [d, usdOf(v)]));
}
