/**
 * Each configured fee-month's parts in the allocation dimensions, for the FOCUS view (one fee row per
 * part, the dimension values in Tags): the same fee allocation the reports use (fee-allocation.ts),
 * applied to the month's whole amount, with a proportional split's basis the month's allocated billed
 * usage. Parts are exact sub-cents that add up to the fee-month's amount.
 */
import { addDays, asIsoDay } from '../../util/dates.js';
import { nextMonthStart } from '../../util/fee-proration.js';
import { canonicalDecimal, divideDecimal, formatScaled, multiplyDecimal, roundDecimal, storableDecimal, USD_SCALE } from '../../util/money.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { allocate } from './engine.js';
import { FEE_FACT, readAllocationFacts, type AllocationFact } from './facts.js';
import type { AllocationRules } from './rules.js';

export interface FeePart {
  month: string;
  name: string;
  organizationId: string | null;
  part: number;
  /** FOCUS Tags JSON text: kind, allocate_to, source, then each dimension's value. */
  tags: string;
  amountUsd: string;
  pricingQuantity: string;
}

interface FeeMonth {
  month: string;
  name: string;
  organizationId: string | null;
  kind: string;
  allocateTo: string | null;
  quantity: number;
  amountUsd: string;
}

/** The parts of every active fee-month in claude_fixed_costs. */
export async function feeMonthParts(wh: Warehouse, rules: AllocationRules): Promise<FeePart[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const rows = await wh.query(
    `SELECT ${d.toText(i('month'))} AS ${i('month')}, ${i('name')} AS ${i('name')}, ${i('organization_id')} AS ${i('org')}, ${i('kind')} AS ${i('kind')},
            ${i('allocate_to')} AS ${i('alloc')}, ${i('quantity')} AS ${i('quantity')}, ${d.toText(i('amount_usd'))} AS ${i('usd')}
       FROM ${d.table('claude_fixed_costs')} WHERE ${i('active')} ORDER BY 1, 2, 3`,
  );
  const months: FeeMonth[] = rows.map((r) => ({
    month: String(r.month).slice(0, 10),
    name: String(r.name),
    organizationId: r.org === null || r.org === undefined ? null : String(r.org),
    kind: String(r.kind),
    allocateTo: r.alloc === null || r.alloc === undefined ? null : String(r.alloc),
    quantity: Number(r.quantity),
    amountUsd: canonicalDecimal(r.usd),
  }));
  const proportional = new Set((rules.fees ?? []).filter((s) => s.split?.proportional_to).map((s) => s.name));
  const basisMonths = [...new Set(months.filter((m) => proportional.has(m.name)).map((m) => m.month))];
  const usage: AllocationFact[] = [];
  for (const month of basisMonths) {
    const from = asIsoDay(month);
    const facts = await readAllocationFacts(wh, { from, to: addDays(nextMonthStart(from), -1) });
    usage.push(...facts.filter((f) => f.source !== 'configured'));
  }
  const feeFacts: AllocationFact[] = months.map((m) => {
    const billed = storableDecimal(m.amountUsd, USD_SCALE, null);
    return { ...FEE_FACT, day: m.month, organizationId: m.organizationId, billed, list: billed, fee: m.name };
  });
  const { lines } = allocate(rules, [...usage, ...feeFacts]);
  const out: FeePart[] = [];
  const counters = new Map<AllocationFact, number>();
  for (const l of lines) {
    if (l.fact.source !== 'configured') continue;
    const m = months[feeFacts.indexOf(l.fact)]!;
    const part = counters.get(l.fact) ?? 0;
    counters.set(l.fact, part + 1);
    const amountUsd = formatScaled(l.billed, USD_SCALE);
    const tags = JSON.stringify({ kind: m.kind, allocate_to: m.allocateTo, source: 'configured', ...Object.fromEntries(rules.dimensions.map((dim, k) => [dim, l.values[k]!])) });
    const share = m.amountUsd === '0' ? '1' : divideDecimal(amountUsd, m.amountUsd);
    out.push({ month: m.month, name: m.name, organizationId: m.organizationId, part, tags, amountUsd, pricingQuantity: roundDecimal(multiplyDecimal(m.quantity, share), 12, 'half-even') });
  }
  return out;
}
