/**
 * The ungrouped analytics/cost and analytics/usage rows of a window → claude_analytics_daily_totals,
 * one row per bucket holding both (either side NULL when the API returned no row for the bucket: it
 * returns only combinations with activity).
 */
import type { AnalyticsCostRow, AnalyticsUsageRow } from '../source/analytics-schemas.js';
import { centsToUsd, parseCents } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import { USAGE_MEASURES } from './analytics-rows.js';
import { extraJson, unmappedFields, type FieldSpec } from './extra.js';
import { bucketDay, bucketInstant } from './bucket-times.js';
import type { WindowTally } from './tally.js';

const COST_SPEC: FieldSpec = { starting_at: true, ending_at: true, group: {}, cost: { amount: true, list_amount: true, currency: true, requests: true } };
const USAGE_SPEC: FieldSpec = { starting_at: true, ending_at: true, group: {}, usage: USAGE_MEASURES };

/** Collects a window's ungrouped rows by bucket, then shapes them. */
export class AnalyticsTotals {
  private readonly cost = new Map<string, AnalyticsCostRow>();
  private readonly usage = new Map<string, AnalyticsUsageRow>();

  addCost(r: AnalyticsCostRow): void {
    this.cost.set(bucketInstant(r.starting_at), r);
  }

  addUsage(r: AnalyticsUsageRow): void {
    this.usage.set(bucketInstant(r.starting_at), r);
  }

  rows(tally: WindowTally): RowOf<'claude_analytics_daily_totals'>[] {
    const buckets = [...new Set([...this.cost.keys(), ...this.usage.keys()])].sort();
    return buckets.map((bucket) => {
      const c = this.cost.get(bucket);
      const u = this.usage.get(bucket);
      const day = bucketDay(bucket);
      const amount = c ? parseCents(c.cost.amount, `analytics/cost total ${day} amount`, tally) : null;
      const list = c ? parseCents(c.cost.list_amount, `analytics/cost total ${day} list_amount`, tally) : null;
      const extraCost = c ? unmappedFields(c, COST_SPEC) : null;
      const extraUsage = u ? unmappedFields(u, USAGE_SPEC) : null;
      const extra = extraCost || extraUsage ? { cost: extraCost, usage: extraUsage } : null;
      return {
        activity_date: day,
        bucket_start: bucket,
        currency: c ? c.cost.currency : null,
        amount_cents: amount,
        amount_usd: amount === null ? null : centsToUsd(amount),
        list_amount_cents: list,
        list_amount_usd: list === null ? null : centsToUsd(list),
        uncached_input_tokens: u ? u.usage.uncached_input_tokens : null,
        cache_read_input_tokens: u ? u.usage.cache_read_input_tokens : null,
        cache_creation_5m_input_tokens: u ? u.usage.cache_creation.ephemeral_5m_input_tokens : null,
        cache_creation_1h_input_tokens: u ? u.usage.cache_creation.ephemeral_1h_input_tokens : null,
        output_tokens: u ? u.usage.output_tokens : null,
        web_search_requests: u ? u.usage.server_tool_use.web_search_requests : null,
        requests: u ? u.usage.requests : null,
        total_tokens: u ? u.usage.total_tokens : null,
        extra: extraJson(extra),
      };
    });
  }
}
