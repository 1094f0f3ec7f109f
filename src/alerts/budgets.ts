/**
 * Budgets: month-to-date spend against a monthly amount. Each threshold fires once per month (the
 * highest one crossed; lower ones are then moot), and the forecast once per month when the month-end
 * projection crosses 100 % before the spend does. Today's partial day counts, labelled partial.
 */
import type { BudgetConfig } from '../config/schema.js';
import { addDays, eachDay, monthOf, type IsoDay } from '../util/dates.js';
import { canonicalDecimal, compareDecimal, decimalToNumber, divideDecimal, formatUsd, multiplyDecimal, roundDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { forecastTotal } from '../reports/forecast.js';
import { BASELINE_DAYS } from './baseline.js';
import type { JudgedDays } from '../checks/judged-days.js';
import { resolveScope, scopeDaily, type Names } from '../reports/spend-data.js';
import { makeEvent, type AlertEvent } from './types.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import { isLocal, localDailySpend, periodIn, type AlertCalendar } from './local-calendar.js';

/** spent as a percentage of budget (exact decimals in, both as text). */
export function pctText(spent: string, budget: string): { pct: string; whole: number } {
  const pct = multiplyDecimal(divideDecimal(spent, budget), 100);
  // Rounded down: "100 %" must never be shown for $2,999.99 of $3,000.00.
  return { pct: roundDecimal(pct, 2, 'down'), whole: decimalToNumber(roundDecimal(pct, 0, 'floor')) };
}

/** Whether spent has reached pct % of budget. */
export function reached(spent: string, budget: string, pct: number): boolean {
  return compareDecimal(multiplyDecimal(spent, 100), multiplyDecimal(budget, pct)) >= 0;
}

export async function evaluateBudget(wh: Warehouse, budget: BudgetConfig, names: Names, judged: JudgedDays, today: IsoDay, opts: { allocation?: AllocationRules | null; calendar?: AlertCalendar } = {}): Promise<AlertEvent[]> {
  const ac = opts.calendar;
  const scope = resolveScope(budget.scope, names, opts.allocation ?? null);
  const budgetUsd = canonicalDecimal(String(budget.monthly_usd));
  const current = monthOf(today);
  // The previous month is judged again in the first days of a month: its last day completes only then.
  const previous = Number(today.slice(8, 10)) <= 3 ? monthOf(addDays(current.first, -1)) : null;
  const from = [previous?.first ?? current.first, judged.lastComplete ? addDays(judged.lastComplete, -BASELINE_DAYS) : current.first].sort()[0]!;
  // Local days are summed from hours; per-key and per-team allocation have no hours, so a budget scoped
  // to a key or an allocation dimension stays on UTC days (docs/time-zones.md).
  const daily = isLocal(ac) && scope.apiKeyId === undefined && !scope.dimensions ? await localDailySpend(wh, { ...scope.filter, from, to: today }, ac) : await scopeDaily(wh, scope, from, today);
  const events: AlertEvent[] = [];
  for (const month of previous ? [previous, current] : [current]) {
    const to = month.last < today ? month.last : today;
    const spent = sumDecimals(eachDay(month.first, to).map((d) => daily.get(d) ?? '0'));
    const { pct, whole } = pctText(spent, budgetUsd);
    const partial = !judged.has(to);
    const isCurrent = month === current;
    const fc = isCurrent ? forecastTotal(month, daily, judged) : null;
    const text =
      `${budget.name}: ${formatUsd(spent)} of ${formatUsd(budgetUsd)} (${whole} %) month to date, ${month.first}..${to}` +
      `${partial ? ` (${to} partial)` : ''}${fc !== null ? `; forecast ${formatUsd(fc)} by ${month.last}` : ''}`;
    const figures = {
      budget: budget.name,
      scope: scope.label,
      month: month.month,
      from: month.first,
      to,
      partial_day: partial ? to : null,
      budget_usd: budgetUsd,
      spent_usd: spent,
      percent: pct,
      forecast_usd: fc,
      month_end: month.last,
      estimated_per_key: scope.apiKeyId !== undefined,
      timezone: ac?.calendar.timeZone ?? 'UTC',
    };
    const details = scope.unknown.length > 0 ? [`Not found in the warehouse yet: ${scope.unknown.join(', ')} (counted as $0).`] : [];
    if (scope.label !== 'whole organization') details.unshift(`Scope: ${scope.label}${scope.apiKeyId !== undefined ? ' (per-key spend estimated from token shares)' : ''}${scope.dimensions ? ` (billed cost allocated by the rules${scope.dimensions.rules ? ` ${scope.dimensions.rules.hash}` : ''}, with the fixed fees (configured) allocated to it)` : ''}.`);
    const crossed = [...new Set(budget.thresholds_pct)].sort((a, b) => a - b).filter((t) => reached(spent, budgetUsd, t));
    const top = crossed[crossed.length - 1];
    if (top !== undefined) {
      events.push(
        makeEvent({
          rule: 'budget', subject: budget.name, period: periodIn(ac, month.month), level: String(top), rank: top,
          severity: top >= 100 ? 'critical' : 'warning',
          title: `Budget ${budget.name}: ${top} % of ${formatUsd(budgetUsd)} reached`,
          text, details, figures: { ...figures, threshold_percent: top },
        }),
      );
    }
    if (isCurrent && budget.forecast && fc !== null && compareDecimal(fc, budgetUsd) >= 0 && compareDecimal(spent, budgetUsd) < 0) {
      events.push(
        makeEvent({
          rule: 'budget_forecast', subject: budget.name, period: periodIn(ac, month.month), level: 'forecast', rank: 1, severity: 'warning',
          title: `Budget ${budget.name}: forecast ${formatUsd(fc)} exceeds ${formatUsd(budgetUsd)} by ${month.last}`,
          text, details, figures,
        }),
      );
    }
  }
  return events;
}
