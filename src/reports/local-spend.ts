/**
 * Spend over time in the organization's calendar (a time zone other than UTC, a fiscal year, a week
 * starting on Sunday): `report --by day|week|month|quarter|fiscal_year` with a zone, the budgets and
 * the dashboard. See docs/time-zones.md.
 *
 * A local day is the sum of its hours (claude_cost_hourly, billed products only, so it counts what
 * claude_costs counts: reports/bridge.ts). Where no hours are held for a UTC day (cost_report before
 * the Analytics API, an organization the Analytics API is not offered to, a day not read hourly yet),
 * that UTC day's claude_costs total is reported as it is, labelled "UTC days": never shifted or split.
 * A local day with some hours on such a UTC day shows only its held hours, labelled "local, partial",
 * so every instant is counted exactly once and sums over a range never change with the zone.
 *
 * The warehouse only sums exact decimals per UTC hour and per UTC day; which local day an hour is on
 * is decided here (util/calendar.ts, ICU), so DuckDB and BigQuery give the same figures byte for
 * byte whatever their session time zone.
 */
import { type Calendar, type PeriodKind } from '../util/calendar.js';
import { type IsoDay } from '../util/dates.js';
import { DecimalSum } from '../util/money.js';
import type { QueryRow, Warehouse } from '../warehouse/warehouse.js';
import { billedByCostReportSql } from './bridge.js';
import { dayCell, exact } from './cells.js';
import { filterWhere, type ReportFilter } from './filter.js';
import { groupIntoPeriods, placeOnLocalDays, utcReadRange, type DayBasis, type Measure } from './local-placement.js';
import type { ReportColumn } from './queries.js';

export type { DayBasis };

export interface LocalSpendRow {
  /** First local day of the period (a UTC day for a "UTC days" row). */
  period: IsoDay;
  label: string;
  /** Exact dollars. */
  usd: string;
  day_basis: DayBasis;
}

const COSTS_DIMS = { workspace: true, model: true };

export interface HourSum {
  /** Start of the UTC hour, ms. */
  hourMs: number;
  usd: string;
}

/** SQL: exact billed dollars per UTC hour of the UTC days f.from..f.to (claude_cost_hourly). */
export function hourlySpendQuery(wh: Pick<Warehouse, 'dialect'>, f: ReportFilter): { sql: string; params: unknown[] } {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'h', COSTS_DIMS, 'claude_cost_hourly');
  return {
    sql: `SELECT h.${d.ident('bucket_start')} AS ${d.ident('hour')}, ${d.sumExact(`h.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
            FROM ${d.table('claude_cost_hourly')} h
           WHERE ${where.sql} AND ${billedByCostReportSql(wh, 'h')}
           GROUP BY 1 ORDER BY 1`,
    params: where.params,
  };
}

export async function hourlySpend(wh: Warehouse, f: ReportFilter): Promise<HourSum[]> {
  const q = hourlySpendQuery(wh, f);
  const rows = await wh.query(q.sql, q.params);
  return rows.map((r) => ({ hourMs: Date.parse(String(r.hour)), usd: exact(r.usd) }));
}

/** SQL: exact billed dollars per UTC day (claude_costs, the cost_report). */
export function utcDaySpendQuery(wh: Pick<Warehouse, 'dialect'>, f: ReportFilter): { sql: string; params: unknown[] } {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'c', COSTS_DIMS, 'claude_costs');
  return {
    sql: `SELECT c.${d.ident('activity_date')} AS ${d.ident('day')}, ${d.sumExact(`c.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
            FROM ${d.table('claude_costs')} c WHERE ${where.sql} GROUP BY 1 ORDER BY 1`,
    params: where.params,
  };
}

export async function utcDaySpend(wh: Warehouse, f: ReportFilter): Promise<Map<IsoDay, string>> {
  const q = utcDaySpendQuery(wh, f);
  const rows = await wh.query(q.sql, q.params);
  return new Map(rows.map((r) => [dayCell(r.day), exact(r.usd)]));
}

const money: Measure<string, DecimalSum> = {
  zero: () => new DecimalSum(),
  add: (s, usd) => void s.add(usd),
  merge: (s, other) => void s.add(other.toString()),
};

export { utcReadRange };

/** Spend per local period over the local days f.from..f.to. */
export async function localSpend(wh: Warehouse, cal: Calendar, f: ReportFilter, kind: PeriodKind, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalSpendRow[]> {
  const read = utcReadRange(cal, f);
  const [hours, days] = await Promise.all([hourlySpend(wh, read), utcDaySpend(wh, read)]);
  const placed = placeOnLocalDays(cal, f, hours.map((h) => ({ hourMs: h.hourMs, value: h.usd })), days, hourlyDays, money);
  return groupIntoPeriods(cal, placed, kind, money).map((p) => ({ period: p.period, label: p.label, usd: p.sum.toString(), day_basis: p.basis }));
}

export const LOCAL_SPEND_TITLES: Record<PeriodKind, string> = {
  day: 'Spend per day',
  week: 'Spend per week',
  month: 'Spend per month',
  quarter: 'Spend per quarter',
  fiscal_year: 'Spend per fiscal year',
};

export function localSpendColumns(kind: PeriodKind): ReportColumn[] {
  return [
    { name: 'period', header: kind, kind: 'date' },
    ...(kind === 'day' ? [] : [{ name: 'label', header: 'label', kind: 'text' as const }]),
    { name: 'usd', header: 'cost_usd', kind: 'usd' },
    { name: 'day_basis', header: 'day_basis', kind: 'text' },
  ];
}

export function localSpendRows(rows: LocalSpendRow[]): QueryRow[] {
  return rows.map((r) => ({ period: r.period, label: r.label, usd: r.usd, day_basis: r.day_basis }));
}
