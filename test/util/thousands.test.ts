import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/util/thousands.js';

describe('thousands', () => {
  it('writes every whole number as toLocaleString("en-US") does', () => {
    const values = [0, -0, 1, -1, 7, 999, 1000, -1000, 12_345, 999_999, 1_000_000, 5_311_008, -987_654_321, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let k = 0; k < 2000; k++) values.push(Math.floor((Math.random() - 0.3) * 10 ** (1 + (k % 15))));
    for (const v of values) expect(thousands(v), String(v)).toBe(v.toLocaleString('en-US'));
  });

  it('leaves what is not a safe whole number to toLocaleString', () => {
    for (const v of [1.5, -1234.25, 2 ** 60, Number.NaN, Infinity]) expect(thousands(v)).toBe(v.toLocaleString('en-US'));
  });
});
