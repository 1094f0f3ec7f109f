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
import { localDayStartMs, localSpan, offsetMs, periodOf, utcDaysOf, type Calendar, type PeriodKind } from '../util/calendar.js';
import { addDays, type IsoDay } from '../util/dates.js';
import { DecimalSum } from '../util/money.js';
import type { QueryRow, Warehouse } from '../warehouse/warehouse.js';
import { billedByCostReportSql } from './bridge.js';
import { dayCell, exact } from './cells.js';
import { filterWhere, type ReportFilter } from './filter.js';
import type { ReportColumn } from './queries.js';


/** How a row's figure was made. */
export type DayBasis = 'local' | 'local, by hour start' | 'local, partial' | 'UTC days' | 'mixed';

export interface LocalSpendRow {
  /** First local day of the period (a UTC day for a "UTC days" row). */
  period: IsoDay;
  label: string;
  /** Exact dollars. */
  usd: string;
  day_basis: DayBasis;
}

const HOUR_MS = 3_600_000;
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

/** Whether a zone's day boundaries fall on whole UTC hours throughout the range (not so in Asia/Kolkata). */
function hourAligned(cal: Calendar, startMs: number, endMs: number): boolean {
  for (let t = startMs; t < endMs; t += 24 * HOUR_MS) if (offsetMs(cal, t) % HOUR_MS !== 0) return false;
  return offsetMs(cal, endMs) % HOUR_MS === 0;
}

interface DayPart {
  usd: DecimalSum;
  basis: DayBasis;
}

/**
 * Local days (and unheld UTC days) of the range, each with its exact sum and basis. `hourlyDays`:
 * the UTC days whose hours the ledger holds complete (jobs/ledger-queries), passed in by the caller.
 */
export function localDays(cal: Calendar, f: ReportFilter, hours: HourSum[], utcDays: Map<IsoDay, string>, hourlyDays: ReadonlySet<IsoDay>): Map<IsoDay, DayPart> {
  const span = localSpan(cal, f.from, f.to);
  const aligned = hourAligned(cal, span.startMs, span.endMs);
  const out = new Map<IsoDay, DayPart>();
  const add = (day: IsoDay, usd: string, basis: DayBasis) => {
    const part = out.get(day);
    if (part) part.usd.add(usd);
    else out.set(day, { usd: new DecimalSum().add(usd), basis });
  };
  // Hours of held UTC days, each on the local day it starts in (exactly the day when the zone is
  // hour-aligned). The hours come sorted, so one walk along the local days' starts places them.
  let day = f.from;
  let next = localDayStartMs(cal, addDays(day, 1));
  for (const h of hours) {
    if (h.hourMs < span.startMs || h.hourMs >= span.endMs) continue;
    const utc = new Date(h.hourMs).toISOString().slice(0, 10) as IsoDay;
    if (!hourlyDays.has(utc)) continue;
    while (h.hourMs >= next) {
      day = addDays(day, 1);
      next = localDayStartMs(cal, addDays(day, 1));
    }
    add(day, h.usd, aligned ? 'local' : 'local, by hour start');
  }
  // A local day with hours on an unheld UTC day is partial (those hours are in that UTC day's row); an
  // empty held day still makes a zero row, so a day with no spend reads 0, not missing.
  for (let day = f.from; day <= f.to; day = addDays(day, 1)) {
    const u = utcDaysOf(cal, day, day);
    const touched = u.from === u.to ? [u.from] : [u.from, u.to];
    const held = touched.filter((t) => hourlyDays.has(t)).length;
    if (held === 0) continue;
    if (held < touched.length) {
      const part = out.get(day);
      if (part) part.basis = 'local, partial';
      else out.set(day, { usd: new DecimalSum(), basis: 'local, partial' });
    } else if (!out.has(day)) out.set(day, { usd: new DecimalSum(), basis: aligned ? 'local' : 'local, by hour start' });
  }
  // UTC days without hours, as they are: their date stands for the UTC day, never a local one.
  for (const [day, usd] of utcDays) {
    if (hourlyDays.has(day) || day < f.from || day > f.to) continue;
    if (out.has(day)) {
      // A local day of the same date holds a few of its hours: keep the two apart under one date.
      const part = out.get(day)!;
      part.usd.add(usd);
      part.basis = 'mixed';
    } else add(day, usd, 'UTC days');
  }
  return out;
}

function combine(a: DayBasis, b: DayBasis): DayBasis {
  if (a === b) return a;
  const local = (x: DayBasis) => x !== 'UTC days' && x !== 'mixed';
  if (local(a) && local(b)) return a === 'local, partial' || b === 'local, partial' ? 'local, partial' : 'local, by hour start';
  return 'mixed';
}

/** Days grouped into the calendar's periods, oldest first. */
export function groupPeriods(cal: Calendar, days: Map<IsoDay, DayPart>, kind: PeriodKind): LocalSpendRow[] {
  const periods = new Map<IsoDay, { label: string; usd: DecimalSum; basis: DayBasis }>();
  for (const [day, part] of days) {
    const p = periodOf(cal, day, kind);
    const cur = periods.get(p.start);
    if (cur) {
      cur.usd.add(part.usd.toString());
      cur.basis = combine(cur.basis, part.basis);
    } else periods.set(p.start, { label: p.label, usd: new DecimalSum().add(part.usd.toString()), basis: part.basis });
  }
  return [...periods.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([period, v]) => ({ period, label: v.label, usd: v.usd.toString(), day_basis: v.basis }));
}

/** The UTC days read for local days f.from..f.to: their instants' UTC days, and the same dates (UTC-day rows keep their date). */
export function utcReadRange(cal: Calendar, f: ReportFilter): ReportFilter {
  const utc = utcDaysOf(cal, f.from, f.to);
  return { ...f, from: utc.from < f.from ? utc.from : f.from, to: utc.to > f.to ? utc.to : f.to };
}

/** Spend per local period over the local days f.from..f.to. */
export async function localSpend(wh: Warehouse, cal: Calendar, f: ReportFilter, kind: PeriodKind, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalSpendRow[]> {
  const read = utcReadRange(cal, f);
  const [hours, days] = await Promise.all([hourlySpend(wh, read), utcDaySpend(wh, read)]);
  return groupPeriods(cal, localDays(cal, f, hours, days, hourlyDays), kind);
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
