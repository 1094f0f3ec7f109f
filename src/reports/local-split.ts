/**
 * Billed spend in the organization's calendar split by workspace or model: the dashboard's stacked
 * spend chart (per local day) and its breakdown (per local range) in a time zone (docs/time-zones.md).
 *
 * The same figures as `report --by day --tz … --workspace X` (local-spend.ts): each local day is the
 * sum of its hours from claude_cost_hourly (billed products only) where the UTC day's hours are held,
 * and a UTC day without hours is its claude_costs total under its own date, "UTC days", never
 * shifted or split. Placement is local-placement.ts's, so the bases are the report's too.
 */
import { localSpan, type Calendar } from '../util/calendar.js';
import { addDays, dayStartMs, eachDay, type IsoDay } from '../util/dates.js';
import { DecimalSum } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { billedByCostReportSql } from './bridge.js';
import { dayCell, exact } from './cells.js';
import { spendByDay, type StackDimension } from './dashboard-queries.js';
import { filterWhere, type ReportFilter } from './filter.js';
import { combineBasis, placeOnLocalDays, utcReadRange, type DayBasis, type HourFigure, type Measure } from './local-placement.js';

/** Workspace id (null = default workspace) or model (null = non-token costs), as spendByDay keys them. */
export type SplitKey = string | null;

type Split = Map<SplitKey, DecimalSum>;

const split: Measure<Map<SplitKey, string>, Split> = {
  zero: () => new Map(),
  add: (s, v) => {
    for (const [k, usd] of v) {
      let cur = s.get(k);
      if (!cur) s.set(k, (cur = new DecimalSum()));
      cur.add(usd);
    }
  },
  merge: (s, o) => {
    for (const [k, sum] of o) {
      let cur = s.get(k);
      if (!cur) s.set(k, (cur = new DecimalSum()));
      cur.add(sum.toString());
    }
  },
};

/** SQL: billed dollars per UTC hour (or per UTC day of the hours) × workspace or model (claude_cost_hourly). */
function hourlyByKeyQuery(wh: Pick<Warehouse, 'dialect'>, f: ReportFilter, dim: StackDimension, grain: 'hour' | 'day'): { sql: string; params: unknown[] } {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'h', { workspace: true, model: true }, 'claude_cost_hourly');
  const at = grain === 'hour' ? 'bucket_start' : 'activity_date';
  return {
    sql: `SELECT h.${d.ident(at)} AS ${d.ident('at')}, h.${d.ident(dim === 'workspace' ? 'workspace_id' : 'model')} AS ${d.ident('key')},
                 ${d.sumExact(`h.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
            FROM ${d.table('claude_cost_hourly')} h
           WHERE ${where.sql} AND ${billedByCostReportSql(wh, 'h')}
           GROUP BY 1, 2 ORDER BY 1, 2`,
    params: where.params,
  };
}

async function hourlyByKey(wh: Warehouse, f: ReportFilter, dim: StackDimension, grain: 'hour' | 'day') {
  const q = hourlyByKeyQuery(wh, f, dim, grain);
  return (await wh.query(q.sql, q.params)).map((r) => ({ at: r.at, key: r.key === null || r.key === undefined ? null : String(r.key), usd: exact(r.usd) }));
}

/** The UTC days' claude_costs rows by key (read range), as placeOnLocalDays takes them. */
async function utcDaysByKey(wh: Warehouse, f: ReportFilter, dim: StackDimension): Promise<Map<IsoDay, Map<SplitKey, string>>> {
  const out = new Map<IsoDay, Map<SplitKey, string>>();
  for (const r of await spendByDay(wh, f, dim)) {
    const day = dayCell(r.day);
    let m = out.get(day);
    if (!m) out.set(day, (m = new Map()));
    m.set(r.key, r.usd);
  }
  return out;
}

export interface LocalSplitDays {
  days: IsoDay[];
  /** Per key, exact dollars per day of `days`. */
  byKey: Map<SplitKey, string[]>;
  /** Each day's total (the report's cost_usd) and basis (null: nothing held that day). */
  daily: string[];
  day_basis: Array<DayBasis | null>;
}

/** Spend per local day f.from..f.to × workspace or model; `hourlyDays`: UTC days whose hours are held. */
export async function localSpendSplitByDay(wh: Warehouse, cal: Calendar, f: ReportFilter, dim: StackDimension, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalSplitDays> {
  const read = utcReadRange(cal, f);
  const [rows, utcDays] = await Promise.all([hourlyByKey(wh, read, dim, 'hour'), utcDaysByKey(wh, read, dim)]);
  const hours: HourFigure<Map<SplitKey, string>>[] = [];
  for (const r of rows) {
    const hourMs = Date.parse(String(r.at));
    const last = hours.at(-1);
    if (last && last.hourMs === hourMs) last.value.set(r.key, r.usd);
    else hours.push({ hourMs, value: new Map([[r.key, r.usd]]) });
  }
  const placed = placeOnLocalDays(cal, f, hours, utcDays, hourlyDays, split);
  const days = eachDay(f.from, f.to);
  const byKey = new Map<SplitKey, string[]>();
  for (const [i, day] of days.entries()) {
    for (const [k, sum] of placed.get(day)?.sum ?? []) {
      let row = byKey.get(k);
      if (!row) byKey.set(k, (row = days.map(() => '0')));
      row[i] = sum.toString();
    }
  }
  const daily = days.map((d) => {
    const total = new DecimalSum();
    for (const s of placed.get(d)?.sum.values() ?? []) total.add(s.toString());
    return total.toString();
  });
  return { days, byKey, daily, day_basis: days.map((d) => placed.get(d)?.basis ?? null) };
}

export interface LocalSplitTotals {
  /** Exact dollars per key over the local days f.from..f.to. */
  byKey: Map<SplitKey, string>;
  total: string;
  /** The range's basis, combined over its days as a period's is (null: nothing held). */
  day_basis: DayBasis | null;
}

/**
 * Spend per workspace or model over the local days f.from..f.to: the sum of the local days'
 * figures, read per UTC day where a UTC day lies wholly inside the range and per hour only on the
 * (at most two) UTC days the range's edges cut, so a year is a few thousand rows, not every hour.
 */
export async function localSpendSplitTotals(wh: Warehouse, cal: Calendar, f: ReportFilter, dim: StackDimension, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalSplitTotals> {
  const read = utcReadRange(cal, f);
  const span = localSpan(cal, f.from, f.to);
  const inside = (d: IsoDay) => dayStartMs(d) >= span.startMs && dayStartMs(addDays(d, 1)) <= span.endMs;
  const touches = (d: IsoDay) => dayStartMs(d) < span.endMs && dayStartMs(addDays(d, 1)) > span.startMs;
  const edges = eachDay(read.from, read.to).filter((d) => hourlyDays.has(d) && touches(d) && !inside(d));
  const [dayRows, utcDays, ...edgeRows] = await Promise.all([
    hourlyByKey(wh, read, dim, 'day'),
    utcDaysByKey(wh, read, dim),
    ...edges.map((d) => hourlyByKey(wh, { ...f, from: d, to: d }, dim, 'hour')),
  ]);
  const sums: Split = new Map();
  for (const r of dayRows) {
    const day = dayCell(r.at);
    if (hourlyDays.has(day) && inside(day)) split.add(sums, new Map([[r.key, r.usd]]));
  }
  for (const r of edgeRows.flat()) {
    const ms = Date.parse(String(r.at));
    if (ms >= span.startMs && ms < span.endMs) split.add(sums, new Map([[r.key, r.usd]]));
  }
  for (const [day, m] of utcDays) if (!hourlyDays.has(day) && day >= f.from && day <= f.to) split.add(sums, m);
  // The bases come from the same placement the report makes (the figures are not needed for them).
  const presence: Measure<null, null> = { zero: () => null, add: () => {}, merge: () => {} };
  const bases = [...placeOnLocalDays(cal, f, [], new Map([...utcDays.keys()].map((d) => [d, null])), hourlyDays, presence).values()].map((p) => p.basis);
  const total = new DecimalSum();
  const byKey = new Map([...sums].map(([k, s]) => [k, s.toString()]));
  for (const usd of byKey.values()) total.add(usd);
  return { byKey, total: total.toString(), day_basis: bases.length === 0 ? null : bases.reduce(combineBasis) };
}
