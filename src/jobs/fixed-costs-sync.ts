/**
 * Writes claude-ingest.yaml's fixed_costs into claude_fixed_costs, one row per fee and month, so every
 * reader (reports, the FOCUS view, the dashboard, reconcile) sees them on either warehouse through SQL
 * alone. Idempotent: rows are upserted by (month, name, organization_id); a fee or month no longer
 * configured is kept with active = false rather than deleted (upsertLedgerRow is the only write door
 * for small tables, and the history of what was configured is worth keeping).
 */
import { addDays, asIsoDay, monthStart, type IsoDay } from '../util/dates.js';
import { feeMonthPeriods, nextMonthStart, prorateMonth } from '../util/fee-proration.js';
import { InputError } from '../util/errors.js';
import { canonicalDecimal, multiplyDecimal, usdFromDecimal } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** One fee as the config schema outputs it (structural: jobs do not import config). */
export interface FixedCostInput {
  name: string;
  kind: 'seats' | 'plan' | 'support' | 'credit' | 'discount' | 'other';
  monthly_usd: number | string;
  quantity?: number | undefined;
  unit?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  organization?: string | undefined;
  allocate_to?: string | undefined;
}

export interface FixedCostMonth {
  month: IsoDay;
  name: string;
  organizationId: string | null;
  kind: FixedCostInput['kind'];
  chargeCategory: 'Purchase' | 'Credit';
  unitPriceUsd: string;
  quantity: number;
  unit: string;
  /** The month's unit price: monthly_usd, prorated by days in a month covered in part (util/fee-proration.ts). */
  amountUsd: string;
  allocateTo: string | null;
  /** First and last day of the month charged (the whole month unless from/to falls inside it). */
  periodStart: IsoDay;
  periodEnd: IsoDay;
}

/** Every month a fee applies in, from its (or the data's) first month through lastMonth. */
export function expandFixedCosts(fees: readonly FixedCostInput[], firstMonth: IsoDay, lastMonth: IsoDay, organizationOf: (f: FixedCostInput) => string | null): FixedCostMonth[] {
  const out: FixedCostMonth[] = [];
  for (const f of fees) {
    const credit = f.kind === 'credit' || f.kind === 'discount';
    const unitPrice = canonicalDecimal(String(f.monthly_usd));
    const quantity = f.quantity ?? 1;
    const first = f.from ? asIsoDay(f.from) : firstMonth;
    const lastDayOfRange = addDays(nextMonthStart(lastMonth), -1);
    const last = f.to && f.to < lastDayOfRange ? asIsoDay(f.to) : lastDayOfRange;
    for (const p of feeMonthPeriods(first, last)) {
      // The unit price is prorated, then multiplied: price × quantity = the charge, exactly (FOCUS).
      const price = prorateMonth(unitPrice, p);
      out.push({
        month: p.month,
        name: f.name,
        organizationId: organizationOf(f),
        kind: f.kind,
        chargeCategory: credit ? 'Credit' : 'Purchase',
        unitPriceUsd: price,
        quantity,
        unit: f.unit ?? (f.quantity !== undefined ? 'Seats' : 'Months'),
        amountUsd: multiplyDecimal(price, credit ? -quantity : quantity),
        allocateTo: f.allocate_to ?? null,
        periodStart: p.first,
        periodEnd: p.last,
      });
    }
  }
  return out;
}

export interface FixedCostSync {
  written: number;
  deactivated: number;
}

/** Writes the configured fees through the current month (today's). */
export async function syncFixedCosts(wh: Warehouse, fees: readonly FixedCostInput[], today: IsoDay): Promise<FixedCostSync> {
  if (!wh.upsertLedgerRow) throw new InputError(`the ${wh.kind} warehouse cannot record fixed_costs`);
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const [first] = await wh.query(`SELECT ${d.toText(`MIN(${i('activity_date')})`)} AS ${i('day')} FROM ${d.table('claude_cost_daily_totals')} WHERE ${d.allDays(i('activity_date'))}`);
  const lastMonth = monthStart(today);
  const firstMonth = first?.day ? monthStart(asIsoDay(String(first.day).slice(0, 10))) : lastMonth;
  const orgs = await wh.query(`SELECT ${i('id')} AS ${i('id')}, ${i('name')} AS ${i('name')} FROM ${d.table('claude_organization')}`);
  const organizationOf = (f: FixedCostInput): string | null => {
    if (f.organization === undefined) return orgs.length === 1 ? String(orgs[0]!.id) : null;
    const hit = orgs.find((o) => o.id === f.organization || o.name === f.organization);
    if (!hit) throw new InputError(`fixed_costs "${f.name}": organization ${f.organization} is not in the warehouse: use an organization id or name claude-ingest status shows`);
    return String(hit.id);
  };
  const months = expandFixedCosts(fees, firstMonth, lastMonth, organizationOf);
  const now = new Date().toISOString();
  const keyOf = (m: string, name: string, org: string | null) => `${m}|${name}|${org ?? ''}`;
  const live = new Set<string>();
  for (const m of months) {
    live.add(keyOf(m.month, m.name, m.organizationId));
    await wh.upsertLedgerRow('claude_fixed_costs', fixedCostRow(m, true, now));
  }
  const existing = await wh.query(
    `SELECT ${d.toText(i('month'))} AS ${i('month')}, ${i('name')} AS ${i('name')}, ${i('organization_id')} AS ${i('org')}, ${i('kind')} AS ${i('kind')}, ${i('charge_category')} AS ${i('cc')},
            ${d.toText(i('unit_price_usd'))} AS ${i('price')}, ${i('quantity')} AS ${i('quantity')}, ${i('unit')} AS ${i('unit')}, ${d.toText(i('amount_usd'))} AS ${i('amount')}, ${i('allocate_to')} AS ${i('alloc')},
            ${d.toText(i('period_start'))} AS ${i('ps')}, ${d.toText(i('period_end'))} AS ${i('pe')}
       FROM ${d.table('claude_fixed_costs')} WHERE ${i('active')}`,
  );
  let deactivated = 0;
  for (const r of existing) {
    const org = r.org === null ? null : String(r.org);
    if (live.has(keyOf(String(r.month).slice(0, 10), String(r.name), org))) continue;
    deactivated++;
    const month = asIsoDay(String(r.month).slice(0, 10));
    const m: FixedCostMonth = {
      month,
      name: String(r.name),
      organizationId: org,
      kind: String(r.kind) as FixedCostInput['kind'],
      chargeCategory: r.cc === 'Credit' ? 'Credit' : 'Purchase',
      unitPriceUsd: String(r.price),
      quantity: Number(r.quantity),
      unit: String(r.unit),
      amountUsd: String(r.amount),
      allocateTo: r.alloc === null ? null : String(r.alloc),
      // Rows an older version wrote have no period: they charged the whole month.
      periodStart: r.ps === null ? month : asIsoDay(String(r.ps).slice(0, 10)),
      periodEnd: r.pe === null ? addDays(nextMonthStart(month), -1) : asIsoDay(String(r.pe).slice(0, 10)),
    };
    await wh.upsertLedgerRow('claude_fixed_costs', fixedCostRow(m, false, now));
  }
  return { written: months.length, deactivated };
}

function fixedCostRow(m: FixedCostMonth, active: boolean, now: string): RowOf<'claude_fixed_costs'> {
  return {
    month: m.month,
    name: m.name,
    organization_id: m.organizationId,
    kind: m.kind,
    charge_category: m.chargeCategory,
    unit_price_usd: usdFromDecimal(m.unitPriceUsd),
    quantity: m.quantity,
    unit: m.unit,
    amount_usd: usdFromDecimal(m.amountUsd),
    allocate_to: m.allocateTo,
    period_start: m.periodStart,
    period_end: m.periodEnd,
    source: 'configured',
    active,
    synced_at: now,
  };
}

/** A fee-month's part in the allocation dimensions (computed by reports/allocation/fee-parts.ts). */
export interface FixedCostPartInput {
  month: string;
  name: string;
  organizationId: string | null;
  part: number;
  tags: string;
  amountUsd: string;
  pricingQuantity: string;
}

/**
 * Writes the fee parts the FOCUS view reads (claude_fixed_cost_parts), upserted by (month, name,
 * organization, part); a part no longer produced (a restated split with fewer values) is kept with
 * active = false, so the view never shows a stale part.
 */
export async function syncFixedCostParts(wh: Warehouse, parts: readonly FixedCostPartInput[], rulesHash: string): Promise<number> {
  if (!wh.upsertLedgerRow) throw new InputError(`the ${wh.kind} warehouse cannot record fixed_costs`);
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const now = new Date().toISOString();
  const keyOf = (m: string, name: string, org: string | null, part: number) => `${m}|${name}|${org ?? ''}|${part}`;
  const live = new Set<string>();
  const row = (p: FixedCostPartInput, active: boolean): RowOf<'claude_fixed_cost_parts'> => ({
    month: asIsoDay(p.month.slice(0, 10)),
    name: p.name,
    organization_id: p.organizationId,
    part: p.part,
    tags: p.tags,
    amount_usd: usdFromDecimal(p.amountUsd),
    pricing_quantity: usdFromDecimal(p.pricingQuantity),
    rules_hash: rulesHash,
    active,
    synced_at: now,
  });
  for (const p of parts) {
    live.add(keyOf(p.month.slice(0, 10), p.name, p.organizationId, p.part));
    await wh.upsertLedgerRow('claude_fixed_cost_parts', row(p, true));
  }
  const existing = await wh.query(
    `SELECT ${d.toText(i('month'))} AS ${i('month')}, ${i('name')} AS ${i('name')}, ${i('organization_id')} AS ${i('org')}, ${i('part')} AS ${i('part')}, ${i('tags')} AS ${i('tags')},
            ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${d.toText(i('pricing_quantity'))} AS ${i('q')}
       FROM ${d.table('claude_fixed_cost_parts')} WHERE ${i('active')}`,
  );
  for (const r of existing) {
    const p: FixedCostPartInput = {
      month: String(r.month).slice(0, 10),
      name: String(r.name),
      organizationId: r.org === null ? null : String(r.org),
      part: Number(r.part),
      tags: String(r.tags),
      amountUsd: String(r.usd),
      pricingQuantity: String(r.q),
    };
    if (!live.has(keyOf(p.month, p.name, p.organizationId, p.part))) await wh.upsertLedgerRow('claude_fixed_cost_parts', row(p, false));
  }
  return parts.length;
}
