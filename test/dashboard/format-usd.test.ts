/**
 * The one money formatter (src/util/format-usd.js), used by the CLI and loaded by the dashboard page:
 * it rounds on the decimal digits, so it must agree with decimal.js rounding half to even to cents
 * for every amount, and the page must be served the very same module.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { loadAsset } from '../../src/dashboard/assets.js';
import { formatUsd } from '../../src/util/format-usd.js';
import { formatUsd as moneyFormatUsd } from '../../src/util/money.js';
import { ROOT } from './helpers.js';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -80, toExpPos: 80 });

/** What decimal.js says: half-even to cents, a minus sign only for a non-zero negative amount. */
function reference(amount: string): string {
  const d = new D(amount);
  const fixed = d.toFixed(2);
  const [whole, cents] = fixed.replace('-', '').split('.');
  return `${d.isNeg() && !d.isZero() ? '-' : ''}$${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** Deterministic amounts around every rounding edge: ...x5 exactly, just above and below, carries. */
function amounts(): string[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const whole = String(Math.floor(next() * 10 ** Math.floor(next() * 12)));
    const frac = String(Math.floor(next() * 10 ** 9)).padStart(9, '0').slice(0, 1 + Math.floor(next() * 9));
    const edge = ['', '5', '50', '500001', '4999', '9'][Math.floor(next() * 6)]!;
    out.push(`${next() < 0.3 ? '-' : ''}${whole}.${frac.slice(0, 2)}${edge || frac.slice(2)}`);
  }
  return out;
}

describe('formatUsd', () => {
  it.each([
    ['0', '$0.00'],
    ['1234.5678', '$1,234.57'],
    ['0.125', '$0.12'],
    ['0.135', '$0.14'],
    ['0.1250000001', '$0.13'],
    ['999999.995', '$1,000,000.00'],
    ['9.995', '$10.00'],
    ['-1234567.891', '-$1,234,567.89'],
    ['-0.004', '-$0.00'],
    ['-0', '$0.00'],
    ['12', '$12.00'],
    ['.5', '$0.50'],
    ['7.', '$7.00'],
    ['+3.333', '$3.33'],
    ['1e3', '$1,000.00'],
    ['1.2345e-1', '$0.12'],
    ['5e-3', '$0.00'],
    ['123456789012345678901234567.005', '$123,456,789,012,345,678,901,234,567.00'],
  ])('%s → %s', (amount, shown) => {
    expect(formatUsd(amount)).toBe(shown);
    expect(reference(amount)).toBe(shown);
  });

  it('agrees with decimal.js half-even rounding on 3000 amounts around the rounding edges', () => {
    const list = amounts();
    expect(new Set(list).size).toBeGreaterThan(2900);
    for (const a of list) expect(formatUsd(a), a).toBe(reference(a));
  });

  it('reads a number through its shortest text', () => {
    expect(formatUsd(0.1 + 0.2)).toBe('$0.30');
    expect(formatUsd(1e21)).toBe('$1,000,000,000,000,000,000,000.00');
    expect(formatUsd(-2.5)).toBe('-$2.50');
  });

  it('refuses what is not a decimal number, saying which value', () => {
    for (const bad of ['', 'abc', '1.2.3', 'NaN', 'Infinity', '$5', '1,000', '.', '-']) {
      expect(() => formatUsd(bad), bad).toThrow(/cannot format ".*" as dollars: it is not a decimal number/);
    }
  });

  it('is the one implementation: the CLI formats with it, and the dashboard serves the same file', () => {
    expect(moneyFormatUsd).toBe(formatUsd);
    const served = loadAsset('/util/format-usd.js');
    expect(served?.type).toBe('text/javascript; charset=utf-8');
    expect(served?.body.toString('utf8')).toBe(readFileSync(join(ROOT, 'src', 'util', 'format-usd.js'), 'utf8'));
  });
});
