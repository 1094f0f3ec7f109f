/**
 * The organization's calendar: an IANA time zone, the first month of its fiscal year and the first day
 * of its week (claude-ingest.yaml `timezone`, `fiscal_year_start_month`, `week_start`; `--tz`).
 *
 * Offsets come from the platform's ICU time-zone data (Intl, full ICU in Node 20+), never from a table
 * of our own: a zone that changes its rules is right as soon as Node's data is. A local day is found by
 * asking Intl which local date an instant has, and its UTC instants by searching for the first second
 * whose local date is that day, so 23- and 25-hour days, half-hour zones and zones whose daylight-saving
 * change happens at midnight need no special case.
 */
import { addDays, asIsoDay, dayStartMs, type IsoDay } from './dates.js';
import { InputError } from './errors.js';

export type WeekStart = 'monday' | 'sunday';
export type PeriodKind = 'day' | 'week' | 'month' | 'quarter' | 'fiscal_year';
export const PERIOD_KINDS: readonly PeriodKind[] = ['day', 'week', 'month', 'quarter', 'fiscal_year'];

export interface Calendar {
  /** The zone's canonical IANA name as Intl resolves it ("UTC" for every alias of UTC). */
  timeZone: string;
  /** 1 = January … 12 = December: the first month of the fiscal year (fiscal quarters start with it). */
  fiscalYearStartMonth: number;
  weekStart: WeekStart;
}

export const UTC_CALENDAR: Calendar = { timeZone: 'UTC', fiscalYearStartMonth: 1, weekStart: 'monday' };

export class TimeZoneError extends InputError {}

const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The canonical name of an IANA zone, or a TimeZoneError saying how to fix it. Offsets such as
 * "+05:30" are refused (Node 22 accepts them, Node 20 does not): a fixed offset is no organization's
 * calendar, and "Etc/GMT-5" spells one when it really is.
 */
export function checkTimeZone(name: string, label = 'timezone'): string {
  const text = name.trim();
  if (text !== '' && !/^[+-]/.test(text)) {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
    } catch {
      // fall through to the one-line error
    }
  }
  throw new TimeZoneError(`${label ? `${label} ` : ''}"${name}" is not an IANA time zone: use a name such as America/Los_Angeles, Europe/Berlin or UTC`);
}

export function makeCalendar(o: { timezone?: string | undefined; fiscal_year_start_month?: number | undefined; week_start?: WeekStart | undefined }, label = 'timezone'): Calendar {
  const month = o.fiscal_year_start_month ?? 1;
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new InputError(`fiscal_year_start_month ${month} is not a month: use 1 (January) to 12 (December)`);
  return { timeZone: o.timezone === undefined ? 'UTC' : checkTimeZone(o.timezone, label), fiscalYearStartMonth: month, weekStart: o.week_start ?? 'monday' };
}

export function isUtc(cal: Calendar): boolean {
  return cal.timeZone === 'UTC';
}

/** Local wall-clock fields of an instant (seconds resolution). */
function wallClock(timeZone: string, ms: number): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
export function offsetMs(cal: Calendar, ms: number): number {
  if (isUtc(cal)) return 0;
  const w = wallClock(cal.timeZone, ms);
  const floored = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - floored;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local calendar day an instant falls on. */
export function localDay(cal: Calendar, ms: number): IsoDay {
  if (isUtc(cal)) return new Date(ms).toISOString().slice(0, 10) as IsoDay;
  const w = wallClock(cal.timeZone, ms);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}` as IsoDay;
}

const dayStarts = new Map<string, number>();

/**
 * The first instant (ms since the epoch, whole seconds) of a local day: its midnight, or the first
 * instant after a gap where a daylight-saving change skips midnight. Found by bisection on the
 * monotone "local day of this instant", so it holds for every rule ICU knows.
 */
export function localDayStartMs(cal: Calendar, day: IsoDay): number {
  if (isUtc(cal)) return dayStartMs(day);
  const key = `${cal.timeZone} ${day}`;
  const hit = dayStarts.get(key);
  if (hit !== undefined) return hit;
  // Nearly always midnight at the offset midnight has: two questions instead of a search.
  const midnight = dayStartMs(day);
  const guess = midnight - offsetMs(cal, midnight - offsetMs(cal, midnight));
  if (localDay(cal, guess) === day && localDay(cal, guess - 1000) < day) {
    dayStarts.set(key, guess);
    return guess;
  }
  // A gap at midnight, or an unusual rule: search. Every zone's offset lies within ±15 h
  // (Kiritimati +14, Baker −12), so the start lies in this span.
  let lo = Math.floor((dayStartMs(day) - 15 * HOUR_MS) / 1000);
  let hi = Math.floor((dayStartMs(day) + 15 * HOUR_MS) / 1000);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDay(cal, mid * 1000) < day) lo = mid + 1;
    else hi = mid;
  }
  const start = lo * 1000;
  if (dayStarts.size > 50_000) dayStarts.clear();
  dayStarts.set(key, start);
  return start;
}

export interface LocalSpan {
  /** First instant, inclusive (ms). */
  startMs: number;
  /** First instant of the next day (or period), exclusive (ms). */
  endMs: number;
  /** Its length in hours: 24, or 23/25 on daylight-saving days (fractions for half-hour changes). */
  hours: number;
}

/** The UTC instants of the local days first..last. */
export function localSpan(cal: Calendar, first: IsoDay, last: IsoDay): LocalSpan {
  const startMs = localDayStartMs(cal, first);
  const endMs = localDayStartMs(cal, addDays(last, 1));
  return { startMs, endMs, hours: (endMs - startMs) / HOUR_MS };
}

/** The UTC days (inclusive) that hold any instant of the local days first..last. */
export function utcDaysOf(cal: Calendar, first: IsoDay, last: IsoDay): { from: IsoDay; to: IsoDay } {
  const s = localSpan(cal, first, last);
  return { from: new Date(s.startMs).toISOString().slice(0, 10) as IsoDay, to: new Date(s.endMs - 1).toISOString().slice(0, 10) as IsoDay };
}

export interface Period {
  /** The period's first local day: how reports name and sort it. */
  start: IsoDay;
  /** Its last local day. */
  end: IsoDay;
  /** What people call it: the day, "2026-W07" (the week's first day's ISO-like year and number), "2026-03", "FY2027 Q1", "FY2027". */
  label: string;
}

function ymd(day: IsoDay): [number, number, number] {
  return [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
}

function dayOf(y: number, m: number, d: number): IsoDay {
  // Date.UTC normalises month overflow (m = 13 → January of y + 1).
  return asIsoDay(new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10));
}

/**
 * The fiscal year a day is in, named by the calendar year in which it ends (a year starting
 * February 2026 is FY2027, as most companies with such a year name it); with January as the first
 * month it is the calendar year.
 */
function fiscalYear(cal: Calendar, day: IsoDay): { start: IsoDay; name: number } {
  const [y, m] = ymd(day);
  const startYear = m >= cal.fiscalYearStartMonth ? y : y - 1;
  return { start: dayOf(startYear, cal.fiscalYearStartMonth, 1), name: cal.fiscalYearStartMonth === 1 ? startYear : startYear + 1 };
}

/** The period of a kind that a local day belongs to in this calendar. */
export function periodOf(cal: Calendar, day: IsoDay, kind: PeriodKind): Period {
  const [y, m] = ymd(day);
  switch (kind) {
    case 'day':
      return { start: day, end: day, label: day };
    case 'week': {
      const dow = new Date(dayStartMs(day)).getUTCDay(); // 0 = Sunday
      const back = cal.weekStart === 'sunday' ? dow : (dow + 6) % 7;
      const start = addDays(day, -back);
      return { start, end: addDays(start, 6), label: `week of ${start}` };
    }
    case 'month': {
      const start = dayOf(y, m, 1);
      return { start, end: addDays(dayOf(y, m + 1, 1), -1), label: day.slice(0, 7) };
    }
    case 'quarter': {
      const fy = fiscalYear(cal, day);
      const monthsIn = (m - cal.fiscalYearStartMonth + 12) % 12;
      const q = Math.floor(monthsIn / 3);
      const [fyY, fyM] = ymd(fy.start);
      const start = dayOf(fyY, fyM + q * 3, 1);
      const [sy, sm] = ymd(start);
      const label = cal.fiscalYearStartMonth === 1 ? `${fy.name} Q${q + 1}` : `FY${fy.name} Q${q + 1}`;
      return { start, end: addDays(dayOf(sy, sm + 3, 1), -1), label };
    }
    case 'fiscal_year': {
      const fy = fiscalYear(cal, day);
      const [fyY, fyM] = ymd(fy.start);
      return { start: fy.start, end: addDays(dayOf(fyY + 1, fyM, 1), -1), label: cal.fiscalYearStartMonth === 1 ? String(fy.name) : `FY${fy.name}` };
    }
  }
}

/** "today" in the calendar's zone. */
export function localToday(cal: Calendar, now: Date = new Date()): IsoDay {
  return localDay(cal, now.getTime());
}

/** One line for headers and status: "America/New_York (fiscal year from February, weeks from Sunday)". */
export function describeCalendar(cal: Calendar): string {
  const extras: string[] = [];
  if (cal.fiscalYearStartMonth !== 1) extras.push(`fiscal year from ${new Date(Date.UTC(2000, cal.fiscalYearStartMonth - 1, 1)).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' })}`);
  if (cal.weekStart === 'sunday') extras.push('weeks from Sunday');
  return extras.length > 0 ? `${cal.timeZone} (${extras.join(', ')})` : cal.timeZone;
}
