/**
 * Exact conversion of row values (decimal strings, ISO days and timestamps) into DuckDB values.
 * Money never passes through a JS number: decimal strings are scaled to BigInt digit by digit.
 */
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampValue } from './driver.js';
import { dayStartMs, DateInputError, isCalendarDay, timestampMicros as checkedTimestampMicros, type IsoDay } from '../../util/dates.js';
import { formatScaled, MoneyError, storableDecimal } from '../../util/money.js';

export const DECIMAL_WIDTH = 38;

/** Why a value cannot be stored; callers add the table and column. */
export class ValueError extends Error {}

/** The scaled integer (value × 10^scale) of a decimal string, exactly; util/money.ts decides what is storable. */
export function scaleDecimal(input: string | number | bigint, scale: number, width = DECIMAL_WIDTH): bigint {
  try {
    return storableDecimal(input, scale, width);
  } catch (err) {
    throw err instanceof MoneyError ? new ValueError(err.message) : err;
  }
}

export function decimalValue(input: string | number | bigint, scale: number): DuckDBDecimalValue {
  return new DuckDBDecimalValue(scaleDecimal(input, scale), DECIMAL_WIDTH, scale);
}

export { formatScaled };

const DAY_MS = 86_400_000;

/** Days since the epoch of a 'YYYY-MM-DD' day; util/dates.ts decides what is a real day. */
export function dayNumber(text: string): number {
  if (!isCalendarDay(text)) throw new ValueError(`"${text}" is not a real calendar day (YYYY-MM-DD)`);
  return dayStartMs(text as IsoDay) / DAY_MS;
}

export function dateValue(text: string): DuckDBDateValue {
  return new DuckDBDateValue(dayNumber(text));
}

/** Microseconds since the epoch of an ISO timestamp; util/dates.ts decides what is a real point in time. */
export function timestampMicros(text: string): bigint {
  try {
    return checkedTimestampMicros(text);
  } catch (err) {
    throw err instanceof DateInputError ? new ValueError(err.message) : err;
  }
}

export function timestampValue(text: string): DuckDBTimestampValue {
  return new DuckDBTimestampValue(timestampMicros(text));
}

/** 'YYYY-MM-DDTHH:MM:SS.sssZ' from microseconds since the epoch (sub-millisecond digits dropped). */
export function isoFromMicros(micros: bigint): string {
  const floorMs = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  return new Date(Number(floorMs)).toISOString();
}

export function isoFromDays(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** A 64-bit integer column value from a number, bigint or digit string. */
export function bigintValue(input: string | number | bigint): bigint {
  let value: bigint;
  if (typeof input === 'bigint') value = input;
  else if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) throw new ValueError(`${input} is not a whole number`);
    value = BigInt(input);
  } else {
    if (!/^-?\d+$/.test(input.trim())) throw new ValueError(`"${input}" is not a whole number`);
    value = BigInt(input.trim());
  }
  if (value > INT64_MAX || value < INT64_MIN) throw new ValueError(`${value} does not fit a 64-bit integer`);
  return value;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
