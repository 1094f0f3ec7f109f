/**
 * analytics_cost_hourly: billed cost in 1-hour buckets by product, workspace and model →
 * claude_cost_hourly. What a day in a time zone other than UTC is summed from (docs/time-zones.md):
 * backfill and run add this stream by themselves when claude-ingest.yaml names such a zone. Three
 * dimensions keep it small (the hourly split of the key and actor tables would be 24 times their rows);
 * product is kept so reports count exactly what cost_report bills (reports/bridge.ts).
 */
import { analyticsCostRowSchema } from '../source/analytics-schemas.js';
import { ENDPOINTS } from '../source/endpoints.js';
import { costHourlyRow } from '../transform/analytics-rows.js';
import { ExactDecimal } from '../util/money.js';
import { ANALYTICS_MIN_WINDOW_DAYS, RefreshedAt, analyticsQuery, analyticsServedFrom, copyQuery } from './analytics-stream.js';
import { analyticsClient } from './analytics-unavailable.js';
import type { StreamDef } from './stream.js';

export const COST_HOURLY_GROUP_BY = ['product', 'workspace_id', 'model'] as const;

export const analyticsCostHourlyStream: StreamDef = {
  name: 'analytics_cost_hourly',
  summary: 'analytics/cost (Analytics API, from 2026-01-01) in 1-hour buckets by product × workspace × model → claude_cost_hourly; added by backfill and run when timezone: is not UTC',
  writeMode: 'replace-days',
  // A week of hours per window, like the other hourly reads.
  windowDays: () => 7,
  minWindowDays: ANALYTICS_MIN_WINDOW_DAYS,
  servedFrom: analyticsServedFrom,
  tables: ['claude_cost_hourly'],
  async fetchWindow(window, ctx, sink) {
    const client = analyticsClient(ctx.client, 'analytics_cost_hourly');
    const refreshed = new RefreshedAt();
    let cents = new ExactDecimal(0);
    const query = analyticsQuery(window, { ...ctx.options, analyticsBucket: '1h' }, COST_HOURLY_GROUP_BY);
    const rows = await copyQuery(client, ctx, sink, ENDPOINTS.analyticsCost, query, analyticsCostRowSchema, 'claude_cost_hourly', (r, n) => costHourlyRow(r, ctx.lineage, ctx.tally, n), (row) => {
      cents = cents.plus(row.amount_cents);
    }, refreshed);
    return { rows, centsTotal: cents.toFixed(), dataRefreshedAt: refreshed.value };
  },
};
