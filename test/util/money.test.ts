import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { canonicalDecimal, centsToUsd, compareDecimal, DecimalSum, maxDecimal, MoneyError, parseCents, sqrtDecimal, storableDecimal, subCentsOf, sumDecimals, type Cents } from '../../src/util/money.js';

// The reference: decimal.js with the module's settings (60 digits, half-even, never an exponent).
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -60, toExpPos: 60 });

/** A seeded generator of decimal strings with leading and trailing zeros, signs and long fractions. */
function* decimals(n: number): Generator<string> {
  let s = 12345;
  const next = (k: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % k;
  };
  const digits = (len: number) => Array.from({ length: len }, () => String(next(10))).join('');
  for (let i = 0; i < n; i++) {
    const sign = next(5) === 0 ? '-' : '';
    const lead = '0'.repeat(next(3));
    const int = next(6) === 0 ? '0' : digits(1 + next(20));
    const frac = next(4) === 0 ? '' : `.${digits(next(16))}${'0'.repeat(next(3))}`;
    yield `${sign}${lead}${int}${frac === '.' ? '' : frac}`;
  }
}

describe('money', () => {
  it('parseCents gives decimal.js canonical text, rounding half-even past 12 significant places and counting it', () => {
    for (const text of decimals(20_000)) {
      const tally = { rounded: 0 };
      const expected = new D(text).toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN).toFixed();
      expect(parseCents(text, 'x', tally), text).toBe(expected);
      expect(tally.rounded, text).toBe(new D(text).decimalPlaces() > 12 ? 1 : 0);
    }
    expect(parseCents('-0.000')).toBe('0');
    expect(parseCents('007.50')).toBe('7.5');
    expect(parseCents(0.30000000000000004)).toBe('0.3');
  });

  it('centsToUsd moves the point two places, exactly as decimal.js divides', () => {
    for (const text of decimals(20_000)) expect(centsToUsd(text as Cents), text).toBe(new D(text).div(100).toFixed());
    expect(centsToUsd('5' as Cents)).toBe('0.05');
    expect(centsToUsd('-123.4' as Cents)).toBe('-1.234');
  });

  it('refuses what is not a plain decimal, or too large for DECIMAL(38,12)', () => {
    for (const bad of ['1e3', '', ' ', '1.', '.5', '+1', '0x10', '1,5']) expect(() => parseCents(bad), bad).toThrow(MoneyError);
    expect(parseCents(`${'9'.repeat(26)}.5`)).toBe(`${'9'.repeat(26)}.5`);
    expect(() => parseCents(`${'9'.repeat(27)}.5`)).toThrow(/too large/);
    expect(() => parseCents(`-${'9'.repeat(27)}`)).toThrow(/too large/);
  });

  it('DecimalSum (BigInt for short plain decimals, decimal.js for the rest) equals decimal.js summing every value', () => {
    const values = [...decimals(5_000), '1e3', '-2.5E-2', `${'9'.repeat(20)}.123456789012345678`, '-0', '0.00000000000001'];
    for (let start = 0; start < values.length; start += 250) {
      const part = values.slice(start, start + 250);
      const sum = new DecimalSum();
      let expected = new D(0);
      for (const v of part) {
        sum.add(v);
        expected = expected.plus(v);
      }
      expect(sum.toString()).toBe(expected.toFixed());
      expect(sum.isZero()).toBe(expected.isZero());
    }
    expect(new DecimalSum().add('1.5').add('-1.5').toString()).toBe('0');
    expect(new DecimalSum().add(2).add('0.25').toString()).toBe('2.25');
    expect(new DecimalSum().add('-0').isZero()).toBe(true);
  });

  it('canonicalDecimal, compareDecimal and maxDecimal (BigInt for short plain decimals) equal decimal.js on every path', () => {
    const values = [...decimals(3_000), '1e3', '-2.5E-2', `${'9'.repeat(20)}.123456789012345678`, '-0', '0', '0.000', '-0.00', '12.50', '0.00000000000001'];
    for (let k = 0; k < values.length; k++) {
      const a = values[k]!;
      const b = values[(k * 7919 + 13) % values.length]!;
      expect(canonicalDecimal(a), a).toBe(new D(a).toFixed());
      expect(compareDecimal(a, b), `${a} vs ${b}`).toBe(new D(a).comparedTo(b));
      expect(compareDecimal(a, a), a).toBe(0);
      expect(maxDecimal(a, b), `${a} vs ${b}`).toBe(D.max(a, b).toFixed());
    }
    expect(canonicalDecimal(null)).toBe('0');
    expect(canonicalDecimal(2)).toBe('2');
    expect(compareDecimal('-0', '0')).toBe(0);
  });

  it('sumDecimals (BigInt for short plain decimals, decimal.js for the rest) equals folding decimal.js over every value', () => {
    const values = [...decimals(4_000), '1e3', '-2.5E-2', `${'9'.repeat(20)}.123456789012345678`, '-0', '0', '0.000', '-0.00', '12.50', '0.00000000000001', '-0.5', '0.5'];
    const fold = (xs: readonly string[]) => xs.reduce((acc, x) => acc.plus(x), new D(0)).toFixed();
    for (let k = 0; k + 40 <= values.length; k += 40) {
      const slice = values.slice(k, k + 1 + (k % 40));
      expect(sumDecimals(slice), slice.join(' + ')).toBe(fold(slice));
    }
    expect(sumDecimals(values)).toBe(fold(values));
    expect(sumDecimals([])).toBe('0');
    expect(sumDecimals(['-0.5', '0.5'])).toBe('0');
    expect(sumDecimals(['-0', '-0.00'])).toBe(fold(['-0', '-0.00']));
    expect(() => sumDecimals(['1', 'abc'])).toThrow();
  });

  it('storableDecimal scales exactly as decimal.js, and refuses what does not fit, on its short path and its general one', () => {
    const pow = { 12: new D(10).pow(12), 14: new D(10).pow(14) };
    for (const text of decimals(5_000)) {
      const d = new D(text);
      for (const scale of [12, 14] as const) {
        if (d.decimalPlaces() > scale) expect(() => storableDecimal(text, scale), text).toThrow(MoneyError);
        else expect(storableDecimal(text, scale), text).toBe(BigInt(d.times(pow[scale]).toFixed()));
      }
    }
    expect(storableDecimal('123.456789012', 12)).toBe(123456789012000n);
    expect(storableDecimal('-0.5', 2)).toBe(-50n);
    expect(storableDecimal('-0', 2)).toBe(0n);
    for (const bad of ['1.', '.5', '--1', '1.2.3', '1e3', '', '-']) expect(() => storableDecimal(bad, 12), bad).toThrow(MoneyError);
    expect(() => storableDecimal('1.0000000000001', 12)).toThrow(/more than 12 decimal places/);
  });

  it('subCentsOf (no decimal.js for plain text) gives what canonicalDecimal then storableDecimal give, long sums included', () => {
    const slow = (v: unknown) => storableDecimal(canonicalDecimal(v), 12, null);
    const pow = new D(10).pow(12);
    for (const text of [...decimals(5_000), '123456789012345678.123456789012', '-98765432109876.000000000001', '0.000000000000', '-0', '7', '1.5000']) {
      if (new D(text).decimalPlaces() > 12) continue;
      expect(subCentsOf(text), text).toBe(slow(text));
      expect(subCentsOf(text), text).toBe(BigInt(new D(text).times(pow).toFixed()));
    }
    for (const v of [null, undefined, '', 42]) expect(subCentsOf(v), String(v)).toBe(slow(v));
    // Not plain text: the general path decides (and refuses as before).
    expect(() => subCentsOf('1.0000000000001')).toThrow(/more than 12 decimal places/);
  });

  it('sqrtDecimal is decimal.js\'s square root to 60 digits, half-even, and refuses a negative', () => {
    for (const text of decimals(2_000)) {
      if (text.startsWith('-')) continue;
      expect(sqrtDecimal(text), text).toBe(new D(text).sqrt().toFixed());
    }
    for (const n of [0, 1, 2, 4, 10_000, 123_456]) expect(sqrtDecimal(n), String(n)).toBe(new D(n).sqrt().toFixed());
    expect(sqrtDecimal(10_000)).toBe('100');
    expect(sqrtDecimal('2')).toBe('1.41421356237309504880168872420969807856967187537694807317668');
    expect(() => sqrtDecimal('-4')).toThrow(MoneyError);
  });
});
