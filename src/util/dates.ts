/** UTC calendar-day helpers. Days are 'YYYY-MM-DD' strings throughout the code base. */

import { AppError, EXIT, HTTP, InputError, type ExitCode } from './errors.js';

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A UTC calendar day, 'YYYY-MM-DD'. A template-literal type rather than a nominal brand: a literal such as
 * '2025-01-31' is one without ceremony, while a plain `string` (an API timestamp, a query parameter, a
 * value read back from SQL) has to pass parseDay, formatDay or asIsoDay first, so the compiler catches a
 * timestamp or an unchecked input where a day belongs.
 */
export type IsoDay = `${number}-${number}-${number}`;

export class DateInputError extends InputError {}

/** A date or timestamp in data (an API answer, a stored value) that is not one: the window fails. */
export class DateDataError extends AppError {
  readonly exitCode: ExitCode = EXIT.failed;
  readonly httpStatus: number = HTTP.internal;
}

/** Whether text is exactly a real YYYY-MM-DD calendar day (not 2025-02-30): the one day check. */
export function isCalendarDay(text: string): boolean {
  const m = ISO_DAY.exec(text);
  return m !== null && formatDay(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))) === text;
}

/** Parses a strict YYYY-MM-DD calendar day; rejects impossible dates such as 2025-02-30. */
export function parseDay(value: string, label = 'date'): IsoDay {
  const text = value.trim();
  if (!ISO_DAY.test(text)) throw new DateInputError(`${label} "${value}" is not a date: use YYYY-MM-DD, e.g. 2025-01-31`);
  if (!isCalendarDay(text)) throw new DateInputError(`${label} "${value}" is not a real calendar day: check the month and day`);
  return text as IsoDay;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the epoch (UTC) of an RFC 3339 / ISO 8601 timestamp; no offset means UTC.
 * Digits below the microsecond are dropped (the warehouses' resolution). Throws DateInputError for
 * text that is not a real point in time: the one timestamp check, the warehouse adapters convert.
 */
export function timestampMicros(text: string): bigint {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) throw new DateInputError(`"${text}" is not an ISO timestamp such as 2025-01-31T12:00:00Z`);
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  ) {
    throw new DateInputError(`"${text}" is not a real point in time`);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  const micros = BigInt(frac.slice(0, 6).padEnd(6, '0'));
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1000n + micros;
}

/**
 * The UTC day of an RFC 3339 instant (a bucket's starting_at). Throws DateDataError, naming `what`,
 * for text that is not a point in time.
 */
export function instantDay(text: string, what = 'timestamp'): IsoDay {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new DateDataError(`${what} "${text}" is not an RFC 3339 timestamp`);
  // The first ten characters of toISOString() are the UTC calendar day.
  return new Date(t).toISOString().slice(0, 10) as IsoDay;
}

const DAY_PREFIX = /^\d{4}-\d{2}-\d{2}/;

/**
 * The day a 'YYYY-MM-DD…' value (a day, or a timestamp written in its own day) starts with. Only
 * the shape is checked here, for the hot path: both warehouses' DATE conversion rejects a day that
 * is not on the calendar (2025-02-30). Throws DateDataError, naming `what`, for any other text.
 */
export function leadingDay(text: string, what = 'date'): IsoDay {
  if (!DAY_PREFIX.test(text)) throw new DateDataError(`${what} "${text}" does not start with a YYYY-MM-DD day`);
  return text.slice(0, 10) as IsoDay;
}

export function formatDay(d: Date): IsoDay {
  return d.toISOString().slice(0, 10) as IsoDay;
}

/**
 * A day the program made or stored itself (a DATE read back from the warehouse, the month's first day):
 * only the shape is checked, so a wrong value is a bug report, not a user error.
 */
export function asIsoDay(text: string): IsoDay {
  if (!ISO_DAY.test(text)) throw new Error(`internal: "${text}" is not a YYYY-MM-DD day`);
  return text as IsoDay;
}

/** The first day of the month a day is in. */
export function monthStart(day: IsoDay): IsoDay {
  return `${day.slice(0, 7)}-01` as IsoDay;
}

/** The calendar month (UTC) a day is in: 'YYYY-MM', its first and its last day. */
export function monthOf(day: IsoDay): { month: string; first: IsoDay; last: IsoDay } {
  const first = monthStart(day);
  return { month: day.slice(0, 7), first, last: addDays(monthStart(addDays(first, 32)), -1) };
}

/** How many days the month of a day has (28 to 31). */
export function daysInMonth(day: IsoDay): number {
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 0)).getUTCDate();
}

/** The Monday of the week (UTC) a day is in: weekly periods start there. */
export function weekStart(day: IsoDay): IsoDay {
  return addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
}

/** Saturday or Sunday (UTC): the forecast and the anomaly baselines judge them apart from weekdays. */
export function isWeekend(day: IsoDay): boolean {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return dow === 0 || dow === 6;
}

export function todayUtc(now: Date = new Date()): IsoDay {
  return formatDay(now);
}

export function addDays(day: IsoDay, n: number): IsoDay {
  return dayAtMs(dayStartMs(day) + n * DAY_MS);
}

// The day text of a day's first millisecond, remembered: the ledger's windows are turned into their
// days by every check, status and the dashboard (tens of thousands of days a pass over a year), and a
// Date and its ISO text per day was a tenth of a daily validate's JavaScript. A few thousand distinct
// days in practice; the bound only keeps a pathological caller from growing it without end.
const DAY_TEXT = new Map<number, IsoDay>();
function dayAtMs(ms: number): IsoDay {
  let text = DAY_TEXT.get(ms);
  if (text === undefined) {
    text = formatDay(new Date(ms));
    if (DAY_TEXT.size < 100_000) DAY_TEXT.set(ms, text);
  }
  return text;
}

export function dayStartMs(day: IsoDay): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** RFC 3339 timestamp of the start of a day, as the report endpoints expect. */
export function dayStartRfc3339(day: IsoDay): string {
  return `${day}T00:00:00Z`;
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: IsoDay, b: IsoDay): number {
  return Math.round((dayStartMs(b) - dayStartMs(a)) / DAY_MS);
}

/** Every day from first to last, both inclusive. */
export function eachDay(first: IsoDay, last: IsoDay): IsoDay[] {
  const out: IsoDay[] = [];
  if (first > last) return out;
  const end = dayStartMs(last);
  for (let ms = dayStartMs(first); ms <= end; ms += DAY_MS) out.push(dayAtMs(ms));
  return out;
}

/** An inclusive range of UTC days. */
export interface DayRange {
  from: IsoDay;
  to: IsoDay;
}
