/**
 * /api/limits: each spend limit with spent, share, forecast and the day it is reached (as
 * `report --by spend_limit` and the spend_limit alerts judge them: src/alerts/spend-limits.ts), the
 * rate limits (organization and workspace overrides) and the busiest minute the headroom cache holds
 * per model group and limiter over the last 7 days. Empty lists hide the page's section.
 */
import { judgedDays } from '../checks/judged-days.js';
import { loadNames } from '../reports/spend-data.js';
import { spendLimitStatuses } from '../alerts/spend-limits.js';
import { FORECAST_BASE_DAYS } from '../reports/forecast.js';
import { ratePeaks, type PeakRow } from '../reports/limit-reports.js';
import { addDays, monthStart } from '../util/dates.js';
import type { ApiContext } from './api-context.js';

export interface SpendLimitRow {
  limit: string;
  period: string;
  amount_usd: string;
  spent_usd: string;
  share: string;
  forecast_usd: string | null;
  forecast_range: string | null;
  reached_on: string;
}

export async function limits(ctx: ApiContext) {
  const ledger = await ctx.wh.listWindows();
  const judged = await judgedDays(ctx.wh, ledger, { from: addDays(monthStart(ctx.today), -(FORECAST_BASE_DAYS + 31)), to: ctx.today }, ctx.today);
  const statuses = (await spendLimitStatuses(ctx.wh, await loadNames(ctx.wh), judged, ctx.today)).filter((s) => s.current);
  const spend: SpendLimitRow[] = statuses.map((s) => ({
    limit: s.label,
    period: `${s.period.first} .. ${s.period.last}`,
    amount_usd: s.amountUsd,
    spent_usd: s.spentUsd,
    share: `${s.percent} %`,
    forecast_usd: s.forecast?.total ?? null,
    forecast_range: s.forecast ? `${s.forecast.low} – ${s.forecast.high}` : null,
    reached_on: s.reachedOn ?? 'not this period',
  }));
  let peaks: PeakRow[] = [];
  try {
    peaks = await ratePeaks(ctx.wh, { from: addDays(ctx.today, -6), to: ctx.today });
  } catch (err) {
    if (!/claude_rate_limit_peaks/.test((err as Error).message)) throw err;
  }
  // The busiest day per group and limiter of the week the cache holds.
  const best = new Map<string, PeakRow>();
  for (const p of peaks) {
    if (p.share_pct === null) continue;
    const k = `${p.model_group}|${p.limiter}`;
    const cur = best.get(k);
    if (!cur || p.share_pct > cur.share_pct!) best.set(k, p);
  }
  const headroom = [...best.values()]
    .sort((a, b) => b.share_pct! - a.share_pct!)
    .map((p) => ({ day: p.day, model_group: p.model_group, limiter: p.limiter, peak: p.peak, limit: p.limit, share: `${p.share_pct!.toFixed(2)} %`, peak_minute: p.peak_minute, workspace: p.workspace }));
  return { today: ctx.today, spend_limits: spend, headroom };
}
