/** The emulator's limit knobs as typed on the command line: --spend-cap, --rate-limits, --minute-peak. */
import { describe, expect, it } from 'vitest';
import { parseMinutePeak, parseRateLimits, parseSpendCap } from '../../src/cli/emulator-command.js';

describe('emulator limit options', () => {
  it('--spend-cap USD becomes integer cents, "none" no cap; anything else is refused with the fix', () => {
    expect(parseSpendCap('5000')).toBe('500000');
    expect(parseSpendCap('2412.5')).toBe('241250');
    expect(parseSpendCap('0.07')).toBe('7');
    expect(parseSpendCap('none')).toBeNull();
    expect(() => parseSpendCap('12.345')).toThrow(/--spend-cap 12.345 is not an amount of dollars/);
    expect(() => parseSpendCap('-3')).toThrow(/--spend-cap/);
  });

  it('--rate-limits LIMITER=VALUE,… keeps any limiter name', () => {
    expect(parseRateLimits('input_tokens_per_minute_cache_aware=30000, tokens_per_fortnight=5')).toEqual({ input_tokens_per_minute_cache_aware: 30000, tokens_per_fortnight: 5 });
    expect(() => parseRateLimits('rpm')).toThrow(/is not LIMITER=VALUE/);
    expect(() => parseRateLimits(',')).toThrow(/at least one/);
  });

  it('--minute-peak DAY@HH:MM:INPUT[:OUTPUT]', () => {
    expect(parseMinutePeak('2026-03-04@14:05:250000:20000')).toEqual({ day: '2026-03-04', minute: '14:05', uncachedInput: 250000, output: 20000 });
    expect(parseMinutePeak('2026-03-04@00:00:1')).toEqual({ day: '2026-03-04', minute: '00:00', uncachedInput: 1, output: 0 });
    expect(() => parseMinutePeak('2026-03-04@24:00:1')).toThrow(/--minute-peak/);
    expect(() => parseMinutePeak('2026-02-30@10:00:1')).toThrow();
  });
});
