/**
 * Configured fees (claude_fixed_costs) in the spend reports (`report --by day|week|month|workspace`):
 * each fee-month spread over its days (util/fee-proration.ts), so a range's fee is the sum of its
 * days and a whole month's days add up exactly to the month's charge. The fees are appended as their
 * own column (time reports) or rows (workspace report), always labelled configured, and every such
 * report carries totals that say what they include. Never mixed into an API figure.
 */
import { addDays, daysBetween, type IsoDay } from '../util/dates.js';
import { dailyParts, nextMonthStart } from '../util/fee-proration.js';
import { canonicalDecimal, sumDecimals } from '../util/money.js';
import type { QueryRow, SqlDialect, Warehouse } from '../warehouse/warehouse.js';
import { dayCell, exact } from './cells.js';
import type { ReportFilter } from './filter.js';
import type { ReportColumn } from './queries.js';

export const FIXED_FEES_HEADER = 'fixed_fees_usd (configured)';
export const FIXED_FEES_LABEL = 'fixed fees (configured)';
export const API_SOURCE = 'cost_report';
export const CONFIGURED_SOURCE = 'configured';

export interface FixedFeeDay {
  day: IsoDay;
  name: string;
  usd: string;
  /** The organization it is billed to; null: the warehouse's (any shown). */
  organizationId: string | null;
}

/** The query fixedFeeDays reads claude_fixed_costs with, in the warehouse's dialect (exported for the parity tests). */
export function fixedFeeDaysQuery(d: SqlDialect, f: ReportFilter): { sql: string; params: unknown[] } {
  const i = (n: string) => d.ident(n);
  const orgs = f.organizationIds ?? [];
  const org = orgs.length > 0 ? ` AND (${i('organization_id')} IN (${orgs.map(() => '?').join(', ')}) OR ${i('organization_id')} IS NULL)` : '';
  return {
    sql: `SELECT ${i('month')} AS ${i('month')}, ${i('name')} AS ${i('name')}, ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${i('organization_id')} AS ${i('org')},
            ${i('period_start')} AS ${i('ps')}, ${i('period_end')} AS ${i('pe')}
       FROM ${d.table('claude_fixed_costs')}
      WHERE ${i('active')} AND ${i('month')} BETWEEN ${d.dateTrunc(d.dateParam(), 'month')} AND ${d.dateParam()}${org}
      ORDER BY 1, 2, 4`,
    params: [f.from, f.to, ...orgs],
  };
}

/** Each active fee's part of every day in f's range (fees with no organization count for any). */
export async function fixedFeeDays(wh: Warehouse, f: ReportFilter): Promise<FixedFeeDay[]> {
  const q = fixedFeeDaysQuery(wh.dialect, f);
  const rows = await wh.query(q.sql, q.params);
  const out: FixedFeeDay[] = [];
  for (const r of rows) {
    const month = dayCell(r.month);
    const first = r.ps === null || r.ps === undefined ? month : dayCell(r.ps);
    const last = r.pe === null || r.pe === undefined ? addDays(nextMonthStart(month), -1) : dayCell(r.pe);
    for (const p of dailyParts(exact(r.usd), first, last)) {
      if (p.day >= f.from && p.day <= f.to) out.push({ day: p.day, name: String(r.name), usd: p.usd, organizationId: r.org === null || r.org === undefined ? null : String(r.org) });
    }
  }
  return out;
}

export interface ReportTotals {
  /** API usage from cost_report (claude_costs) in the report's range and filter. */
  cost_report_usd: string;
  /** Configured fees (claude-ingest.yaml fixed_costs) in the range: never API data. */
  fixed_fees_configured_usd: string;
  /** cost_report_usd + fixed_fees_configured_usd. */
  total_usd: string;
  /** What total_usd includes and leaves out, in words. */
  includes: string[];
  excludes: string[];
}

type Bucket = 'day' | 'week' | 'month';
/**
 * The period a fee day falls in, for a report in the organization's calendar (reports/local-spend.ts):
 * a fee is charged per calendar day of its month, with no instant, so its day is a local day as it is.
 */
export type PeriodOfDay = (day: IsoDay) => { start: IsoDay; label: string | null };

function bucketOf(day: IsoDay, b: Bucket): IsoDay {
  if (b === 'day') return day;
  if (b === 'month') return `${day.slice(0, 7)}-01` as IsoDay;
  // ISO week, Monday start (as the week report's date_trunc).
  const dow = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -dow);
}

const clean = (v: string) => canonicalDecimal(v);

/**
 * Adds the configured fees to a spend report's rows and returns the totals. Fees have no workspace
 * or model, so a report filtered by either shows none (and its totals say so).
 */
export async function addFixedFees(
  wh: Warehouse,
  kind: Bucket | 'workspace' | 'organization' | PeriodOfDay,
  f: ReportFilter,
  columns: ReportColumn[],
  rows: QueryRow[],
): Promise<{ columns: ReportColumn[]; rows: QueryRow[]; totals: ReportTotals }> {
  const api = sumDecimals(rows.map((r) => exact(r.usd)));
  const filtered = Boolean(f.workspaceIds?.length || f.models?.length);
  const fees = filtered ? [] : await fixedFeeDays(wh, f);
  const feeTotal = sumDecimals(fees.map((x) => x.usd));
  const excludes = ['products outside cost_report (claude.ai chat, Cowork, Claude Code on a subscription: report --by product)'];
  if (filtered) excludes.push('fixed fees (configured): a workspace or model filter leaves them out');
  else if (fees.length === 0) excludes.push('fixed fees (configured): none configured in this range');
  const totals: ReportTotals = {
    cost_report_usd: clean(api),
    fixed_fees_configured_usd: clean(feeTotal),
    total_usd: clean(sumDecimals([api, feeTotal])),
    includes: ['API usage (cost_report)', ...(fees.length > 0 ? [FIXED_FEES_LABEL] : [])],
    excludes,
  };
  if (fees.length === 0) return { columns, rows, totals };
  if (kind === 'organization') return { ...feesByOrganization(fees, columns, rows), totals };
  if (kind === 'workspace') {
    const byName = new Map<string, string[]>();
    for (const x of fees) byName.set(x.name, [...(byName.get(x.name) ?? []), x.usd]);
    const feeRows: QueryRow[] = [...byName].map(([name, parts]) => ({ key: null, name: `${name} (configured)`, usd: clean(sumDecimals(parts)), source: CONFIGURED_SOURCE }));
    return {
      columns: [...columns, { name: 'source', header: 'source', kind: 'text' }],
      rows: [...rows.map((r) => ({ ...r, source: API_SOURCE })), ...feeRows],
      totals,
    };
  }
  const byBucket = new Map<string, string[]>();
  const labels = new Map<string, string>();
  for (const x of fees) {
    const p = typeof kind === 'function' ? kind(x.day) : { start: bucketOf(x.day, kind), label: null };
    byBucket.set(p.start, [...(byBucket.get(p.start) ?? []), x.usd]);
    if (p.label !== null) labels.set(p.start, p.label);
  }
  const periods = new Map<string, QueryRow>();
  for (const r of rows) periods.set(String(r.period).slice(0, 10), { ...r });
  for (const b of byBucket.keys()) if (!periods.has(b)) periods.set(b, { period: b, ...(labels.has(b) ? { label: labels.get(b)! } : {}), usd: '0' });
  const merged = [...periods.entries()]
    .sort(([a], [b]) => daysBetween(b as IsoDay, a as IsoDay))
    .map(([b, r]) => {
      const fee = clean(sumDecimals(byBucket.get(b) ?? []));
      return { ...r, fixed_fees_usd: fee, total_usd: clean(sumDecimals([exact(r.usd), fee])) };
    });
  return {
    columns: [...columns, { name: 'fixed_fees_usd', header: FIXED_FEES_HEADER, kind: 'usd' }, { name: 'total_usd', header: 'total_usd', kind: 'usd' }],
    rows: merged,
    totals,
  };
}

/**
 * `report --by organization`: each organization's fees (fixed_costs[].organization, default the only
 * one) in their own column beside its cost_report spend, and total_usd. A fee with no organization in
 * a warehouse of several is shown on a "(no organization)" row, never guessed onto one.
 */
function feesByOrganization(fees: readonly FixedFeeDay[], columns: ReportColumn[], rows: QueryRow[]): { columns: ReportColumn[]; rows: QueryRow[] } {
  const byOrg = new Map<string, string[]>();
  for (const x of fees) byOrg.set(x.organizationId ?? '', [...(byOrg.get(x.organizationId ?? '') ?? []), x.usd]);
  const out: QueryRow[] = rows.map((r) => ({ ...r }));
  for (const id of byOrg.keys()) {
    if (out.some((r) => (r.organization_id === null || r.organization_id === undefined ? '' : String(r.organization_id)) === id)) continue;
    out.push({ organization_id: id === '' ? null : id, name: id === '' ? '(no organization)' : id, usd: '0' });
  }
  return {
    columns: [...columns, { name: 'fixed_fees_usd', header: FIXED_FEES_HEADER, kind: 'usd' }, { name: 'total_usd', header: 'total_usd', kind: 'usd' }],
    rows: out.map((r) => {
      const id = r.organization_id === null || r.organization_id === undefined ? '' : String(r.organization_id);
      const fee = clean(sumDecimals(byOrg.get(id) ?? []));
      return { ...r, fixed_fees_usd: fee, total_usd: clean(sumDecimals([exact(r.usd), fee])) };
    }),
  };
}
