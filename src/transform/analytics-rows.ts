/**
 * Usage and Cost Analytics API rows → claude_cost_by_key, claude_cost_by_actor and
 * claude_usage_by_actor. Money follows claude_costs' rules (exact cents, rounding counted in the
 * tally); every field no column maps lands in `extra`, and its numbers are tallied as unknown
 * measures. Plain object literals, no spreads: these run once per API row.
 */
import type { AnalyticsCostRow, AnalyticsUsageRow } from '../source/analytics-schemas.js';
import { centsToUsd, parseCents } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import { analyticsActor } from './analytics-actor.js';
import { unmappedFields, type FieldSpec } from './extra.js';
import type { Lineage } from './lineage.js';
import { bucketDay, bucketInstant } from './lineage.js';
import type { WindowTally } from './tally.js';

type Loose = Record<string, unknown>;

const COST_MEASURES = { amount: true, list_amount: true, currency: true } as const satisfies FieldSpec;
export const USAGE_MEASURES = {
  uncached_input_tokens: true,
  cache_creation: { ephemeral_5m_input_tokens: true, ephemeral_1h_input_tokens: true },
  cache_read_input_tokens: true,
  output_tokens: true,
  server_tool_use: { web_search_requests: true },
  requests: true,
  total_tokens: true,
} as const satisfies FieldSpec;

const KEY_GROUP: FieldSpec = { workspace_id: true, api_key_id: true, model: true, service_tier: true, context_window: true, cost_type: true, token_type: true };
const ACTOR_COST_GROUP: FieldSpec = { actor: true, product: true, workspace_id: true, model: true, cost_type: true };
const ACTOR_USAGE_GROUP: FieldSpec = { actor: true, product: true, workspace_id: true, model: true, api_key_id: true };

const spec = (group: FieldSpec, measuresField: 'cost' | 'usage', measures: FieldSpec): FieldSpec => ({
  starting_at: true,
  ending_at: true,
  group,
  [measuresField]: measures,
});
const KEY_SPEC = spec(KEY_GROUP, 'cost', COST_MEASURES);
const ACTOR_COST_SPEC = spec(ACTOR_COST_GROUP, 'cost', COST_MEASURES);
const ACTOR_USAGE_SPEC = spec(ACTOR_USAGE_GROUP, 'usage', USAGE_MEASURES);

/** The row's unmapped fields, with the actor's own unmapped fields under group.actor. */
function extraOf(r: Loose, s: FieldSpec, actorExtra: Loose | null): Loose | null {
  const out = unmappedFields(r, s);
  if (actorExtra === null) return out;
  const merged = out ?? {};
  const group = (merged.group as Loose | undefined) ?? {};
  group.actor = actorExtra;
  merged.group = group;
  return merged;
}

export function costByKeyRow(r: AnalyticsCostRow, lineage: Lineage, tally: WindowTally): RowOf<'claude_cost_by_key'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const amount = parseCents(r.cost.amount, `analytics/cost ${day} amount`, tally);
  const list = parseCents(r.cost.list_amount, `analytics/cost ${day} list_amount`, tally);
  return {
    activity_date: day,
    bucket_start: bucketInstant(r.starting_at),
    workspace_id: g.workspace_id,
    api_key_id: g.api_key_id,
    model: g.model,
    service_tier: g.service_tier,
    context_window: g.context_window,
    cost_type: g.cost_type,
    token_type: g.token_type,
    currency: r.cost.currency,
    amount_cents: amount,
    amount_usd: centsToUsd(amount),
    list_amount_cents: list,
    list_amount_usd: centsToUsd(list),
    extra: tally.extraColumn('claude_cost_by_key', day, extraOf(r, KEY_SPEC, null)),
    run_id: lineage.run_id,
    ingested_at: lineage.ingested_at,
  };
}

export function costByActorRow(r: AnalyticsCostRow, lineage: Lineage, tally: WindowTally): RowOf<'claude_cost_by_actor'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const a = analyticsActor(g.actor);
  const amount = parseCents(r.cost.amount, `analytics/cost ${day} amount`, tally);
  const list = parseCents(r.cost.list_amount, `analytics/cost ${day} list_amount`, tally);
  return {
    activity_date: day,
    bucket_start: bucketInstant(r.starting_at),
    actor_type: a.actor_type,
    actor_id: a.actor_id,
    actor_email: a.actor_email,
    actor_name: a.actor_name,
    actor_deleted: a.actor_deleted,
    product: g.product,
    workspace_id: g.workspace_id,
    model: g.model,
    cost_type: g.cost_type,
    currency: r.cost.currency,
    amount_cents: amount,
    amount_usd: centsToUsd(amount),
    list_amount_cents: list,
    list_amount_usd: centsToUsd(list),
    extra: tally.extraColumn('claude_cost_by_actor', day, extraOf(r, ACTOR_COST_SPEC, a.extra)),
    run_id: lineage.run_id,
    ingested_at: lineage.ingested_at,
  };
}

export function usageByActorRow(r: AnalyticsUsageRow, lineage: Lineage, tally: WindowTally): RowOf<'claude_usage_by_actor'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const u = r.usage;
  const a = analyticsActor(g.actor);
  return {
    activity_date: day,
    bucket_start: bucketInstant(r.starting_at),
    actor_type: a.actor_type,
    actor_id: a.actor_id,
    actor_email: a.actor_email,
    actor_name: a.actor_name,
    actor_deleted: a.actor_deleted,
    product: g.product,
    workspace_id: g.workspace_id,
    model: g.model,
    api_key_id: g.api_key_id,
    uncached_input_tokens: u.uncached_input_tokens,
    cache_read_input_tokens: u.cache_read_input_tokens,
    cache_creation_5m_input_tokens: u.cache_creation.ephemeral_5m_input_tokens,
    cache_creation_1h_input_tokens: u.cache_creation.ephemeral_1h_input_tokens,
    output_tokens: u.output_tokens,
    web_search_requests: u.server_tool_use.web_search_requests,
    requests: u.requests,
    total_tokens: u.total_tokens,
    extra: tally.extraColumn('claude_usage_by_actor', day, extraOf(r, ACTOR_USAGE_SPEC, a.extra)),
    run_id: lineage.run_id,
    ingested_at: lineage.ingested_at,
  };
}
