/** UTC calendar-day helpers. Days are 'YYYY-MM-DD' strings throughout the code base. */

import { InputError } from './errors.js';

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export type IsoDay = string;

export class DateInputError extends InputError {}

/** Parses a strict YYYY-MM-DD calendar day; rejects impossible dates such as 2025-02-30. */
export function parseDay(value: string, label = 'date'): IsoDay {
  const m = ISO_DAY.exec(value.trim());
  if (!m) throw new DateInputError(`${label} "${value}" is not a date: use YYYY-MM-DD, e.g. 2025-01-31`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (formatDay(d) !== value.trim()) {
    throw new DateInputError(`${label} "${value}" is not a real calendar day: check the month and day`);
  }
  return value.trim();
}

export function formatDay(d: Date): IsoDay {
  return d.toISOString().slice(0, 10);
}

export function todayUtc(now: Date = new Date()): IsoDay {
  return formatDay(now);
}

export function addDays(day: IsoDay, n: number): IsoDay {
  return formatDay(new Date(dayStartMs(day) + n * DAY_MS));
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
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

/** An inclusive range of UTC days. */
export interface DayRange {
  from: IsoDay;
  to: IsoDay;
}
