/**
 * analytics/cost → claude_cost_by_key, claude_cost_by_actor, and (with the ungrouped analytics/usage
 * total) claude_analytics_daily_totals. The API takes at most 5 group_by[] dimensions (cost_type and
 * token_type are free), so each table is one query shape.
 */
import type { z } from 'zod';
import { analyticsCostRowSchema, analyticsUsageRowSchema } from '../source/analytics-schemas.js';
import { ENDPOINTS } from '../source/endpoints.js';
import { costByActorRow, costByKeyRow } from '../transform/analytics-rows.js';
import { AnalyticsTotals } from '../transform/analytics-totals.js';
import { DecimalSum } from '../util/money.js';
import { ANALYTICS_MIN_WINDOW_DAYS, RefreshedAt, analyticsBatches, analyticsQuery, analyticsWindowDays, readAll } from './analytics-stream.js';
import { analyticsServedFrom } from '../source/analytics-floor.js';
import { DaySums } from './analytics-chain-check.js';
import { analyticsClient } from './analytics-unavailable.js';
import type { StreamDef } from './stream.js';

export const COST_BY_KEY_GROUP_BY = ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'cost_type', 'token_type'] as const;
/** api_key_id too (issue 25): key, person, product, workspace and model together are what allocation rules match on. */
export const COST_BY_ACTOR_GROUP_BY = ['actor', 'product', 'workspace_id', 'model', 'api_key_id', 'cost_type'] as const;

export const analyticsCostStream: StreamDef = {
  name: 'analytics_cost',
  summary:
    'analytics/cost (Analytics API, from 2026-01-01) by key and by actor × product → claude_cost_by_key, claude_cost_by_actor, plus both endpoints\' totals → claude_analytics_daily_totals',
  writeMode: 'replace-days',
  windowDays: analyticsWindowDays,
  minWindowDays: ANALYTICS_MIN_WINDOW_DAYS,
  largePages: true,
  servedFrom: analyticsServedFrom,
  tables: ['claude_cost_by_key', 'claude_cost_by_actor', 'claude_analytics_daily_totals'],
  async *fetchWindow(window, ctx) {
    const client = analyticsClient(ctx.client, 'analytics_cost');
    const o = ctx.options;
    const refreshed = new RefreshedAt();
    const read = <R>(endpoint: string, groupBy: readonly string[], schema: z.ZodType<R>) => ({ client, stats: ctx.stats, endpoint, query: analyticsQuery(window, o, groupBy), schema, refreshed });
    // The ungrouped total first: the cheapest request tells whether the API is open to this organization.
    const totals = new AnalyticsTotals();
    for (const r of await readAll(read(ENDPOINTS.analyticsCost, [], analyticsCostRowSchema))) totals.addCost(r);
    const cents = new DecimalSum();
    const byKey = new DaySums('grouped by key');
    const byActor = new DaySums('grouped by actor');
    for await (const batch of analyticsBatches(read(ENDPOINTS.analyticsCost, COST_BY_KEY_GROUP_BY, analyticsCostRowSchema), 'claude_cost_by_key', (r, n) => costByKeyRow(r, ctx.tally, n))) {
      for (const row of batch.rows) {
        cents.add(row.amount_cents);
        byKey.add(row);
      }
      yield batch;
    }
    for await (const batch of analyticsBatches(read(ENDPOINTS.analyticsCost, COST_BY_ACTOR_GROUP_BY, analyticsCostRowSchema), 'claude_cost_by_actor', (r, n) => costByActorRow(r, ctx.tally, n))) {
      for (const row of batch.rows) byActor.add(row);
      yield batch;
    }
    for (const r of await readAll(read(ENDPOINTS.analyticsUsage, [], analyticsUsageRowSchema))) totals.addUsage(r);
    const totalRows = totals.rows(ctx.tally);
    // Days that had ended when the window began (the ledger's startedAt, stamped as ingested_at).
    const settledBefore = ctx.startedAt.slice(0, 10);
    byKey.checkAgainst(totalRows, settledBefore);
    byActor.checkAgainst(totalRows, settledBefore);
    if (totalRows.length > 0) yield { table: 'claude_analytics_daily_totals', rows: totalRows };
    return { centsTotal: cents.toString(), dataRefreshedAt: refreshed.value };
  },
};
