/**
 * Usage and Cost Analytics API rows → claude_cost_by_key, claude_cost_by_actor and
 * claude_usage_by_actor. Money follows claude_costs' rules (exact cents, rounding counted in the
 * tally); every field no column maps lands in `extra`, and its numbers are tallied as unknown
 * measures. Object literals and Object.assign, never spreads: these run once per API row (see
 * token-counts.ts).
 */
import type { AnalyticsCostRow, AnalyticsUsageRow } from '../source/analytics-schemas.js';
import { centsToUsd, parseCents } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import { analyticsActor } from './analytics-actor.js';
import { unmappedFields, type FieldSpec } from './extra.js';
import { bucketDay, bucketInstant } from './bucket-times.js';
import type { WindowTally } from './tally.js';
import { TOKEN_MEASURES, tokenCounts } from './token-counts.js';

type Loose = Record<string, unknown>;

const COST_MEASURES = { amount: true, list_amount: true, currency: true } as const satisfies FieldSpec;
export const USAGE_MEASURES = { ...TOKEN_MEASURES, requests: true, total_tokens: true } as const satisfies FieldSpec;

const KEY_GROUP: FieldSpec = { workspace_id: true, api_key_id: true, model: true, service_tier: true, context_window: true, cost_type: true, token_type: true };
const ACTOR_COST_GROUP: FieldSpec = { actor: true, product: true, workspace_id: true, model: true, api_key_id: true, cost_type: true };
const HOURLY_GROUP: FieldSpec = { product: true, workspace_id: true, model: true };
const ACTOR_USAGE_GROUP: FieldSpec = { actor: true, product: true, workspace_id: true, model: true, api_key_id: true };

const spec = (group: FieldSpec, measuresField: 'cost' | 'usage', measures: FieldSpec): FieldSpec => ({
  starting_at: true,
  ending_at: true,
  group,
  [measuresField]: measures,
});
const KEY_SPEC = spec(KEY_GROUP, 'cost', COST_MEASURES);
const ACTOR_COST_SPEC = spec(ACTOR_COST_GROUP, 'cost', COST_MEASURES);
const HOURLY_SPEC = spec(HOURLY_GROUP, 'cost', COST_MEASURES);
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

type MoneyColumns = Pick<RowOf<'claude_cost_by_key'>, 'currency' | 'amount_cents' | 'amount_usd' | 'list_amount_cents' | 'list_amount_usd'>;

/** The billed and list amounts of an analytics cost row, exact (claude_costs' rules), as every cost table stores them. */
function moneyColumns(r: AnalyticsCostRow, day: string, tally: WindowTally): MoneyColumns {
  const amount = parseCents(r.cost.amount, `analytics/cost ${day} amount`, tally);
  const list = parseCents(r.cost.list_amount, `analytics/cost ${day} list_amount`, tally);
  return {
    currency: r.cost.currency,
    amount_cents: amount,
    amount_usd: centsToUsd(amount),
    list_amount_cents: list,
    list_amount_usd: centsToUsd(list),
  };
}

/** `ordinal`: which of the rows with this bucket and group it is (see source/pagination/analytics-rows.ts). */
export function costByKeyRow(r: AnalyticsCostRow, tally: WindowTally, ordinal = 0): RowOf<'claude_cost_by_key'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const money = moneyColumns(r, day, tally);
  return Object.assign(
    {
      activity_date: day,
      bucket_start: bucketInstant(r.starting_at),
      workspace_id: g.workspace_id,
      api_key_id: g.api_key_id,
      model: g.model,
      service_tier: g.service_tier,
      context_window: g.context_window,
      cost_type: g.cost_type,
      token_type: g.token_type,
    },
    money,
    { ordinal, extra: tally.extraColumn('claude_cost_by_key', day, extraOf(r, KEY_SPEC, null)) },
  );
}

type ActorColumns = Pick<
  RowOf<'claude_cost_by_actor'>,
  'activity_date' | 'bucket_start' | 'actor_type' | 'actor_id' | 'actor_email' | 'actor_name' | 'actor_deleted' | 'product' | 'workspace_id' | 'model'
>;

/** The day, actor and product columns claude_cost_by_actor and claude_usage_by_actor share. */
function actorColumns(r: AnalyticsCostRow | AnalyticsUsageRow, day: ActorColumns['activity_date'], a: ReturnType<typeof analyticsActor>): ActorColumns {
  return {
    activity_date: day,
    bucket_start: bucketInstant(r.starting_at),
    actor_type: a.actor_type,
    actor_id: a.actor_id,
    actor_email: a.actor_email,
    actor_name: a.actor_name,
    actor_deleted: a.actor_deleted,
    product: r.group.product,
    workspace_id: r.group.workspace_id,
    model: r.group.model,
  };
}

export function costByActorRow(r: AnalyticsCostRow, tally: WindowTally, ordinal = 0): RowOf<'claude_cost_by_actor'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const a = analyticsActor(g.actor);
  const money = moneyColumns(r, day, tally);
  return Object.assign(actorColumns(r, day, a), { api_key_id: g.api_key_id, cost_type: g.cost_type }, money, {
    ordinal,
    extra: tally.extraColumn('claude_cost_by_actor', day, extraOf(r, ACTOR_COST_SPEC, a.extra)),
  });
}

export function usageByActorRow(r: AnalyticsUsageRow, tally: WindowTally, ordinal = 0): RowOf<'claude_usage_by_actor'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const u = r.usage;
  const a = analyticsActor(g.actor);
  return Object.assign(actorColumns(r, day, a), tokenCounts(u), {
    api_key_id: g.api_key_id,
    requests: u.requests,
    total_tokens: u.total_tokens,
    ordinal,
    extra: tally.extraColumn('claude_usage_by_actor', day, extraOf(r, ACTOR_USAGE_SPEC, a.extra)),
  });
}

/** One hour of billed cost by product, workspace and model (the analytics_cost_hourly stream). */
export function costHourlyRow(r: AnalyticsCostRow, tally: WindowTally, ordinal = 0): RowOf<'claude_cost_hourly'> {
  const day = bucketDay(r.starting_at);
  const g = r.group;
  const money = moneyColumns(r, day, tally);
  return Object.assign(
    { activity_date: day, bucket_start: bucketInstant(r.starting_at), product: g.product, workspace_id: g.workspace_id, model: g.model },
    money,
    { ordinal, extra: tally.extraColumn('claude_cost_hourly', day, extraOf(r, HOURLY_SPEC, null)) },
  );
}
