/**
 * Billed spend in the organization's calendar split by workspace or model: the dashboard's stacked
 * spend chart (per local day) and its breakdown (per local range) in a time zone (docs/time-zones.md).
 *
 * The same figures as `report --by day --tz … --workspace X` (local-spend.ts): each local day is the
 * sum of its hours from claude_cost_hourly (billed products only) where the UTC day's hours are held,
 * and a UTC day without hours is its claude_costs total under its own date, "UTC days", never
 * shifted or split. Placement is local-placement.ts's, so the bases are the report's too.
 */
import { localDay, localDayStartMs, type Calendar } from '../util/calendar.js';
import { addDays, dayStartMs, eachDay, type IsoDay } from '../util/dates.js';
import { DecimalSum } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { billedByCostReportSql } from './bridge.js';
import { dayCell, exact } from './cells.js';
import { spendByDay, type StackDimension } from './dashboard-queries.js';
import { filterWhere, type ReportFilter } from './filter.js';
import { CODE_EXECUTION } from './analytics-queries.js';
import { productCostByDay } from './dashboard-analytics.js';
import { combineBasis, placeOnLocalDays, utcReadRange, type DayBasis, type Measure } from './local-placement.js';

/** Workspace id (null = default workspace) or model (null = non-token costs), as spendByDay keys them; a product (CODE_EXECUTION for none). */
export type SplitKey = string | null;

/**
 * What a split is by: workspace or model for the spend chart (cost_report's products only, as the
 * report counts them), or product for the Analytics section's chart (every product the Analytics API
 * bills, as `report --by product` counts them; its UTC days without hours come from claude_cost_by_actor).
 */
export type SplitDim = StackDimension | 'product';

const keyColumn = (dim: SplitDim) => (dim === 'workspace' ? 'workspace_id' : dim);
/** Only the spend chart's splits count cost_report's products; the product chart shows every product. */
const billedOnly = (wh: Pick<Warehouse, 'dialect'>, dim: SplitDim, a: string) => (dim === 'product' ? 'TRUE' : billedByCostReportSql(wh, a));
/** A row's key as the UTC queries key it: spendByDay's null, productCostByDay's CODE_EXECUTION. */
const keyOf = (dim: SplitDim, v: unknown): SplitKey => (v === null || v === undefined ? (dim === 'product' ? CODE_EXECUTION : null) : String(v));

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

/**
 * The claude_costs rows by key of the UTC days f.from..f.to whose hours are not held (the only ones
 * a local range uses, under their own date), as placeOnLocalDays takes them; no query when all are held.
 */
async function utcDaysByKey(wh: Warehouse, f: ReportFilter, dim: SplitDim, hourlyDays: ReadonlySet<IsoDay>): Promise<Map<IsoDay, Map<SplitKey, string>>> {
  const out = new Map<IsoDay, Map<SplitKey, string>>();
  const unheld = eachDay(f.from, f.to).filter((d) => !hourlyDays.has(d));
  if (unheld.length === 0) return out;
  const range = { ...f, from: unheld[0]!, to: unheld.at(-1)! };
  const rows = dim === 'product' ? (await productCostByDay(wh, range)).map((r) => ({ day: r.day, key: r.product as SplitKey, usd: r.usd })) : await spendByDay(wh, range, dim);
  for (const r of rows) {
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

const HOUR_MS = 3_600_000;

/**
 * How a UTC day's hours fall on local days, decided here from ICU's rules: the first hour (1..23)
 * that starts in the next local day; 24 when every hour starts in one local day; null when the day
 * holds hours of three local days (a zone whose day is shorter than a UTC day's edges allow: read per hour).
 */
function cutHour(cal: Calendar, utcDay: IsoDay): number | null {
  const start = dayStartMs(utcDay);
  const first = localDay(cal, start);
  const last = localDay(cal, start + 23 * HOUR_MS);
  if (first === last) return 24;
  if (addDays(first, 1) !== last) return null;
  return Math.ceil((localDayStartMs(cal, last) - start) / HOUR_MS);
}

/**
 * SQL: billed dollars per UTC day × key × part of the day, where part "a" holds the hours before the
 * day's cut (cutHour) and "b" those from it; a day without a cut is read per hour ("00".."23"). The
 * warehouse only reads the UTC hour (utcHourText: never the session's zone); which local day each
 * part is on is decided in code.
 */
function partsByKeyQuery(wh: Pick<Warehouse, 'dialect'>, f: ReportFilter, dim: SplitDim, cuts: Array<{ to: IsoDay; cut: number | null }>): { sql: string; params: unknown[] } {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'h', { workspace: true, model: true }, 'claude_cost_hourly');
  const hour = d.utcHourText(`h.${d.ident('bucket_start')}`);
  const date = `h.${d.ident('activity_date')}`;
  const params: unknown[] = [];
  // Consecutive days with the same cut share one branch: a year in a zone with daylight saving is a few.
  const branches = cuts.map((c) => {
    params.push(c.to, ...(c.cut === null ? [] : [String(c.cut).padStart(2, '0')]));
    return `WHEN ${date} <= ${d.dateParam()} THEN ${c.cut === null ? hour : `CASE WHEN ${hour} >= ? THEN 'b' ELSE 'a' END`}`;
  });
  return {
    sql: `SELECT ${date} AS ${d.ident('day')}, h.${d.ident(keyColumn(dim))} AS ${d.ident('key')},
                 CASE ${branches.join(' ')} ELSE ${hour} END AS ${d.ident('part')},
                 ${d.sumExact(`h.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
            FROM ${d.table('claude_cost_hourly')} h
           WHERE ${where.sql} AND ${billedOnly(wh, dim, 'h')}
           GROUP BY 1, 2, 3`,
    params: [...params, ...where.params],
  };
}

/** SQL: the parts the local days f.from..f.to are read from (what localSpendSplitByDay sends; the BigQuery parity test replays it). */
export function localSplitPartsQuery(wh: Pick<Warehouse, 'dialect'>, cal: Calendar, f: ReportFilter, dim: SplitDim): { sql: string; params: unknown[] } {
  const read = utcReadRange(cal, f);
  return partsByKeyQuery(wh, read, dim, cutRuns(cal, read).runs);
}

/** Runs of consecutive UTC days with the same cut hour, each named by its last day. */
function cutRuns(cal: Calendar, read: { from: IsoDay; to: IsoDay }): { runs: Array<{ to: IsoDay; cut: number | null }>; cutOf: Map<IsoDay, number | null> } {
  const runs: Array<{ to: IsoDay; cut: number | null }> = [];
  const cutOf = new Map<IsoDay, number | null>();
  for (const day of eachDay(read.from, read.to)) {
    const cut = cutHour(cal, day);
    cutOf.set(day, cut);
    const last = runs.at(-1);
    if (last && last.cut === cut) last.to = day;
    else runs.push({ to: day, cut });
  }
  return { runs, cutOf };
}

/**
 * Spend per local day f.from..f.to × workspace or model; `hourlyDays`: UTC days whose hours are held.
 * Each held UTC day is read as at most two parts (its hours before and after the local day's start)
 * rather than 24 hours, so a year stacked by many workspaces stays a few thousand rows; the figures
 * are placeOnLocalDays' (an hour counts on the local day it starts in, only on held UTC days).
 */
export async function localSpendSplitByDay(wh: Warehouse, cal: Calendar, f: ReportFilter, dim: SplitDim, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalSplitDays> {
  const read = utcReadRange(cal, f);
  const { runs, cutOf } = cutRuns(cal, read);
  const q = partsByKeyQuery(wh, read, dim, runs);
  const [rows, utcDays] = await Promise.all([wh.query(q.sql, q.params), utcDaysByKey(wh, f, dim, hourlyDays)]);
  const sums = new Map<IsoDay, Split>();
  const add = (day: IsoDay, m: Map<SplitKey, string>) => {
    let s = sums.get(day);
    if (!s) sums.set(day, (s = split.zero()));
    split.add(s, m);
  };
  for (const r of rows) {
    const utc = dayCell(r.day);
    if (!hourlyDays.has(utc)) continue;
    const part = String(r.part);
    const startHour = part === 'a' ? 0 : part === 'b' ? cutOf.get(utc)! : Number(part);
    const day = localDay(cal, dayStartMs(utc) + startHour * HOUR_MS);
    if (day < f.from || day > f.to) continue;
    add(day, new Map([[keyOf(dim, r.key), exact(r.usd)]]));
  }
  // UTC days without hours, as they are under their own date ("UTC days"); the bases as the report gives them.
  for (const [day, m] of utcDays) if (!hourlyDays.has(day) && day >= f.from && day <= f.to) add(day, m);
  const bases = placeOnLocalDays(cal, f, [], new Map([...utcDays.keys()].map((d) => [d, null])), hourlyDays, presence);
  const days = eachDay(f.from, f.to);
  const byKey = new Map<SplitKey, string[]>();
  for (const [i, day] of days.entries()) {
    for (const [k, sum] of sums.get(day) ?? []) {
      let row = byKey.get(k);
      if (!row) byKey.set(k, (row = days.map(() => '0')));
      row[i] = sum.toString();
    }
  }
  const daily = days.map((d) => {
    const total = new DecimalSum();
    for (const s of sums.get(d)?.values() ?? []) total.add(s.toString());
    return total.toString();
  });
  return { days, byKey, daily, day_basis: days.map((d) => bases.get(d)?.basis ?? null) };
}

/** A measure that only marks where something is: the report's bases without its figures. */
const presence: Measure<null, null> = { zero: () => null, add: () => {}, merge: () => {} };

export interface LocalSplitTotals {
  /** Exact dollars per key over the local days f.from..f.to. */
  byKey: Map<SplitKey, string>;
  total: string;
  /** The range's basis, combined over its days as a period's is (null: nothing held). */
  day_basis: DayBasis | null;
}

/**
 * Spend per workspace or model over the local days f.from..f.to: the local days' figures
 * (localSpendSplitByDay's, at most two parts per UTC day) added up, so a range is one query per
 * split (two with UTC days without hours) whatever its edges, rather than one per UTC day its edges cut.
 */
export async function localSpendSplitTotals(wh: Warehouse, cal: Calendar, f: ReportFilter, dim: SplitDim, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalSplitTotals> {
  const days = await localSpendSplitByDay(wh, cal, f, dim, hourlyDays);
  const byKey = new Map<SplitKey, string>();
  for (const [k, usd] of days.byKey) {
    const sum = new DecimalSum();
    for (const v of usd) sum.add(v);
    byKey.set(k, sum.toString());
  }
  const total = new DecimalSum();
  for (const usd of days.daily) total.add(usd);
  const bases = days.day_basis.filter((b): b is DayBasis => b !== null);
  return { byKey, total: total.toString(), day_basis: bases.length === 0 ? null : bases.reduce(combineBasis) };
}
