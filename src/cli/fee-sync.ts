/**
 * Writes the config's fees (claude_fixed_costs) and, with an allocation: section, who pays each
 * fee-month (claude_fixed_cost_parts, read by the FOCUS view's fee rows); without one, any earlier
 * parts are deactivated so the view never shows a stale allocation. The CLI glues the two because
 * the parts come from the allocation engine (reports) and jobs do not import reports.
 */
import { syncFixedCosts, syncFixedCostParts, type FixedCostInput } from '../jobs/fixed-costs-sync.js';
import { feeMonthParts } from '../reports/allocation/fee-parts.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import type { IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export async function syncFees(wh: Warehouse, fees: readonly FixedCostInput[], rules: AllocationRules | null, today: IsoDay): Promise<void> {
  await syncFixedCosts(wh, fees, today);
  await syncFixedCostParts(wh, rules ? await feeMonthParts(wh, rules) : [], rules?.hash ?? '');
}
