/** The calendar helpers every day goes through (src/util/dates.ts). */
import { describe, expect, it } from 'vitest';
import { DateDataError, daysInMonth, instantDay, isWeekend, leadingDay, monthOf, weekStart } from '../../src/util/dates.js';
import { EXIT } from '../../src/util/errors.js';

describe('util/dates', () => {
  it('monthOf: the month, its first and last day, leap years included', () => {
    expect(monthOf('2026-03-15')).toEqual({ month: '2026-03', first: '2026-03-01', last: '2026-03-31' });
    expect(monthOf('2024-02-10')).toEqual({ month: '2024-02', first: '2024-02-01', last: '2024-02-29' });
    expect(monthOf('2026-12-31')).toEqual({ month: '2026-12', first: '2026-12-01', last: '2026-12-31' });
  });

  it('weekStart: the Monday of the week, across a month and a year', () => {
    expect(weekStart('2026-03-15')).toBe('2026-03-09');
    expect(weekStart('2026-03-16')).toBe('2026-03-16');
    expect(weekStart('2026-01-01')).toBe('2025-12-29');
  });

  it('daysInMonth and isWeekend (UTC)', () => {
    expect(['2026-01-05', '2026-02-01', '2024-02-01', '2026-04-30'].map((d) => daysInMonth(d as '2026-01-01'))).toEqual([31, 28, 29, 30]);
    expect(['2026-03-13', '2026-03-14', '2026-03-15', '2026-03-16'].map((d) => isWeekend(d as '2026-01-01'))).toEqual([false, true, true, false]);
  });

  it('instantDay: the UTC day of an instant; text that is not one is a data error naming what it was', () => {
    expect(instantDay('2026-03-01T23:30:00-02:00')).toBe('2026-03-02');
    expect(instantDay('2026-03-01T00:00:00Z')).toBe('2026-03-01');
    expect(() => instantDay('yesterday', 'bucket starting_at')).toThrow(DateDataError);
    expect(() => instantDay('', 'bucket starting_at')).toThrow('bucket starting_at "" is not an RFC 3339 timestamp');
    expect(new DateDataError('x').exitCode).toBe(EXIT.failed);
  });

  it('leadingDay: the day a day or timestamp starts with; anything else is a data error', () => {
    expect(leadingDay('2026-03-01')).toBe('2026-03-01');
    expect(leadingDay('2026-03-01T10:00:00Z')).toBe('2026-03-01');
    expect(() => leadingDay('03/01/2026', 'Claude Code record date')).toThrow('Claude Code record date "03/01/2026" does not start with a YYYY-MM-DD day');
    expect(() => leadingDay('')).toThrow(DateDataError);
  });
});
