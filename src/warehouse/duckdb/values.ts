/**
 * Exact conversion of row values (decimal strings, ISO days and timestamps) into DuckDB values.
 * Money never passes through a JS number: decimal strings are scaled to BigInt digit by digit.
 */
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampValue } from '@duckdb/node-api';

export const DECIMAL_WIDTH = 38;

/** Why a value cannot be stored; callers add the table and column. */
export class ValueError extends Error {}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * The scaled integer (value × 10^scale) of a decimal string, exactly. Fractional digits beyond the
 * scale are accepted only when they are zeros (no information is lost); anything else throws
 * rather than rounding, as does a value wider than DECIMAL(38, scale).
 */
export function scaleDecimal(input: string | number | bigint, scale: number, width = DECIMAL_WIDTH): bigint {
  let text: string;
  if (typeof input === 'bigint') text = input.toString();
  else if (typeof input === 'number') {
    // A fractional float may already have lost digits before it reached us; only integers are trustworthy.
    if (!Number.isSafeInteger(input)) throw new ValueError(`${input} is a floating-point number: pass money as a decimal string`);
    text = String(input);
  } else text = input.trim();
  const m = DECIMAL_TEXT.exec(text);
  if (!m) throw new ValueError(`"${text}" is not a plain decimal number (digits, optional sign and point, no exponent)`);
  const [, sign, intPart, fracPart = ''] = m;
  const kept = fracPart.slice(0, scale);
  if (/[^0]/.test(fracPart.slice(scale))) {
    throw new ValueError(`"${text}" has more than ${scale} decimal places and cannot be stored exactly`);
  }
  const digits = `${intPart}${kept.padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > width) {
    throw new ValueError(`"${text}" is too large for DECIMAL(${width},${scale})`);
  }
  const scaled = BigInt(digits);
  return sign === '-' ? -scaled : scaled;
}

export function decimalValue(input: string | number | bigint, scale: number): DuckDBDecimalValue {
  return new DuckDBDecimalValue(scaleDecimal(input, scale), DECIMAL_WIDTH, scale);
}

/** Canonical text of a scaled decimal: no exponent, no trailing fractional zeros (as decimal.js toFixed()). */
export function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  const text = frac ? `${intPart}.${frac}` : intPart;
  return negative && text !== '0' ? `-${text}` : text;
}

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function dayNumber(text: string): number {
  const m = ISO_DAY.exec(text);
  if (!m) throw new ValueError(`"${text}" is not a day: expected YYYY-MM-DD`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== text) throw new ValueError(`"${text}" is not a real calendar day`);
  return ms / DAY_MS;
}

export function dateValue(text: string): DuckDBDateValue {
  return new DuckDBDateValue(dayNumber(text));
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the epoch (UTC) of an RFC 3339 / ISO 8601 timestamp. No offset means UTC.
 * Digits below the microsecond are dropped: DuckDB TIMESTAMP has microsecond resolution.
 */
export function timestampMicros(text: string): bigint {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) throw new ValueError(`"${text}" is not an ISO timestamp such as 2025-01-31T12:00:00Z`);
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
    throw new ValueError(`"${text}" is not a real point in time`);
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
