import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { centsToUsd, MoneyError, parseCents, sqrtDecimal, type Cents } from '../../src/util/money.js';

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
