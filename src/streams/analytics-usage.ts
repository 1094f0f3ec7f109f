/** analytics/usage by actor × product × workspace × model × key → claude_usage_by_actor (5 group_by[], the API's cap). */
import { analyticsUsageRowSchema } from '../source/analytics-schemas.js';
import { ENDPOINTS } from '../source/endpoints.js';
import { usageByActorRow } from '../transform/analytics-rows.js';
import { ANALYTICS_MIN_WINDOW_DAYS, RefreshedAt, analyticsBatches, analyticsQuery, analyticsWindowDays } from './analytics-stream.js';
import { analyticsServedFrom } from '../source/analytics-floor.js';
import { analyticsClient } from './analytics-unavailable.js';
import type { StreamDef } from './stream.js';

export const USAGE_BY_ACTOR_GROUP_BY = ['actor', 'product', 'workspace_id', 'model', 'api_key_id'] as const;

export const analyticsUsageStream: StreamDef = {
  name: 'analytics_usage',
  summary: 'analytics/usage (Analytics API, from 2026-01-01) by actor, product, workspace, model, key → claude_usage_by_actor (its totals come with analytics_cost)',
  writeMode: 'replace-days',
  windowDays: analyticsWindowDays,
  minWindowDays: ANALYTICS_MIN_WINDOW_DAYS,
  largePages: true,
  servedFrom: analyticsServedFrom,
  tables: ['claude_usage_by_actor'],
  async *fetchWindow(window, ctx) {
    const client = analyticsClient(ctx.client, 'analytics_usage');
    const query = analyticsQuery(window, ctx.options, USAGE_BY_ACTOR_GROUP_BY);
    const refreshed = new RefreshedAt();
    const read = { client, stats: ctx.stats, endpoint: ENDPOINTS.analyticsUsage, query, schema: analyticsUsageRowSchema, refreshed };
    yield* analyticsBatches(read, 'claude_usage_by_actor', (r, n) => usageByActorRow(r, ctx.tally, n));
    return { dataRefreshedAt: refreshed.value };
  },
};
