import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  dayNumber,
  formatScaled,
  isoFromMicros,
  scaleDecimal,
  timestampMicros,
  ValueError,
} from '../../src/warehouse/duckdb/values.js';

describe('scaleDecimal (exact decimal string → scaled BigInt)', () => {
  it.each([
    ['123.78912', 9, 123789120000n],
    ['-0.000000001', 9, -1n],
    ['0', 9, 0n],
    ['-0', 9, 0n],
    ['0.1', 11, 10000000000n],
    ['00012.5', 9, 12500000000n],
    ['1.5000000000000', 9, 1500000000n], // trailing zeros past the scale lose nothing
    ['99999999999999999999999999999.999999999', 9, 99999999999999999999999999999999999999n],
    ['-99999999999999999999999999999.999999999', 9, -99999999999999999999999999999999999999n],
    ['123456789012345678901234567', 11, 12345678901234567890123456700000000000n],
  ])('%s at scale %i', (text, scale, expected) => {
    expect(scaleDecimal(text, scale)).toBe(expected);
  });

  it('accepts whole numbers and bigints, and refuses fractional floats', () => {
    expect(scaleDecimal(42, 9)).toBe(42_000_000_000n);
    expect(scaleDecimal(-7n, 11)).toBe(-700_000_000_000n);
    expect(() => scaleDecimal(0.1, 9)).toThrow(/decimal string/);
  });

  it.each([
    ['0.0000000001', 9, /more than 9 decimal places/],
    ['1.2345678901', 9, /more than 9 decimal places/],
    ['100000000000000000000000000000', 9, /too large/],
    ['1e5', 9, /not a plain decimal/],
    ['12.', 9, /not a plain decimal/],
    ['', 9, /not a plain decimal/],
    ['NaN', 9, /not a plain decimal/],
  ])('refuses %s rather than rounding', (text, scale, message) => {
    expect(() => scaleDecimal(text, scale)).toThrow(ValueError);
    expect(() => scaleDecimal(text, scale)).toThrow(message);
  });
});

describe('formatScaled', () => {
  it('prints canonical text equal to decimal.js toFixed()', () => {
    for (const text of ['123.78912', '-0.000000001', '0', '1.2', '-45', '99999999999999999999999999999.999999999']) {
      expect(formatScaled(scaleDecimal(text, 9), 9)).toBe(new Decimal(text).toFixed());
    }
    expect(formatScaled(-0n, 9)).toBe('0');
  });
});

describe('days and timestamps', () => {
  it('converts days exactly and rejects impossible ones', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('2025-01-31')).toBe(20119);
    expect(() => dayNumber('2025-02-30')).toThrow(/real calendar day/);
    expect(() => dayNumber('2025-1-3')).toThrow(/YYYY-MM-DD/);
  });

  it('parses RFC 3339 with offsets and microseconds', () => {
    expect(timestampMicros('1970-01-01T00:00:00Z')).toBe(0n);
    expect(timestampMicros('2024-10-30T23:58:27.427722Z')).toBe(1730332707427722n);
    expect(timestampMicros('2024-10-31T01:58:27.427722+02:00')).toBe(1730332707427722n);
    expect(timestampMicros('2024-10-30 23:58:27')).toBe(1730332707000000n);
    expect(() => timestampMicros('2024-13-01T00:00:00Z')).toThrow(ValueError);
    expect(() => timestampMicros('yesterday')).toThrow(/ISO timestamp/);
  });

  it('prints ISO with milliseconds and Z, flooring before the epoch', () => {
    expect(isoFromMicros(1730332707427722n)).toBe('2024-10-30T23:58:27.427Z');
    expect(isoFromMicros(-1n)).toBe('1969-12-31T23:59:59.999Z');
  });
});
