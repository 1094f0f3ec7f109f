/**
 * analytics/cost → claude_cost_by_key, claude_cost_by_actor, and (with the ungrouped analytics/usage
 * total) claude_analytics_daily_totals. The API takes at most 5 group_by[] dimensions (cost_type and
 * token_type are free), so each table is one query shape.
 */
import { analyticsCostRowSchema, analyticsUsageRowSchema } from '../source/analytics-schemas.js';
import { ENDPOINTS } from '../source/endpoints.js';
import { costByActorRow, costByKeyRow } from '../transform/analytics-rows.js';
import { AnalyticsTotals } from '../transform/analytics-totals.js';
import { ExactDecimal } from '../util/money.js';
import { ANALYTICS_MIN_WINDOW_DAYS, RefreshedAt, analyticsQuery, analyticsServedFrom, analyticsWindowDays, copyQuery, readAll } from './analytics-stream.js';
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
  servedFrom: analyticsServedFrom,
  tables: ['claude_cost_by_key', 'claude_cost_by_actor', 'claude_analytics_daily_totals'],
  async fetchWindow(window, ctx, sink) {
    const client = analyticsClient(ctx.client, 'analytics_cost');
    const endpoint = ENDPOINTS.analyticsCost;
    const o = ctx.options;
    // The ungrouped total first: the cheapest request tells whether the API is open to this organization.
    const totals = new AnalyticsTotals();
    const refreshed = new RefreshedAt();
    for (const r of await readAll(client, ctx, endpoint, analyticsQuery(window, o, []), analyticsCostRowSchema, refreshed)) totals.addCost(r);
    let cents = new ExactDecimal(0);
    const byKey = new DaySums('grouped by key');
    const byActor = new DaySums('grouped by actor');
    let rows = await copyQuery(client, ctx, sink, endpoint, analyticsQuery(window, o, COST_BY_KEY_GROUP_BY), analyticsCostRowSchema, 'claude_cost_by_key', (r, n) => costByKeyRow(r, ctx.lineage, ctx.tally, n), (row) => {
      cents = cents.plus(row.amount_cents);
      byKey.add(row);
    }, refreshed);
    rows += await copyQuery(client, ctx, sink, endpoint, analyticsQuery(window, o, COST_BY_ACTOR_GROUP_BY), analyticsCostRowSchema, 'claude_cost_by_actor', (r, n) => costByActorRow(r, ctx.lineage, ctx.tally, n), (row) => byActor.add(row), refreshed);
    for (const r of await readAll(client, ctx, ENDPOINTS.analyticsUsage, analyticsQuery(window, o, []), analyticsUsageRowSchema, refreshed)) totals.addUsage(r);
    const totalRows = totals.rows(ctx.lineage, ctx.tally);
    // Days that had ended when the window began (the ledger's startedAt is the lineage's ingested_at).
    const settledBefore = ctx.lineage.ingested_at.slice(0, 10);
    byKey.checkAgainst(totalRows, settledBefore);
    byActor.checkAgainst(totalRows, settledBefore);
    if (totalRows.length > 0) await sink.append('claude_analytics_daily_totals', totalRows);
    return { rows: rows + totalRows.length, centsTotal: cents.toFixed(), dataRefreshedAt: refreshed.value };
  },
};
