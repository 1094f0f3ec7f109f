/**
 * /api/budgets and /api/alerts: the budgets of claude-ingest.yaml as `claude-ingest alerts` judges
 * them (its own scope resolution, per-day spend, forecast and percentage: src/alerts/budgets.ts), and
 * the alert history recorded in alert_events. Both answer an empty list when there is nothing to
 * show (no config or no budgets; no alert sent yet), and the page then hides their sections.
 */
import { BASELINE_DAYS } from '../alerts/baseline.js';
import { pctText, reached } from '../alerts/budgets.js';
import { forecastTotal } from '../reports/forecast.js';
import { judgedDays } from '../checks/judged-days.js';
import { loadNames, resolveScope, scopeDaily } from '../reports/spend-data.js';
import { loadRecorded } from '../alerts/store.js';
import { dataSpan } from '../reports/queries.js';
import { addDays, daysInMonth, eachDay, monthOf } from '../util/dates.js';
import { canonicalDecimal, divideDecimal, roundDecimal, sumDecimals } from '../util/money.js';
import type { ApiContext } from './api-context.js';
import { rangeParam } from './params.js';
import { localJudged } from '../alerts/local-calendar.js';
import { okDaysOfEvery } from '../ledger/queries.js';
import { localSpend } from '../reports/local-spend.js';
import type { DayBasis } from '../reports/local-placement.js';
import { localTodayOf, overallBasis, requestCalendar } from './api-local.js';

export interface BudgetRow {
  name: string;
  /** "whole organization", or "workspace Search, model …" as alert messages say it. */
  scope: string;
  /** Per-key spend is allocated from token shares (an estimate), as the alerts say. */
  estimated_per_key: boolean;
  /** Names in the scope the warehouse does not know (counted as $0). */
  unknown: string[];
  monthly_usd: string;
  /** Month to date, from the 1st to today (today partial). */
  spent_usd: string;
  /** Of the budget, rounded down to 2 decimals (never "100" for a cent short). */
  percent: string;
  /** Month-end forecast (alerts' method); null before any complete day. */
  forecast_usd: string | null;
  forecast_percent: string | null;
  thresholds_pct: number[];
  /** The highest threshold month to date has crossed, or null. */
  crossed_pct: number | null;
  /**
   * In a zone: the basis of the month's days as `alerts` counts them (local days from hours; "UTC days"
   * for a budget scoped to a key or an allocation dimension, which have no hours); null in UTC.
   */
  day_basis: DayBasis | null;
}

export async function budgets(ctx: ApiContext) {
  const configured = ctx.alerts?.budgets ?? [];
  // In a zone the month is the local month to the local today, as `alerts --tz` judges it (issue 27).
  const cal = requestCalendar(ctx);
  const today = cal ? localTodayOf(cal, ctx.today) : ctx.today;
  const month = monthOf(today);
  const timezone = cal?.timeZone ?? null;
  if (configured.length === 0) return { today, timezone, month: month.month, from: month.first, monthEnd: month.last, budgets: [] as BudgetRow[], pace: null };
  // The same days alerts judge: a budget's forecast counts complete days only (a local day when every UTC day it touches is).
  const ledger = await ctx.wh.listWindows();
  const judgeFrom = addDays(month.first, -(BASELINE_DAYS + 31));
  const judgedUtc = await judgedDays(ctx.wh, ledger, cal ? { from: addDays(judgeFrom, -1), to: addDays(today, 1) } : { from: judgeFrom, to: today }, ctx.today);
  const held = cal ? okDaysOfEvery(ledger, 'analytics_cost_hourly') : null;
  const judged = cal && held ? localJudged({ calendar: cal, hourlyDays: held }, judgedUtc, judgeFrom, today) : judgedUtc;
  const names = await loadNames(ctx.wh);
  const rows: BudgetRow[] = [];
  for (const b of configured) {
    const scope = resolveScope(b.scope, names, ctx.allocation ?? null);
    const budgetUsd = canonicalDecimal(String(b.monthly_usd));
    const from = [month.first, judged.lastComplete ? addDays(judged.lastComplete, -BASELINE_DAYS) : month.first].sort()[0]!;
    // Local days are summed from hours; a budget scoped to a key or an allocation dimension has none (as in alerts).
    const local = cal && held && scope.apiKeyId === undefined && !scope.dimensions ? await localSpend(ctx.wh, cal, { ...scope.filter, from, to: today }, 'day', held) : null;
    const daily = local ? new Map(local.map((r) => [r.period, r.usd])) : await scopeDaily(ctx.wh, scope, from, today);
    const spent = sumDecimals(eachDay(month.first, today).map((d) => daily.get(d) ?? '0'));
    const dayBasis = !cal ? null : local ? overallBasis(local.filter((r) => r.period >= month.first).map((r) => r.day_basis)) : 'UTC days';
    const fc = forecastTotal(month, daily, judged);
    const crossed = [...new Set(b.thresholds_pct)].sort((x, y) => x - y).filter((t) => reached(spent, budgetUsd, t));
    rows.push({
      name: b.name,
      scope: scope.label,
      estimated_per_key: scope.apiKeyId !== undefined,
      unknown: scope.unknown,
      monthly_usd: budgetUsd,
      spent_usd: spent,
      percent: pctText(spent, budgetUsd).pct,
      forecast_usd: fc,
      forecast_percent: fc === null ? null : pctText(fc, budgetUsd).pct,
      thresholds_pct: b.thresholds_pct,
      crossed_pct: crossed.at(-1) ?? null,
      day_basis: dayBasis,
    });
  }
  // The spend chart (same range, default the data's span) is per day: each budget is drawn at its daily pace, its month's amount spread
  // evenly over that month's days (rounded half-even to cents; display only).
  const range = rangeParam(ctx.query, ctx.query.get('from') && ctx.query.get('to') ? null : await dataSpan(ctx.wh));
  const days = eachDay(range.from, range.to);
  const pace = {
    days,
    series: rows.map((r) => ({ name: r.name, usd: days.map((d) => roundDecimal(divideDecimal(r.monthly_usd, daysInMonth(d)), 2, 'half-even', true)) })),
  };
  return { today, timezone, month: month.month, from: month.first, monthEnd: month.last, budgets: rows, pace };
}

const HISTORY_ROWS = 500;

/** Every alert recorded (sent or failed, per channel), newest first. */
export async function alertHistory(ctx: ApiContext) {
  const recorded = [...(await loadRecorded(ctx.wh)).values()].sort((a, b) => b.firstAttemptAt.localeCompare(a.firstAttemptAt) || a.eventKey.localeCompare(b.eventKey));
  const events = recorded.slice(0, HISTORY_ROWS).map((r) => ({
    first_attempt_at: r.firstAttemptAt,
    sent_at: r.sentAt,
    channel: r.channel,
    status: r.status,
    attempts: r.attempts,
    rule: r.event?.rule ?? r.eventKey.split('|')[0] ?? '',
    severity: r.event?.severity ?? null,
    period: r.event?.period ?? null,
    title: r.event?.title ?? r.eventKey,
    text: r.event?.text ?? null,
  }));
  return { total: recorded.length, events };
}
