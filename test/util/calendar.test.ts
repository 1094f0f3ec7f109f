import { describe, expect, it } from 'vitest';
import {
  checkTimeZone,
  localDay,
  localDayStartMs,
  localSpan,
  makeCalendar,
  offsetMs,
  periodOf,
  TimeZoneError,
  utcDaysOf,
  UTC_CALENDAR,
  type Calendar,
} from '../../src/util/calendar.js';
import type { IsoDay } from '../../src/util/dates.js';

const zone = (timezone: string, extra: Partial<Calendar> = {}): Calendar => ({ ...makeCalendar({ timezone }), ...extra });
const iso = (ms: number) => new Date(ms).toISOString();
const hoursOf = (cal: Calendar, day: IsoDay) => localSpan(cal, day, day).hours;

describe('time zones', () => {
  it('accepts IANA names and aliases, refuses anything else in one line', () => {
    expect(checkTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone('Etc/UTC')).toBe('UTC');
    expect(checkTimeZone('US/Pacific')).toBe('America/Los_Angeles');
    for (const bad of ['Mars/Olympus', '+05:30', '', 'PST8PDT/x']) {
      expect(() => checkTimeZone(bad)).toThrow(TimeZoneError);
    }
    expect(() => checkTimeZone('Mars/Olympus')).toThrow('timezone "Mars/Olympus" is not an IANA time zone: use a name such as America/Los_Angeles');
    expect(() => makeCalendar({ fiscal_year_start_month: 13 })).toThrow('fiscal_year_start_month 13 is not a month');
  });

  it('America/New_York: 23 hours on 2026-03-08, 25 on 2026-11-01', () => {
    const ny = zone('America/New_York');
    expect(hoursOf(ny, '2026-03-07')).toBe(24);
    expect(hoursOf(ny, '2026-03-08')).toBe(23);
    expect(hoursOf(ny, '2026-11-01')).toBe(25);
    expect(iso(localDayStartMs(ny, '2026-03-08'))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(localDayStartMs(ny, '2026-03-09'))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(localDayStartMs(ny, '2026-11-01'))).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(localDayStartMs(ny, '2026-11-02'))).toBe('2026-11-02T05:00:00.000Z');
    // The repeated hour 01:00-02:00 on 2026-11-01 belongs to that day both times.
    expect(localDay(ny, Date.parse('2026-11-01T05:30:00Z'))).toBe('2026-11-01');
    expect(localDay(ny, Date.parse('2026-11-01T06:30:00Z'))).toBe('2026-11-01');
    expect(localDay(ny, Date.parse('2026-11-02T04:59:59Z'))).toBe('2026-11-01');
    expect(localDay(ny, Date.parse('2026-11-02T05:00:00Z'))).toBe('2026-11-02');
    expect(offsetMs(ny, Date.parse('2026-07-01T00:00:00Z'))).toBe(-4 * 3_600_000);
  });

  it('Europe/Berlin: 23 hours on 2026-03-29, 25 on 2026-10-25', () => {
    const berlin = zone('Europe/Berlin');
    expect(hoursOf(berlin, '2026-03-29')).toBe(23);
    expect(hoursOf(berlin, '2026-10-25')).toBe(25);
    expect(hoursOf(berlin, '2026-10-26')).toBe(24);
    expect(iso(localDayStartMs(berlin, '2026-03-29'))).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(localDayStartMs(berlin, '2026-03-30'))).toBe('2026-03-29T22:00:00.000Z');
    expect(iso(localDayStartMs(berlin, '2026-10-26'))).toBe('2026-10-25T23:00:00.000Z');
  });

  it('Asia/Kolkata: days start at 18:30 UTC and span two UTC days', () => {
    const kolkata = zone('Asia/Kolkata');
    expect(iso(localDayStartMs(kolkata, '2026-05-10'))).toBe('2026-05-09T18:30:00.000Z');
    expect(hoursOf(kolkata, '2026-05-10')).toBe(24);
    expect(utcDaysOf(kolkata, '2026-05-10', '2026-05-10')).toEqual({ from: '2026-05-09', to: '2026-05-10' });
    // The UTC hour 18:00-19:00 is split: its first half is on the 9th, its second on the 10th.
    expect(localDay(kolkata, Date.parse('2026-05-09T18:00:00Z'))).toBe('2026-05-09');
    expect(localDay(kolkata, Date.parse('2026-05-09T18:30:00Z'))).toBe('2026-05-10');
  });

  it('Pacific/Auckland: across the date line, with its own DST (25 h on 2026-04-05, 23 h on 2026-09-27)', () => {
    const akl = zone('Pacific/Auckland');
    expect(iso(localDayStartMs(akl, '2026-01-15'))).toBe('2026-01-14T11:00:00.000Z');
    expect(hoursOf(akl, '2026-04-05')).toBe(25);
    expect(hoursOf(akl, '2026-09-27')).toBe(23);
    expect(localDay(akl, Date.parse('2026-06-30T12:00:00Z'))).toBe('2026-07-01');
  });

  it('a zone whose DST change skips midnight starts that day at 01:00 (America/Santiago 2026-09-06)', () => {
    const scl = zone('America/Santiago');
    const start = localDayStartMs(scl, '2026-09-06');
    expect(localDay(scl, start)).toBe('2026-09-06');
    expect(localDay(scl, start - 1000)).toBe('2026-09-05');
    expect(hoursOf(scl, '2026-09-06')).toBe(23);
  });

  it('UTC is the identity', () => {
    expect(localDayStartMs(UTC_CALENDAR, '2026-03-08')).toBe(Date.parse('2026-03-08T00:00:00Z'));
    expect(localDay(UTC_CALENDAR, Date.parse('2026-03-08T23:59:59Z'))).toBe('2026-03-08');
  });
});

describe('periods', () => {
  it('weeks start on Monday or Sunday', () => {
    // 2026-03-04 is a Wednesday.
    expect(periodOf(UTC_CALENDAR, '2026-03-04', 'week')).toMatchObject({ start: '2026-03-02', end: '2026-03-08' });
    expect(periodOf({ ...UTC_CALENDAR, weekStart: 'sunday' }, '2026-03-04', 'week')).toMatchObject({ start: '2026-03-01', end: '2026-03-07' });
    expect(periodOf({ ...UTC_CALENDAR, weekStart: 'sunday' }, '2026-03-01', 'week').start).toBe('2026-03-01');
  });

  it('months, quarters and fiscal years follow fiscal_year_start_month', () => {
    const feb = makeCalendar({ fiscal_year_start_month: 2 });
    expect(periodOf(feb, '2026-02-28', 'month')).toEqual({ start: '2026-02-01', end: '2026-02-28', label: '2026-02' });
    expect(periodOf(feb, '2026-01-31', 'fiscal_year')).toEqual({ start: '2025-02-01', end: '2026-01-31', label: 'FY2026' });
    expect(periodOf(feb, '2026-02-01', 'fiscal_year')).toEqual({ start: '2026-02-01', end: '2027-01-31', label: 'FY2027' });
    expect(periodOf(feb, '2026-04-30', 'quarter')).toEqual({ start: '2026-02-01', end: '2026-04-30', label: 'FY2027 Q1' });
    expect(periodOf(feb, '2027-01-15', 'quarter')).toEqual({ start: '2026-11-01', end: '2027-01-31', label: 'FY2027 Q4' });
    expect(periodOf(UTC_CALENDAR, '2026-08-15', 'quarter')).toEqual({ start: '2026-07-01', end: '2026-09-30', label: '2026 Q3' });
    expect(periodOf(UTC_CALENDAR, '2026-08-15', 'fiscal_year')).toEqual({ start: '2026-01-01', end: '2026-12-31', label: '2026' });
  });
});
