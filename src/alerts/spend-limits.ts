/**
 * Spend limits as budgets: every enabled spend limit with an amount (the organization's, the
 * usage-tier cap at which requests are refused, a workspace's) is judged like a budget without any
 * configuration, on the billed spend of its scope in its own period (daily, weekly from Monday,
 * monthly; UTC). Each threshold (80/90/100 % by default) fires at most once per limit and period
 * (the highest crossed; lower ones are then moot), as rule `spend_limit` with the threshold as
 * level. Scopes the cost report cannot split spend by (user, rbac_group, seat_tier,
 * organization_service) are listed but not judged. The status rows feed `report --by spend_limit`
 * and the dashboard too, so all three say the same.
 */
import { FORECAST_BASE_DAYS, forecastPeriod, periodOf, runway, type CompleteDays, type Forecast, type Period, type PeriodKind } from '../reports/forecast.js';
import { addDays, daysBetween, eachDay, type IsoDay } from '../util/dates.js';
import { canonicalDecimal, compareDecimal, divideDecimal, formatUsd, isZeroDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { pctText, reached } from './budgets.js';
import { dailySpend, type Names } from '../reports/spend-data.js';
import { makeEvent, type AlertEvent } from './types.js';

export const SPEND_LIMIT_THRESHOLDS = [80, 90, 100] as const;
/** Scope types whose spend the cost report can measure. */
export const JUDGED_SCOPES = new Set(['organization', 'usage_tier', 'workspace']);

export interface SpendLimit {
  organizationId: string | null;
  id: string;
  scopeType: string;
  scopeId: string | null;
  amountCents: string | null;
  currency: string | null;
  enabled: boolean;
  period: string | null;
}

export interface SpendLimitStatus {
  limit: SpendLimit;
  /** "usage-tier cap", "organization limit", "workspace Search limit". */
  label: string;
  period: Period;
  amountUsd: string;
  spentUsd: string;
  /** Of the amount, rounded down to 2 decimals. */
  percent: string;
  forecast: Forecast | null;
  /** The day the amount is (or was) reached at the current rate; null: not this period. */
  reachedOn: IsoDay | null;
  /** Today is in the period (else it is the previous one, judged again while its last day completes). */
  current: boolean;
}

/** The stored snapshot (claude_spend_limits); empty when the limits stream never ran or was not offered. */
export async function loadSpendLimits(wh: Warehouse): Promise<SpendLimit[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  let rows;
  try {
    rows = await wh.query(
      `SELECT ${['organization_id', 'id', 'scope_type', 'scope_id', 'currency', 'is_enabled', 'period'].map(i).join(', ')}, ${d.toText(i('amount_cents'))} AS ${i('amount_cents')}
         FROM ${d.table('claude_spend_limits')} ORDER BY ${i('organization_id')}, ${i('scope_type')}, ${i('id')}`,
    );
  } catch (err) {
    // A read-only open of a warehouse from before the limits stream.
    if (/claude_spend_limits/.test((err as Error).message)) return [];
    throw err;
  }
  return rows.map((r) => ({
    organizationId: r.organization_id === null ? null : String(r.organization_id),
    id: String(r.id),
    scopeType: String(r.scope_type),
    scopeId: r.scope_id === null ? null : String(r.scope_id),
    amountCents: r.amount_cents === null ? null : canonicalDecimal(String(r.amount_cents)),
    currency: r.currency === null ? null : String(r.currency),
    enabled: r.is_enabled !== false,
    period: r.period === null ? null : String(r.period),
  }));
}

function periodKind(p: string | null): PeriodKind {
  return p === 'daily' || p === 'weekly' ? p : 'monthly';
}

export function limitLabel(l: SpendLimit, names: Names): string {
  const period = periodKind(l.period);
  if (l.scopeType === 'usage_tier') return `usage-tier cap (${period})`;
  if (l.scopeType === 'organization') return `organization spend limit (${period})`;
  if (l.scopeType === 'workspace') return `workspace ${names.workspace(l.scopeId ?? '')} spend limit (${period})`;
  return `${l.scopeType} ${l.scopeId ?? ''} spend limit (${period})`.replace('  ', ' ');
}

/**
 * The status of every judged limit (enabled, with an amount, of a scope spend can be measured for)
 * in its current period, and in the previous one while that one's last days may still complete.
 */
export async function spendLimitStatuses(wh: Warehouse, names: Names, judged: CompleteDays, today: IsoDay): Promise<SpendLimitStatus[]> {
  const out: SpendLimitStatus[] = [];
  for (const limit of await loadSpendLimits(wh)) {
    if (!limit.enabled || limit.amountCents === null || !JUDGED_SCOPES.has(limit.scopeType)) continue;
    const kind = periodKind(limit.period);
    const current = periodOf(kind, today);
    const previous = daysBetween(current.first, today) < 3 ? periodOf(kind, addDays(current.first, -1)) : null;
    const first = previous?.first ?? current.first;
    const from = [first, judged.lastComplete ? addDays(judged.lastComplete, -FORECAST_BASE_DAYS) : first].sort()[0]!;
    const daily = await dailySpend(wh, {
      from,
      to: today,
      ...(limit.organizationId ? { organizationIds: [limit.organizationId] } : {}),
      ...(limit.scopeType === 'workspace' && limit.scopeId ? { workspaceIds: [limit.scopeId] } : {}),
    });
    const amount = divideDecimal(limit.amountCents, 100);
    for (const period of previous ? [previous, current] : [current]) {
      const to = period.last < today ? period.last : today;
      const spent = sumDecimals(eachDay(period.first, to).map((d) => daily.get(d) ?? '0'));
      const fc = period === current ? forecastPeriod(period, daily, judged) : null;
      out.push({
        limit,
        label: limitLabel(limit, names),
        period,
        amountUsd: amount,
        spentUsd: spent,
        percent: isZeroDecimal(amount) ? '100' : pctText(spent, amount).pct,
        forecast: fc,
        reachedOn: runway(period, daily, fc, amount),
        current: period === current,
      });
    }
  }
  return out;
}

export async function evaluateSpendLimits(wh: Warehouse, names: Names, judged: CompleteDays, today: IsoDay, thresholds: readonly number[] = SPEND_LIMIT_THRESHOLDS): Promise<AlertEvent[]> {
  const events: AlertEvent[] = [];
  for (const s of await spendLimitStatuses(wh, names, judged, today)) {
    const amount = s.amountUsd;
    const spent = s.spentUsd;
    const crossed = [...new Set(thresholds)].sort((a, b) => a - b).filter((t) => reached(spent, amount, t));
    const top = crossed.at(-1);
    if (top === undefined) continue;
    const to = s.period.last < today ? s.period.last : today;
    const partial = !judged.has(to);
    const fc = s.forecast;
    const runwayText = s.reachedOn === null ? 'not reached this period at the current rate' : compareDecimal(spent, amount) >= 0 ? `reached on ${s.reachedOn}` : `reached on ${s.reachedOn} at the current rate`;
    const refused = s.limit.scopeType === 'usage_tier' ? ' At the usage-tier cap the API refuses requests.' : '';
    events.push(
      makeEvent({
        rule: 'spend_limit',
        subject: s.limit.id,
        period: s.period.label,
        level: String(top),
        rank: top,
        severity: top >= 100 ? 'critical' : 'warning',
        title: `${s.label[0]!.toUpperCase()}${s.label.slice(1)}: ${top} % of ${formatUsd(amount)} reached`,
        text:
          `${formatUsd(spent)} of ${formatUsd(amount)} (${isZeroDecimal(amount) ? 100 : pctText(spent, amount).whole} %) spent ${s.period.first}..${to}${partial ? ` (${to} partial)` : ''}; ` +
          `${fc ? `forecast ${formatUsd(fc.total)} by ${s.period.last}; ` : ''}${runwayText}.${refused}`,
        details: [`Spend limit ${s.limit.id} (${s.limit.scopeType}${s.limit.scopeId ? ` ${s.limit.scopeId}` : ''}), ${periodKind(s.limit.period)} period ${s.period.first}..${s.period.last} UTC.`],
        figures: {
          spend_limit_id: s.limit.id,
          organization_id: s.limit.organizationId,
          scope_type: s.limit.scopeType,
          scope_id: s.limit.scopeId,
          limit: s.label,
          period_kind: periodKind(s.limit.period),
          from: s.period.first,
          to,
          period_end: s.period.last,
          partial_day: partial ? to : null,
          amount_usd: amount,
          spent_usd: spent,
          percent: s.percent,
          forecast_usd: fc?.total ?? null,
          forecast_low_usd: fc?.low ?? null,
          forecast_high_usd: fc?.high ?? null,
          reached_on: s.reachedOn,
          threshold_percent: top,
        },
      }),
    );
  }
  return events;
}
