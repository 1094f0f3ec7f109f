/**
 * Which claude_usage_keys rows a range of local days counts (docs/time-zones.md), as a condition on
 * the rows, so a report grouped by something else (the dashboard's tokens by API key) counts the
 * same tokens as `report --by day --tz` sums over the same local days.
 *
 * A UTC day whose usage is held per hour (read with --usage-bucket 1h) counts the hours that start
 * inside the local span (an hour counts on the local day it starts in, as local-placement.ts places
 * them); any other UTC day counts whole under its own date, "UTC days", never shifted or split. The
 * warehouse only compares the row's UTC date and UTC hour (utcHourText); the edges are computed here
 * from ICU's rules, so DuckDB and BigQuery count the same rows whatever their session zone.
 */
import { localSpan, type Calendar } from '../util/calendar.js';
import { dayStartMs, eachDay, type IsoDay } from '../util/dates.js';
import type { SqlDialect } from '../warehouse/warehouse.js';
import type { ReportFilter } from './filter.js';
import { combineBasis, placeOnLocalDays, utcReadRange, type DayBasis, type Measure } from './local-placement.js';

const HOUR_MS = 3_600_000;

/** The UTC date and the first hour ("00".."24") starting at or after an instant. */
function edge(ms: number): { day: IsoDay; hour: string } {
  const day = new Date(ms).toISOString().slice(0, 10) as IsoDay;
  return { day, hour: String(Math.ceil((ms - dayStartMs(day)) / HOUR_MS)).padStart(2, '0') };
}

/** Runs of consecutive days of `days` (sorted) as [first, last] pairs. */
function runsOf(days: IsoDay[]): Array<[IsoDay, IsoDay]> {
  const runs: Array<[IsoDay, IsoDay]> = [];
  let prevMs = Number.NaN;
  for (const d of days) {
    const ms = dayStartMs(d);
    const last = runs.at(-1);
    if (last && ms - prevMs === 86_400_000) last[1] = d;
    else runs.push([d, d]);
    prevMs = ms;
  }
  return runs;
}

export interface LocalUsageRows {
  /** The UTC days to read (the local days' UTC days), with f's other filters. */
  range: ReportFilter;
  /** A condition on alias `u` (claude_usage_keys) and its parameters. */
  sql: string;
  params: unknown[];
}

/** The usage rows of the local days f.from..f.to; `hourlyUsage`: UTC days whose usage is held per hour. */
export function localUsageRows(d: SqlDialect, cal: Calendar, f: ReportFilter, hourlyUsage: ReadonlySet<IsoDay>): LocalUsageRows {
  const range = utcReadRange(cal, f);
  const day = `u.${d.ident('activity_date')}`;
  const hour = d.utcHourText(`u.${d.ident('bucket_start')}`);
  const runs = runsOf(eachDay(range.from, range.to).filter((x) => hourlyUsage.has(x)));
  const held = runs.length === 0 ? 'FALSE' : `(${runs.map(() => `${day} BETWEEN ${d.dateParam()} AND ${d.dateParam()}`).join(' OR ')})`;
  const heldParams = runs.flat();
  const span = localSpan(cal, f.from, f.to);
  const s = edge(span.startMs);
  const e = edge(span.endMs);
  const p = d.dateParam();
  return {
    range,
    sql: `((${day} BETWEEN ${p} AND ${p} AND NOT ${held})
          OR (${held} AND (${day} > ${p} OR (${day} = ${p} AND ${hour} >= ?)) AND (${day} < ${p} OR (${day} = ${p} AND ${hour} < ?))))`,
    params: [f.from, f.to, ...heldParams, ...heldParams, s.day, s.day, s.hour, e.day, e.day, e.hour],
  };
}

const presence: Measure<null, null> = { zero: () => null, add: () => {}, merge: () => {} };

/** The basis of the local days f.from..f.to's tokens, combined as a period's is (the report's tokens_day_basis). */
export function localUsageBasis(cal: Calendar, f: ReportFilter, hourlyUsage: ReadonlySet<IsoDay>): DayBasis | null {
  const unheld = eachDay(f.from, f.to).filter((x) => !hourlyUsage.has(x));
  const bases = [...placeOnLocalDays(cal, f, [], new Map(unheld.map((x) => [x, null])), hourlyUsage, presence).values()].map((v) => v.basis);
  return bases.length === 0 ? null : bases.reduce(combineBasis);
}
