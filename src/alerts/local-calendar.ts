/**
 * Alerts in the organization's calendar (issue 27): with a time zone other than UTC, budgets count
 * local months to date and the daily-spend anomaly judges local days, each a sum of its hours
 * (reports/local-spend.ts). A local day is judged only when every UTC day it touches is; the period
 * an event records names the zone, so alert_events say which calendar a month or day was in.
 */
import { localSpend } from '../reports/local-spend.js';
import type { ReportFilter } from '../reports/filter.js';
import { isUtc, utcDaysOf, type Calendar } from '../util/calendar.js';
import { eachDay, type IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { JudgedDays } from '../checks/judged-days.js';

export interface AlertCalendar {
  calendar: Calendar;
  /** UTC days whose hourly billed cost is held (the analytics_cost_hourly stream). */
  hourlyDays: ReadonlySet<IsoDay>;
}

/** Whether alerts leave UTC days (any zone but UTC). */
export function isLocal(ac: AlertCalendar | undefined): ac is AlertCalendar {
  return ac !== undefined && !isUtc(ac.calendar);
}

/** Exact spend per local day (UTC days where no hours are held: see docs/time-zones.md). */
export async function localDailySpend(wh: Warehouse, f: ReportFilter, ac: AlertCalendar): Promise<Map<IsoDay, string>> {
  const rows = await localSpend(wh, ac.calendar, f, 'day', ac.hourlyDays);
  return new Map(rows.map((r) => [r.period, r.usd]));
}

/** The local days from..to whose UTC days are all judged complete. */
export function localJudged(ac: AlertCalendar, utc: JudgedDays, from: IsoDay, to: IsoDay): JudgedDays {
  const days = from > to ? [] : eachDay(from, to).filter((d) => {
    const u = utcDaysOf(ac.calendar, d, d);
    return utc.has(u.from) && utc.has(u.to);
  });
  const set = new Set(days);
  const last = utc.lastComplete === null ? null : days.filter((d) => utcDaysOf(ac.calendar, d, d).to <= utc.lastComplete!).at(-1) ?? null;
  return { days, has: (d) => set.has(d), lastComplete: last };
}

/** An event's period in the calendar: "2026-03" in UTC, "2026-03 America/New_York" elsewhere. */
export function periodIn(ac: AlertCalendar | undefined, period: string): string {
  return isLocal(ac) ? `${period} ${ac.calendar.timeZone}` : period;
}
