/**
 * Which local day (and period) each figure belongs to, for any measure: billed dollars (local-spend.ts)
 * and token counts (local-tokens.ts) are placed by the same rules, so their `day_basis` means the same.
 *
 * Figures held per UTC hour go on the local day the hour starts in (exactly its day when the zone's
 * days start on UTC hours; "local, by hour start" otherwise, as in Asia/Kolkata or Asia/Kathmandu).
 * Figures held only per UTC day are reported as they are under their own date, "UTC days": never
 * shifted or split. See docs/time-zones.md.
 */
import { localDayStartMs, localSpan, offsetMs, periodOf, utcDaysOf, type Calendar, type PeriodKind } from '../util/calendar.js';
import { addDays, type IsoDay } from '../util/dates.js';

/** How a row's figure was made. */
export type DayBasis = 'local' | 'local, by hour start' | 'local, partial' | 'UTC days' | 'mixed';

/** How to sum a measure: `add` folds one figure into a running sum, `merge` one sum into another. */
export interface Measure<V, S> {
  zero(): S;
  add(sum: S, value: V): void;
  merge(sum: S, other: S): void;
}

export interface HourFigure<V> {
  /** Start of the UTC hour, ms. */
  hourMs: number;
  value: V;
}

export interface DayPart<S> {
  sum: S;
  basis: DayBasis;
}

export interface PeriodPart<S> {
  /** First local day of the period (a UTC day for a "UTC days" row). */
  period: IsoDay;
  label: string;
  sum: S;
  basis: DayBasis;
}

const HOUR_MS = 3_600_000;

/** Whether a zone's day boundaries fall on whole UTC hours throughout the range (not so in Asia/Kolkata). */
function hourAligned(cal: Calendar, startMs: number, endMs: number): boolean {
  for (let t = startMs; t < endMs; t += 24 * HOUR_MS) if (offsetMs(cal, t) % HOUR_MS !== 0) return false;
  return offsetMs(cal, endMs) % HOUR_MS === 0;
}

/**
 * Local days f.from..f.to (and unheld UTC days of the same dates), each with its sum and basis.
 * `hours` must be sorted by hourMs; `heldDays` are the UTC days whose hours are held complete
 * (the ledger says which), so only those days' hours are placed and only the others' day totals.
 */
export function placeOnLocalDays<V, S>(
  cal: Calendar,
  f: { from: IsoDay; to: IsoDay },
  hours: Iterable<HourFigure<V>>,
  utcDays: ReadonlyMap<IsoDay, V>,
  heldDays: ReadonlySet<IsoDay>,
  m: Measure<V, S>,
): Map<IsoDay, DayPart<S>> {
  const span = localSpan(cal, f.from, f.to);
  const aligned = hourAligned(cal, span.startMs, span.endMs);
  const hourBasis: DayBasis = aligned ? 'local' : 'local, by hour start';
  const out = new Map<IsoDay, DayPart<S>>();
  const part = (day: IsoDay, basis: DayBasis): DayPart<S> => {
    let p = out.get(day);
    if (!p) out.set(day, (p = { sum: m.zero(), basis }));
    return p;
  };
  // One walk along the local days' starts places the sorted hours.
  let day = f.from;
  let next = localDayStartMs(cal, addDays(day, 1));
  for (const h of hours) {
    if (h.hourMs < span.startMs || h.hourMs >= span.endMs) continue;
    const utc = new Date(h.hourMs).toISOString().slice(0, 10) as IsoDay;
    if (!heldDays.has(utc)) continue;
    while (h.hourMs >= next) {
      day = addDays(day, 1);
      next = localDayStartMs(cal, addDays(day, 1));
    }
    m.add(part(day, hourBasis).sum, h.value);
  }
  // A local day with hours on an unheld UTC day is partial (those hours are in that UTC day's row); an
  // empty held day still makes a zero row, so a day with nothing reads 0, not missing.
  for (let d = f.from; d <= f.to; d = addDays(d, 1)) {
    const u = utcDaysOf(cal, d, d);
    const touched = u.from === u.to ? [u.from] : [u.from, u.to];
    const held = touched.filter((t) => heldDays.has(t)).length;
    if (held === 0) continue;
    if (held < touched.length) part(d, 'local, partial').basis = 'local, partial';
    else part(d, hourBasis);
  }
  // UTC days without hours, as they are: their date stands for the UTC day, never a local one.
  for (const [d, value] of utcDays) {
    if (heldDays.has(d) || d < f.from || d > f.to) continue;
    const existing = out.get(d);
    // A local day of the same date holds a few of its hours: keep the two apart under one date.
    if (existing) existing.basis = 'mixed';
    m.add(part(d, 'UTC days').sum, value);
  }
  return out;
}

export function combineBasis(a: DayBasis, b: DayBasis): DayBasis {
  if (a === b) return a;
  const local = (x: DayBasis) => x !== 'UTC days' && x !== 'mixed';
  if (local(a) && local(b)) return a === 'local, partial' || b === 'local, partial' ? 'local, partial' : 'local, by hour start';
  return 'mixed';
}

/** Days grouped into the calendar's periods, oldest first. */
export function groupIntoPeriods<S>(cal: Calendar, days: ReadonlyMap<IsoDay, DayPart<S>>, kind: PeriodKind, m: Pick<Measure<unknown, S>, 'zero' | 'merge'>): PeriodPart<S>[] {
  const periods = new Map<IsoDay, PeriodPart<S>>();
  for (const [day, dp] of days) {
    const p = periodOf(cal, day, kind);
    let cur = periods.get(p.start);
    if (!cur) periods.set(p.start, (cur = { period: p.start, label: p.label, sum: m.zero(), basis: dp.basis }));
    else cur.basis = combineBasis(cur.basis, dp.basis);
    m.merge(cur.sum, dp.sum);
  }
  return [...periods.values()].sort((a, b) => a.period.localeCompare(b.period));
}

/** The UTC days read for local days f.from..f.to: their instants' UTC days, and the same dates (UTC-day rows keep their date). */
export function utcReadRange<F extends { from: IsoDay; to: IsoDay }>(cal: Calendar, f: F): F {
  const utc = utcDaysOf(cal, f.from, f.to);
  return { ...f, from: utc.from < f.from ? utc.from : f.from, to: utc.to > f.to ? utc.to : f.to };
}
