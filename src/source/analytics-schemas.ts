/**
 * Response rows of the Usage and Cost Analytics API (analytics/cost, analytics/usage). Same policy as
 * schemas.ts: a row's identity (its bucket and group) and its measures are required; every dimension
 * is optional and becomes null (the API nulls the ones it was not grouped by); enum-like fields are
 * plain strings; objects are loose so unknown fields reach the transforms' `extra` column.
 * test/source/analytics-sdk-types.test-d.ts keeps these outputs assignable to @anthropic-ai/sdk's types.
 */
import { z } from 'zod';

import { count, decimalCents as cents, nullableCount, nullableString, tokenMeasures } from './schema-fields.js';

/**
 * An actor: `type` says which; the identifying field of each known type is read by
 * transform/analytics-actor.ts, and a shape this version does not know still gets a stable id.
 */
const actorSchema = z.looseObject({ type: z.string() });

/** Every dimension the contract lists (null unless grouped by it); cost rows add cost_type and token_type. */
const groupFields = {
  actor: actorSchema.nullish().transform((v) => v ?? null),
  actor_type: nullableString,
  agent_id: nullableString,
  api_key_id: nullableString,
  claude_tag_category: nullableString,
  claude_tag_user_id: nullableString,
  context_window: nullableString,
  deployment_id: nullableString,
  environment_id: nullableString,
  inference_geo: nullableString,
  model: nullableString,
  organization_id: nullableString,
  product: nullableString,
  rbac_group_id: nullableString,
  service_tier: nullableString,
  session_id: nullableString,
  slack_channel_id: nullableString,
  speed: nullableString,
  user_profile_id: nullableString,
  workspace_id: nullableString,
};

export const analyticsUsageGroupSchema = z.looseObject(groupFields);
export const analyticsCostGroupSchema = z.looseObject({ ...groupFields, cost_type: nullableString, token_type: nullableString });

/** A missing `group` is an ungrouped row: every dimension null. */
const group = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? {}, schema);

export const analyticsCostRowSchema = z.looseObject({
  starting_at: z.string(),
  ending_at: z.string(),
  group: group(analyticsCostGroupSchema),
  cost: z.looseObject({
    amount: cents,
    list_amount: cents,
    // The API's only currency; the SDK types it as always present.
    currency: z
      .string()
      .nullish()
      .transform((v) => v ?? 'USD'),
    // Null when grouped by cost_type/token_type.
    requests: nullableCount,
  }),
});

export const analyticsUsageRowSchema = z.looseObject({
  starting_at: z.string(),
  ending_at: z.string(),
  group: group(analyticsUsageGroupSchema),
  usage: z.looseObject({
    ...tokenMeasures,
    requests: nullableCount,
    total_tokens: count,
  }),
});

export type AnalyticsCostRow = z.output<typeof analyticsCostRowSchema>;
export type AnalyticsUsageRow = z.output<typeof analyticsUsageRowSchema>;
export type AnalyticsActor = z.output<typeof actorSchema>;
