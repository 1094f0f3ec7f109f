/**
 * analytics_cost_hourly: billed cost in 1-hour buckets by product, workspace and model →
 * claude_cost_hourly. What a day in a time zone other than UTC is summed from (docs/time-zones.md):
 * backfill and run add this stream by themselves when claude-ingest.yaml names such a zone. Three
 * dimensions keep it small (the hourly split of the key and actor tables would be 24 times their rows);
 * product is kept so reports count exactly what cost_report bills (reports/bridge.ts).
 */
import { analyticsCostRowSchema } from '../source/analytics-schemas.js';
import { analyticsServedFrom } from '../source/analytics-floor.js';
import { ENDPOINTS } from '../source/endpoints.js';
import { costHourlyRow } from '../transform/analytics-rows.js';
import { DecimalSum } from '../util/money.js';
import { ANALYTICS_MIN_WINDOW_DAYS, RefreshedAt, analyticsBatches, analyticsQuery } from './analytics-stream.js';
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
  largePages: true,
  servedFrom: analyticsServedFrom,
  tables: ['claude_cost_hourly'],
  async *fetchWindow(window, ctx) {
    const client = analyticsClient(ctx.client, 'analytics_cost_hourly');
    const refreshed = new RefreshedAt();
    const cents = new DecimalSum();
    const query = analyticsQuery(window, { ...ctx.options, analyticsBucket: '1h' }, COST_HOURLY_GROUP_BY);
    const read = { client, stats: ctx.stats, endpoint: ENDPOINTS.analyticsCost, query, schema: analyticsCostRowSchema, refreshed };
    for await (const batch of analyticsBatches(read, 'claude_cost_hourly', (r, n) => costHourlyRow(r, ctx.tally, n))) {
      for (const row of batch.rows) cents.add(row.amount_cents);
      yield batch;
    }
    return { centsTotal: cents.toString(), dataRefreshedAt: refreshed.value };
  },
};
