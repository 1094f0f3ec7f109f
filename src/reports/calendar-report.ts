/**
 * `report`/`export --by day|week|month|quarter|fiscal_year` in the organization's calendar: spend and
 * tokens per local period (local-spend.ts, local-tokens.ts), with configured fees, each row saying
 * its day basis (docs/time-zones.md).
 */
import { describeCalendar, isUtc, periodOf, type Calendar, type PeriodKind } from '../util/calendar.js';
import type { IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { ReportFilter } from './filter.js';
import { addFixedFees } from './fixed-fee-days.js';
import { LOCAL_SPEND_TITLES, localSpend, localSpendColumns, localSpendRows } from './local-spend.js';
import { localTokenColumns, localTokens, withTokens } from './local-tokens.js';
import type { ReportResult } from './registry.js';

/** The UTC days held per hour: billed cost (analytics_cost_hourly) and token usage (usage read with 1h buckets). */
export interface HeldHours {
  cost: ReadonlySet<IsoDay>;
  usage: ReadonlySet<IsoDay>;
}

/** Periods a calendar other than plain UTC (a zone, a fiscal year, Sunday weeks) reports itself. */
export const CALENDAR_PERIODS: readonly PeriodKind[] = ['day', 'week', 'month', 'quarter', 'fiscal_year'];

/**
 * Whether a spend-over-time report must go through the calendar (reports/local-spend.ts) rather than
 * the UTC SQL report: a zone other than UTC, Sunday weeks, quarters and fiscal years.
 */
export function calendarReport(cal: Calendar, by: string): PeriodKind | null {
  const kind = CALENDAR_PERIODS.find((k) => k === by);
  if (!kind) return null;
  if (kind === 'quarter' || kind === 'fiscal_year') return kind;
  if (!isUtc(cal)) return kind;
  return kind === 'week' && cal.weekStart === 'sunday' ? kind : null;
}

/**
 * A spend-over-time report in the calendar's days and periods, with each row's day_basis, and the
 * period's tokens by type beside it with their own tokens_day_basis (hourly usage is kept only with
 * --usage-bucket 1h, so tokens can be UTC days where cost is local). `held`: the UTC days whose billed
 * cost and tokens the warehouse holds per hour (the ledger knows them; none in UTC).
 */
export async function runCalendarReport(wh: Warehouse, cal: Calendar, kind: PeriodKind, f: ReportFilter, held: HeldHours): Promise<ReportResult> {
  const [spend, tokens] = await Promise.all([localSpend(wh, cal, f, kind, held.cost), localTokens(wh, cal, f, kind, held.usage)]);
  // Configured fees as in the UTC reports: their own column, each fee day in the local period of the same date.
  const withFees = await addFixedFees(
    wh,
    (day) => {
      const p = periodOf(cal, day, kind);
      return { start: p.start, label: kind === 'day' ? null : p.label };
    },
    f,
    [...localSpendColumns(kind), ...localTokenColumns()],
    withTokens(localSpendRows(spend), tokens),
  );
  return {
    report: kind,
    title: `${LOCAL_SPEND_TITLES[kind]} and tokens in ${describeCalendar(cal)}`,
    filter: f,
    ...withFees,
  };
}
