/**
 * Budgets: month-to-date spend against a monthly amount. Each threshold fires once per month (the
 * highest one crossed; lower ones are then moot), and the forecast once per month when the month-end
 * projection crosses 100 % before the spend does. Today's partial day counts, labelled partial.
 */
import type { BudgetConfig } from '../config/schema.js';
import { DEFAULT_WORKSPACE, type ReportFilter } from '../reports/filter.js';
import { addDays, eachDay, monthStart, type IsoDay } from '../util/dates.js';
import { ExactDecimal, formatUsd } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { forecastPeriod } from '../reports/forecast.js';
import { BASELINE_DAYS } from './baseline.js';
import type { JudgedDays } from './judged-days.js';
import { allocateByKey, dailySpend, type Names } from './spend-data.js';
import { makeEvent, type AlertEvent } from './types.js';
import { isLocal, localDailySpend, periodIn, type AlertCalendar } from './local-calendar.js';

type Dec = InstanceType<typeof ExactDecimal>;

export interface ResolvedScope {
  filter: Omit<ReportFilter, 'from' | 'to'>;
  apiKeyId?: string;
  /** "workspace Search, model claude-…" for messages. */
  label: string;
  /** Names the warehouse does not know (yet): spend there is $0 until they appear. */
  unknown: string[];
}

export function resolveScope(scope: BudgetConfig['scope'], names: Names): ResolvedScope {
  const out: ResolvedScope = { filter: {}, label: 'whole organization', unknown: [] };
  if (!scope) return out;
  const labels: string[] = [];
  if (scope.workspace !== undefined) {
    const w = scope.workspace;
    const found = w === DEFAULT_WORKSPACE ? DEFAULT_WORKSPACE : names.workspaces.find((x) => x.id === w || x.name === w)?.id;
    if (!found) out.unknown.push(`workspace "${w}"`);
    out.filter.workspaceIds = [found ?? w];
    labels.push(`workspace ${found === DEFAULT_WORKSPACE ? 'default' : names.workspace(found ?? w)}`);
  }
  if (scope.model !== undefined) {
    out.filter.models = [scope.model];
    labels.push(`model ${scope.model}`);
  }
  if (scope.api_key !== undefined) {
    const k = scope.api_key;
    const found = names.apiKeys.find((x) => x.id === k || x.name === k)?.id;
    if (!found) out.unknown.push(`API key "${k}"`);
    out.apiKeyId = found ?? k;
    labels.push(`API key ${names.apiKey(out.apiKeyId)}`);
  }
  out.label = labels.join(', ');
  return out;
}

/** Spend per day of a scope; a key scope is allocated from token shares (an estimate per key). */
export async function scopeDaily(wh: Warehouse, scope: ResolvedScope, from: IsoDay, to: IsoDay, ac?: AlertCalendar): Promise<Map<IsoDay, string>> {
  const filter = { ...scope.filter, from, to };
  // Per-key allocation has no hours: a key-scoped budget stays on UTC days (docs/time-zones.md).
  if (scope.apiKeyId === undefined) return isLocal(ac) ? localDailySpend(wh, filter, ac) : dailySpend(wh, filter);
  const acc = new Map<IsoDay, Dec>();
  for (const r of await allocateByKey(wh, filter)) {
    if (r.key === scope.apiKeyId) acc.set(r.day, (acc.get(r.day) ?? new ExactDecimal(0)).plus(r.usd));
  }
  return new Map([...acc].map(([d, v]) => [d, v.toFixed()]));
}

export function monthOf(day: IsoDay): { month: string; first: IsoDay; last: IsoDay } {
  const first = monthStart(day);
  return { month: day.slice(0, 7), first, last: addDays(monthStart(addDays(first, 32)), -1) };
}

const sum = (values: Iterable<string>) => [...values].reduce((a, v) => a.plus(v), new ExactDecimal(0));

/** Month-end forecast of a budget's scope: the one forecast (reports/forecast.ts); null before any complete day. */
export function forecast(month: { first: IsoDay; last: IsoDay }, daily: ReadonlyMap<IsoDay, string>, judged: JudgedDays): string | null {
  return forecastPeriod(month, daily, judged)?.total ?? null;
}

export function pctText(spent: Dec, budget: Dec): { pct: string; whole: number } {
  const pct = spent.div(budget).times(100);
  // Rounded down: "100 %" must never be shown for $2,999.99 of $3,000.00.
  return { pct: pct.toDecimalPlaces(2, ExactDecimal.ROUND_DOWN).toFixed(), whole: pct.floor().toNumber() };
}

export async function evaluateBudget(wh: Warehouse, budget: BudgetConfig, names: Names, judged: JudgedDays, today: IsoDay, ac?: AlertCalendar): Promise<AlertEvent[]> {
  const scope = resolveScope(budget.scope, names);
  const budgetUsd = new ExactDecimal(String(budget.monthly_usd));
  const current = monthOf(today);
  // The previous month is judged again in the first days of a month: its last day completes only then.
  const previous = Number(today.slice(8, 10)) <= 3 ? monthOf(addDays(current.first, -1)) : null;
  const from = [previous?.first ?? current.first, judged.lastComplete ? addDays(judged.lastComplete, -BASELINE_DAYS) : current.first].sort()[0]!;
  const daily = await scopeDaily(wh, scope, from, today, ac);
  const events: AlertEvent[] = [];
  for (const month of previous ? [previous, current] : [current]) {
    const to = month.last < today ? month.last : today;
    const spent = sum(eachDay(month.first, to).map((d) => daily.get(d) ?? '0'));
    const { pct, whole } = pctText(spent, budgetUsd);
    const partial = !judged.has(to);
    const isCurrent = month === current;
    const fc = isCurrent ? forecast(month, daily, judged) : null;
    const text =
      `${budget.name}: ${formatUsd(spent.toFixed())} of ${formatUsd(budgetUsd.toFixed())} (${whole} %) month to date, ${month.first}..${to}` +
      `${partial ? ` (${to} partial)` : ''}${fc !== null ? `; forecast ${formatUsd(fc)} by ${month.last}` : ''}`;
    const figures = {
      budget: budget.name,
      scope: scope.label,
      month: month.month,
      from: month.first,
      to,
      partial_day: partial ? to : null,
      budget_usd: budgetUsd.toFixed(),
      spent_usd: spent.toFixed(),
      percent: pct,
      forecast_usd: fc,
      month_end: month.last,
      estimated_per_key: scope.apiKeyId !== undefined,
      timezone: ac?.calendar.timeZone ?? 'UTC',
    };
    const details = scope.unknown.length > 0 ? [`Not found in the warehouse yet: ${scope.unknown.join(', ')} (counted as $0).`] : [];
    if (scope.label !== 'whole organization') details.unshift(`Scope: ${scope.label}${scope.apiKeyId !== undefined ? ' (per-key spend estimated from token shares)' : ''}.`);
    const crossed = [...new Set(budget.thresholds_pct)].sort((a, b) => a - b).filter((t) => spent.times(100).gte(budgetUsd.times(t)));
    const top = crossed[crossed.length - 1];
    if (top !== undefined) {
      events.push(
        makeEvent({
          rule: 'budget', subject: budget.name, period: periodIn(ac, month.month), level: String(top), rank: top,
          severity: top >= 100 ? 'critical' : 'warning',
          title: `Budget ${budget.name}: ${top} % of ${formatUsd(budgetUsd.toFixed())} reached`,
          text, details, figures: { ...figures, threshold_percent: top },
        }),
      );
    }
    if (isCurrent && budget.forecast && fc !== null && new ExactDecimal(fc).gte(budgetUsd) && spent.lt(budgetUsd)) {
      events.push(
        makeEvent({
          rule: 'budget_forecast', subject: budget.name, period: periodIn(ac, month.month), level: 'forecast', rank: 1, severity: 'warning',
          title: `Budget ${budget.name}: forecast ${formatUsd(fc)} exceeds ${formatUsd(budgetUsd.toFixed())} by ${month.last}`,
          text, details, figures,
        }),
      );
    }
  }
  return events;
}
