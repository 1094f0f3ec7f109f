/**
 * Exact money. The API sends cents as decimal strings with fractional digits ("123.78912");
 * binary floats would lose cents when summed, so all arithmetic goes through decimal.js and the
 * warehouse stores DECIMAL(38,9) cents and DECIMAL(38,11) dollars.
 */
import { Decimal } from 'decimal.js';

// 38 significant digits is the widest the warehouse column holds; keep headroom for sums.
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -60, toExpPos: 60 });

export const CENTS_SCALE = 9;
export const USD_SCALE = 11;
const MAX_INTEGER_DIGITS = 38 - CENTS_SCALE;

export class MoneyError extends Error {}

const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

/**
 * Validates an API cents string and returns it in canonical form (no exponent, trimmed trailing zeros).
 * Throws MoneyError when it cannot be stored exactly in DECIMAL(38,9): we never round silently.
 */
export function parseCents(value: unknown, where = 'amount'): string {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = new D(value).toFixed();
  else throw new MoneyError(`${where}: expected a decimal string of cents, got ${JSON.stringify(value)}`);
  if (!DECIMAL_STRING.test(text)) {
    throw new MoneyError(`${where}: "${text}" is not a decimal number of cents`);
  }
  const d = new D(text);
  if (d.decimalPlaces() > CENTS_SCALE) {
    throw new MoneyError(`${where}: "${text}" has more than ${CENTS_SCALE} decimal places of cents and cannot be stored exactly`);
  }
  if (d.abs().trunc().toFixed().replace(/^0$/, '').length > MAX_INTEGER_DIGITS) {
    throw new MoneyError(`${where}: "${text}" is too large to store exactly in DECIMAL(38,${CENTS_SCALE})`);
  }
  return d.toFixed();
}

/** Dollars from cents, exact (division by 100 only moves the decimal point). */
export function centsToUsd(cents: string): string {
  return new D(cents).div(100).toFixed();
}

/** Exact sum of decimal strings. */
export function sumDecimals(values: Iterable<string>): string {
  let acc = new D(0);
  for (const v of values) acc = acc.plus(v);
  return acc.toFixed();
}

export function addDecimal(a: string, b: string): string {
  return new D(a).plus(b).toFixed();
}

export function compareDecimal(a: string, b: string): number {
  return new D(a).comparedTo(b);
}

// "$1,234.57" for display: the stored value stays exact; only the rendering rounds. One
// implementation, a plain ES module the dashboard page loads too.
export { formatUsd } from './format-usd.js';

export { D as ExactDecimal };
