/**
 * Spend limits and rate-limit headroom (issue #28's limits stream), read with the code
 * `report --by spend_limit` and `report --by rate_limit` use, so a gauge and the report say the same:
 * spend-limit usage from alerts/spend-limits.ts (the one forecast of reports/forecast.ts), headroom
 * from the claude_rate_limit_peaks cache only. A scrape never calls the API: days the cache does
 * not hold are simply not published (report --by rate_limit, or run --alerts with the headroom rule
 * on, fills it).
 */
import { judgedDays } from '../checks/judged-days.js';
import { loadNames } from '../reports/spend-data.js';
import { spendLimitStatuses, type SpendLimitStatus } from '../alerts/spend-limits.js';
import { FORECAST_BASE_DAYS } from '../reports/forecast.js';
import { ratePeaks, type PeakRow } from '../reports/limit-reports.js';
import { addDays, dayStartMs, monthStart } from '../util/dates.js';
import { decimalToNumber, divideDecimal, isZeroDecimal } from '../util/money.js';
import type { CollectContext } from './context.js';
import { PROVIDER, type FamilyDef, type Sample } from './model.js';

/** How far back the newest cached headroom day is looked for. */
export const HEADROOM_LOOKBACK_DAYS = 31;

/** The current period of every judged spend limit (as report --by spend_limit lists them). */
function currentSpendLimits(ctx: CollectContext): Promise<SpendLimitStatus[]> {
  return ctx.memo('spend_limits', async () => {
    const judged = await judgedDays(ctx.wh, ctx.ledger, { from: addDays(monthStart(ctx.today), -(FORECAST_BASE_DAYS + 31)), to: ctx.today }, ctx.today);
    return (await spendLimitStatuses(ctx.wh, await loadNames(ctx.wh), judged, ctx.today)).filter((s) => s.current);
  });
}

/** A limit's organization label: its own id, else the warehouse's one organization. */
function organizationOf(ctx: CollectContext, id: string | null): string | null {
  if (ctx.scopes.length === 1) return ctx.scopes[0]!.organization;
  return id !== null && ctx.scopes.some((s) => s.organization === id) ? id : null;
}

function limitLabels(ctx: CollectContext, s: SpendLimitStatus): Record<string, string> | null {
  const organization = organizationOf(ctx, s.limit.organizationId);
  if (organization === null) return null;
  return {
    organization,
    spend_limit: s.limit.id,
    limit: s.label,
    scope_type: s.limit.scopeType,
    scope_id: s.limit.scopeId ?? '(none)',
    period: s.period.kind,
  };
}

/** spent / amount, exact; a zero amount counts as reached (report --by spend_limit says 100 %). */
function ratio(usd: string, amountUsd: string): string {
  return isZeroDecimal(amountUsd) ? '1' : divideDecimal(usd, amountUsd);
}

export const spendLimitUsage = {
  def: {
    name: 'claude_ingest_spend_limit_usage_ratio',
    otelName: 'claude_ingest.spend_limit.usage_ratio',
    otelUnit: '1',
    help: 'Per enabled spend limit (limits stream: usage-tier cap, organization, workspace) in its current period (daily, weekly from Monday, monthly; UTC): spend so far (kind="spent", today partial) or the period-end forecast (kind="forecast") divided by the amount, as report --by spend_limit; 1 is 100 %.',
    labels: ['organization', 'spend_limit', 'limit', 'scope_type', 'scope_id', 'period', 'kind', 'source'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const s of await currentSpendLimits(ctx)) {
      const labels = limitLabels(ctx, s);
      if (!labels) continue;
      out.push({ labels: { ...labels, kind: 'spent', ...PROVIDER }, value: ratio(s.spentUsd, s.amountUsd) });
      if (s.forecast) out.push({ labels: { ...labels, kind: 'forecast', ...PROVIDER }, value: ratio(s.forecast.total, s.amountUsd) });
    }
    return out;
  },
};

export const spendLimitAmount = {
  def: {
    name: 'claude_ingest_spend_limit_usd',
    otelName: 'claude_ingest.spend_limit',
    otelUnit: 'USD',
    help: 'The amount of each enabled spend limit (limits stream) per its period, in US dollars.',
    labels: ['organization', 'spend_limit', 'limit', 'scope_type', 'scope_id', 'period'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    return (await currentSpendLimits(ctx)).flatMap((s) => {
      const labels = limitLabels(ctx, s);
      return labels ? [{ labels, value: s.amountUsd }] : [];
    });
  },
};

/** Per organization, the cached peaks of its newest cached day (rows with a known limit and peak). */
function latestPeaks(ctx: CollectContext): Promise<Map<string, PeakRow[]>> {
  return ctx.memo('rate_peaks', async () => {
    let rows: PeakRow[];
    try {
      rows = await ratePeaks(ctx.wh, { from: addDays(ctx.today, -HEADROOM_LOOKBACK_DAYS), to: ctx.today });
    } catch (err) {
      // A read-only open of a warehouse from before the headroom cache.
      if (/claude_rate_limit_peaks/.test((err as Error).message)) return new Map();
      throw err;
    }
    const byOrg = new Map<string, PeakRow[]>();
    for (const r of rows) {
      const org = organizationOf(ctx, r.organization_id);
      if (org === null) continue;
      const have = byOrg.get(org);
      if (!have || have[0]!.day < r.day) byOrg.set(org, [r]);
      else if (have[0]!.day === r.day) have.push(r);
    }
    return byOrg;
  });
}

export const rateLimitPeakRatio = {
  def: {
    name: 'claude_ingest_rate_limit_peak_ratio',
    otelName: 'claude_ingest.rate_limit.peak_ratio',
    otelUnit: '1',
    help: 'Rate-limit headroom where known: the busiest minute of the newest day in the headroom cache (report --by rate_limit fills it; a scrape never calls the API) divided by the limit, per model group and limiter; 1 is the limit. The day is claude_ingest_rate_limit_peak_day_timestamp_seconds.',
    labels: ['organization', 'model_group', 'model_group_name', 'limiter'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const [organization, rows] of await latestPeaks(ctx)) {
      for (const r of rows) {
        if (r.peak === null || r.limit === null || r.limit <= 0) continue;
        out.push({ labels: { organization, model_group: r.group_id, model_group_name: r.model_group, limiter: r.limiter }, value: decimalToNumber(divideDecimal(r.peak, r.limit)) });
      }
    }
    return out;
  },
};

export const rateLimitPeakDay = {
  def: {
    name: 'claude_ingest_rate_limit_peak_day_timestamp_seconds',
    otelName: 'claude_ingest.rate_limit.peak_day_timestamp',
    otelUnit: 's',
    help: 'The start (UTC midnight, Unix seconds) of the day claude_ingest_rate_limit_peak_ratio is about: the newest day the headroom cache holds; absent when it holds none.',
    labels: ['organization'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    return [...(await latestPeaks(ctx))].map(([organization, rows]) => ({ labels: { organization }, value: dayStartMs(rows[0]!.day) / 1000 }));
  },
};
