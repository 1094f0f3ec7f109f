/**
 * rate_limit_headroom: a day's busiest minute reached `pct` % of a rate limit (per model group and
 * limiter). Judges the days the headroom cache holds (report --by rate_limit, or run --alerts with
 * the rule on, reads them); one event per group, limiter and day, sent once.
 */
import { ratePeaks } from '../reports/limit-reports.js';
import type { DayRange } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { makeEvent, type AlertEvent } from './types.js';

export async function rateLimitHeadroom(wh: Warehouse, range: DayRange, pct: number): Promise<AlertEvent[]> {
  let rows;
  try {
    rows = await ratePeaks(wh, range);
  } catch (err) {
    // A read-only open of a warehouse from before the headroom cache.
    if (/claude_rate_limit_peaks/.test((err as Error).message)) return [];
    throw err;
  }
  return rows
    .filter((r) => r.share_pct !== null && r.share_pct >= pct)
    .map((r) =>
      makeEvent({
        rule: 'rate_limit_headroom',
        subject: `${r.organization_id ? `${r.organization_id} ` : ''}${r.group_id} ${r.limiter}`,
        period: r.day,
        level: String(pct),
        rank: pct,
        severity: r.share_pct! >= 100 ? 'critical' : 'warning',
        title: `${r.model_group}: ${r.limiter} peaked at ${r.share_pct} % of its limit on ${r.day}`,
        text: `${r.peak!.toLocaleString('en-US')} of ${r.limit!.toLocaleString('en-US')} in the minute starting ${r.peak_minute}, mostly from ${r.workspace ?? 'the default workspace'}.`,
        details: r.limiter.startsWith('input_tokens_per_minute_cache_aware') ? ['Cache reads are not counted: this limiter does not count them.'] : [],
        figures: {
          day: r.day,
          model_group: r.model_group,
          group_id: r.group_id,
          limiter: r.limiter,
          peak: r.peak,
          peak_minute: r.peak_minute,
          limit: r.limit,
          share_pct: String(r.share_pct),
          workspace_id: r.workspace_id,
          threshold_percent: pct,
        },
      }),
    );
}
