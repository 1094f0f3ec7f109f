/**
 * Exact money. The API sends cents as decimal strings with fractional digits ("123.78912");
 * binary floats would lose cents when summed, so all arithmetic goes through decimal.js and the
 * warehouse stores DECIMAL(38,12) cents and DECIMAL(38,14) dollars: twelve fractional digits of a cent
 * hold every amount the API has been seen to send exactly, with room to spare.
 */
import { Decimal } from 'decimal.js';
import { AppError, EXIT, HTTP, type ExitCode } from './errors.js';

// 38 significant digits is the widest the warehouse column holds; keep headroom for sums.
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -60, toExpPos: 60 });

export const CENTS_SCALE = 12;
export const USD_SCALE = 14;
const MAX_INTEGER_DIGITS = 38 - CENTS_SCALE;

export class MoneyError extends AppError {
  readonly exitCode: ExitCode = EXIT.failed;
  readonly httpStatus: number = HTTP.internal;
}

const DECIMAL_STRING = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * decimal.js's toFixed() text of a plain decimal given as sign, integer and fraction digits, by string
 * operations alone: most amounts need no rounding, and a decimal.js object per value was a large share
 * of an analytics backfill's allocations (two per money column, cents and dollars).
 */
function canonicalText(sign: string, intDigits: string, fracDigits: string): string {
  let i = 0;
  while (i < intDigits.length - 1 && intDigits.charCodeAt(i) === 48) i++;
  let e = fracDigits.length;
  while (e > 0 && fracDigits.charCodeAt(e - 1) === 48) e--;
  const intPart = i === 0 ? intDigits : intDigits.slice(i);
  const text = e === 0 ? intPart : `${intPart}.${fracDigits.slice(0, e)}`;
  return sign === '-' && text !== '0' ? `-${text}` : text;
}

/**
 * Validated money, branded by unit: parseCents makes Cents and centsToUsd makes Usd, so an unchecked
 * string, or dollars where cents belong (a warehouse row's cents column), does not compile. The public
 * overload signatures carry the brands; the implementations stay plain string functions.
 */
export type Cents = string & { readonly __unit: 'cents' };
export type Usd = string & { readonly __unit: 'usd' };

/** Counts values that had to be rounded to fit the warehouse's scale (kept in the window's ledger row). */
export interface RoundingTally {
  rounded: number;
}

/**
 * Validates an API cents value and returns it in canonical form (no exponent, no trailing zeros).
 *
 * A decimal string (billed cents) is kept exactly when it fits DECIMAL(38,12); one with more
 * fractional digits is rounded half-even to 12 and counted in `tally`, so `validate` can say how many
 * values were rounded instead of a 31-day window failing over a digit no invoice shows.
 *
 * A JSON number (Claude Code's estimated cost) may carry binary-float noise (0.30000000000000004):
 * its shortest round-trip decimal is rounded half-even to the scale without counting, because the
 * noise is not information.
 */
export function parseCents(value: unknown, where?: string, tally?: RoundingTally): Cents;
export function parseCents(value: unknown, where = 'amount', tally?: RoundingTally): string {
  let d: InstanceType<typeof D>;
  if (typeof value === 'string') {
    const text = value.trim();
    const m = DECIMAL_STRING.exec(text);
    if (!m) throw new MoneyError(`${where}: "${text}" is not a decimal number of cents`);
    const [, sign = '', intDigits = '', fracDigits = ''] = m;
    if (fracDigits.length <= CENTS_SCALE) {
      const canonical = canonicalText(sign, intDigits, fracDigits);
      const integerDigits = canonical.replace(/^-/, '').split('.')[0]!;
      if (integerDigits !== '0' && integerDigits.length > MAX_INTEGER_DIGITS) {
        throw new MoneyError(`${where}: "${canonical}" is too large to store exactly in DECIMAL(38,${CENTS_SCALE})`);
      }
      return canonical;
    }
    d = new D(text);
    if (d.decimalPlaces() > CENTS_SCALE) {
      d = d.toDecimalPlaces(CENTS_SCALE, D.ROUND_HALF_EVEN);
      if (tally) tally.rounded++;
    }
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    // decimal.js reads a number through its shortest round-trip text, as JSON.stringify prints it.
    d = new D(value).toDecimalPlaces(CENTS_SCALE, D.ROUND_HALF_EVEN);
  } else {
    throw new MoneyError(`${where}: expected a decimal string of cents, got ${JSON.stringify(value)}`);
  }
  if (d.abs().trunc().toFixed().replace(/^0$/, '').length > MAX_INTEGER_DIGITS) {
    throw new MoneyError(`${where}: "${d.toFixed()}" is too large to store exactly in DECIMAL(38,${CENTS_SCALE})`);
  }
  return d.toFixed();
}

const PLAIN_DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** 10^n as a BigInt, for the scales money uses. */
const POW10: bigint[] = Array.from({ length: 40 }, (_, n) => 10n ** BigInt(n));
/** Digits a JS number holds exactly as an integer (< 2^53). */
const EXACT_DIGITS = 15;

/**
 * `text` × 10^scale when it is a plain decimal (optional '-', digits, optional '.' and at most `scale`
 * digits) of at most 15 digits in all, else null (the caller's general path decides). The digits are
 * gathered as a whole number below 2^53, so every step is exact integer arithmetic; the scale is applied
 * in BigInt. This is what most API amounts look like ("123.456789012"), and it allocates one BigInt.
 */
export function shortScaled(text: string, scale: number): bigint | null {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let digits = 0;
  let fraction = -1;
  let value = 0;
  if (i >= n) return null;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (fraction !== -1 || digits === 0 || i === n - 1) return null;
      fraction = 0;
      continue;
    }
    if (c < 48 || c > 57) return null;
    if (++digits > EXACT_DIGITS) return null;
    if (fraction !== -1 && ++fraction > scale) return null;
    value = value * 10 + (c - 48);
  }
  const scaled = BigInt(value) * POW10[scale - Math.max(fraction, 0)]!;
  return negative ? -scaled : scaled;
}

/**
 * The one check that a value can be stored in a DECIMAL(width, scale) column without losing anything,
 * returned as its scaled integer (value × 10^scale). A decimal string or a whole number is accepted;
 * fractional digits beyond the scale only when they are zeros, and the integer part only when it fits
 * the width (null: no width limit, as BigQuery's BIGNUMERIC). Throws MoneyError rather than rounding:
 * the warehouse adapters only convert what this returns.
 */
export function storableDecimal(input: string | number | bigint, scale: number, width: number | null = 38): bigint {
  // Nearly every value the write path converts is short canonical text: no regex, no padded copy.
  if (typeof input === 'string') {
    const fast = shortScaled(input, scale);
    if (fast !== null) return fast;
  }
  let text: string;
  if (typeof input === 'bigint') text = input.toString();
  else if (typeof input === 'number') {
    // A fractional float may already have lost digits before it reached us; only integers are trustworthy.
    if (!Number.isSafeInteger(input)) throw new MoneyError(`${input} is a floating-point number: pass money as a decimal string`);
    text = String(input);
  } else text = input.trim();
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) throw new MoneyError(`"${text}" is not a plain decimal number (digits, optional sign and point, no exponent)`);
  const [, sign, intPart = '', fracPart = ''] = m;
  if (/[^0]/.test(fracPart.slice(scale))) {
    throw new MoneyError(`"${text}" has more than ${scale} decimal places and cannot be stored exactly`);
  }
  const digits = `${intPart}${fracPart.slice(0, scale).padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
  if (width !== null && digits.length > width) throw new MoneyError(`"${text}" is too large for DECIMAL(${width},${scale})`);
  const scaled = BigInt(digits);
  return sign === '-' ? -scaled : scaled;
}

/** Canonical text of a scaled decimal: no exponent, no trailing fractional zeros (as decimal.js toFixed()). */
/** Plain decimal text with at most 12 places (a cents column or its SUM, as a warehouse returns it). */
const SUB_CENTS_TEXT = /^(-?)(\d+)(?:\.(\d{1,12}))?$/;

/**
 * A cents value (text, or a whole number) in whole sub-cents (cents × 10^12), exactly. Sums of
 * 15 digits and more (a year of kept allocation lines) are parsed here without decimal.js, which
 * was most of reading them (docs/performance.md, Round 14).
 */
export function subCentsOf(v: unknown): bigint {
  const m = typeof v === 'string' ? SUB_CENTS_TEXT.exec(v) : null;
  if (!m) return storableDecimal(canonicalDecimal(v), CENTS_SCALE, null);
  const scaled = BigInt(`${m[2]!}${(m[3] ?? '').padEnd(CENTS_SCALE, '0')}`);
  return m[1] ? -scaled : scaled;
}

export function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  const text = frac ? `${intPart}.${frac}` : intPart;
  return negative && text !== '0' ? `-${text}` : text;
}

/**
 * Canonical decimal text (no exponent, no trailing zeros) of a warehouse cell, so equal amounts compare
 * equal as strings: a warehouse's text cast may keep the column's trailing zeros. NULL or empty is 0.
 */
export function canonicalDecimal(v: unknown): string {
  const text = v === null || v === undefined || v === '' ? '0' : String(v);
  const fast = shortScaled(text, SUM_SCALE);
  return fast !== null ? formatScaled(fast, SUM_SCALE) : new D(text).toFixed();
}

/**
 * Both amounts scaled to SUM_SCALE when both are short plain decimals (what the API sends and the
 * warehouse returns), else null: comparisons and maxima over a year of daily figures (validate's
 * large-line check: 33,000 of them) stay in BigInt instead of a decimal.js object per step.
 */
function shortPair(a: DecimalInput, b: DecimalInput): [bigint, bigint] | null {
  const x = typeof a === 'string' ? shortScaled(a, SUM_SCALE) : null;
  if (x === null) return null;
  const y = typeof b === 'string' ? shortScaled(b, SUM_SCALE) : null;
  return y === null ? null : [x, y];
}

/** Dollars from cents, exact (division by 100 only moves the decimal point). */
export function centsToUsd(cents: Cents): Usd;
export function centsToUsd(cents: string): string {
  const m = DECIMAL_STRING.exec(cents);
  if (!m) return new D(cents).div(100).toFixed();
  const [, sign = '', intDigits = '', fracDigits = ''] = m;
  const padded = intDigits.padStart(3, '0');
  return canonicalText(sign, padded.slice(0, -2), padded.slice(-2) + fracDigits);
}

/** Dollars from exact decimal text computed here (a configured fee, a reconciliation's sum): checked, canonical. */
export function usdFromDecimal(value: string, where = 'amount'): Usd {
  if (!DECIMAL_STRING.test(value)) throw new MoneyError(`${where}: ${value} is not a decimal amount of dollars`);
  return new D(value).toFixed() as Usd;
}

/**
 * Exact sum of decimal strings. Short plain decimals (what the warehouses return) are summed as
 * scaled BigInts, the rest with decimal.js (DecimalSum): the same canonical text as folding
 * decimal.js over all of them (test/util/money.test.ts), without an object per value — the
 * dashboard's "other" rows and day totals sum ~50,000 amounts at a first start (Round 14).
 */
export function sumDecimals(values: Iterable<string>): string {
  const sum = new DecimalSum();
  for (const v of values) sum.add(v);
  return sum.toString();
}

export function addDecimal(a: string, b: string): string {
  return new D(a).plus(b).toFixed();
}

// The small API every other module does its exact arithmetic through (decimal.js stays behind it; lint
// refuses it elsewhere). Values go in as decimal text (or a whole number) and come out as canonical
// decimal text: no exponent, no trailing zeros, so equal amounts compare equal as strings.
export type DecimalInput = string | number;

export function subtractDecimal(a: DecimalInput, b: DecimalInput): string {
  return new D(a).minus(b).toFixed();
}

export function multiplyDecimal(a: DecimalInput, b: DecimalInput): string {
  return new D(a).times(b).toFixed();
}

/** a / b to 60 significant digits (rounded half-even); a division by zero is a MoneyError. */
export function divideDecimal(a: DecimalInput, b: DecimalInput): string {
  const divisor = new D(b);
  if (divisor.isZero()) throw new MoneyError(`cannot divide ${a} by zero`);
  return new D(a).div(divisor).toFixed();
}

/** -1, 0 or 1 as a is less than, equal to or greater than b: a sort comparator for amounts. */
export function compareDecimal(a: DecimalInput, b: DecimalInput): -1 | 0 | 1 {
  const pair = shortPair(a, b);
  if (pair) return pair[0] < pair[1] ? -1 : pair[0] > pair[1] ? 1 : 0;
  return new D(a).comparedTo(b) as -1 | 0 | 1;
}

export function isZeroDecimal(v: DecimalInput): boolean {
  return new D(v).isZero();
}

export function isNegativeDecimal(v: DecimalInput): boolean {
  const d = new D(v);
  return d.isNegative() && !d.isZero();
}

export function absDecimal(v: DecimalInput): string {
  return new D(v).abs().toFixed();
}

/**
 * √v to 60 significant digits (rounded half-even): the FOCUS reconciliation tolerance grows with the
 * square root of the row count. A negative v is a MoneyError (decimal.js would return NaN).
 */
export function sqrtDecimal(v: DecimalInput): string {
  const d = new D(v);
  if (d.isNegative() && !d.isZero()) throw new MoneyError(`cannot take the square root of ${v}`);
  return d.sqrt().toFixed();
}

/** The larger of two amounts. */
export function maxDecimal(a: DecimalInput, b: DecimalInput): string {
  const pair = shortPair(a, b);
  if (pair) return formatScaled(pair[0] > pair[1] ? pair[0] : pair[1], SUM_SCALE);
  return D.max(a, b).toFixed();
}

/** A float for what only shows a ratio or feeds a metric (never for money that is added again). */
export function decimalToNumber(v: DecimalInput): number {
  return new D(v).toNumber();
}

/**
 * Rounded to `places` fractional digits: half-even (banker's, as the warehouse rounds) or down
 * (toward zero: "100 %" is never shown for 99.999 %) or floor (toward minus infinity). `fixed` keeps
 * trailing zeros ("2.50").
 */
export function roundDecimal(v: DecimalInput, places: number, mode: 'half-even' | 'down' | 'floor' = 'half-even', fixed = false): string {
  const r = new D(v).toDecimalPlaces(places, mode === 'down' ? D.ROUND_DOWN : mode === 'floor' ? D.ROUND_FLOOR : D.ROUND_HALF_EVEN);
  return fixed ? r.toFixed(places) : r.toFixed();
}

/** Fractional digits a DecimalSum adds exactly in BigInt: dollars' scale, so cents and dollars both fit. */
const SUM_SCALE = 14;

/**
 * A running exact sum, for totals kept per key (a Map of them) without re-parsing text per addition.
 * Short plain decimals (what the API sends) are added as BigInts scaled by 10^14; anything else
 * (more digits, an exponent, a number) goes through decimal.js, and the two parts meet in toString().
 * An analytics_cost window adds three amounts per row (its cents total and the chain check's sums):
 * a decimal.js object per addition was a tenth of a daily run's allocations.
 */
export class DecimalSum {
  private scaled = 0n;
  private other: InstanceType<typeof D> | null = null;

  add(v: DecimalInput): this {
    const fast = typeof v === 'string' ? shortScaled(v, SUM_SCALE) : null;
    if (fast !== null) this.scaled += fast;
    else this.other = (this.other ?? new D(0)).plus(v);
    return this;
  }

  isZero(): boolean {
    return this.other === null ? this.scaled === 0n : this.total().isZero();
  }

  /** Canonical decimal text of the sum so far. */
  toString(): string {
    return this.other === null ? formatScaled(this.scaled, SUM_SCALE) : this.total().toFixed();
  }

  private total(): InstanceType<typeof D> {
    return new D(formatScaled(this.scaled, SUM_SCALE)).plus(this.other ?? 0);
  }
}

// "$1,234.57" for display: the stored value stays exact; only the rendering rounds. One
// implementation, a plain ES module the dashboard page loads too.
export { formatUsd } from './format-usd.js';

export { D as ExactDecimal };
