/**
 * Response schemas. A record's identity (its day, its actor or id) and its measures (tokens, counts,
 * amounts) are required: a row cannot exist without them, and a body that lacks them is malformed.
 * Everything else is optional and becomes null when absent, enum-like fields are plain strings, and
 * objects are loose: fields this version does not know pass through to the transforms, which keep
 * them in each row's `extra` column. docs/api-fields.md lists what is required and why.
 */
import { z } from 'zod';
import { ResponseShapeError } from './errors.js';
import { count, decimalCents, nullableString, tokenMeasures } from './schema-fields.js';

/**
 * Cents: a decimal string (billed amounts), or a JSON number (Claude Code's estimates, and accepted
 * defensively elsewhere). Conversion and rounding happen in util/money.ts parseCents.
 */
const cents = z.union([
  decimalCents,
  z.number().refine(Number.isFinite, 'expected a finite number of cents'),
]);

export const reportPageSchema = <T extends z.ZodType>(result: T) =>
  z.looseObject({
    data: z.array(
      z.looseObject({
        starting_at: z.string(),
        ending_at: z.string(),
        results: z.array(result),
      }),
    ),
    has_more: z.boolean(),
    next_page: nullableString,
  });

/**
 * The page around the buckets, checked on its own so buckets can be validated (and dropped) one at
 * a time instead of zod copying a 50,000-result page in one go. `data` must still be an array and
 * `has_more` a boolean: a 200 without them is an error, never "no spend".
 */
export const reportEnvelopeSchema = z.looseObject({
  data: z.array(z.unknown()),
  has_more: z.boolean(),
  next_page: nullableString,
});

/** One bucket without its results (each result is checked on its own, see parseResult). */
export const reportBucketShellSchema = z.looseObject({
  starting_at: z.string(),
  ending_at: z.string(),
  results: z.array(z.unknown()),
});

export const costResultSchema = z.looseObject({
  amount: cents,
  currency: nullableString,
  workspace_id: nullableString,
  description: nullableString,
  cost_type: nullableString,
  model: nullableString,
  service_tier: nullableString,
  token_type: nullableString,
  context_window: nullableString,
  inference_geo: nullableString,
});

export const usageResultSchema = z.looseObject({
  ...tokenMeasures,
  api_key_id: nullableString,
  workspace_id: nullableString,
  model: nullableString,
  service_tier: nullableString,
  context_window: nullableString,
  inference_geo: nullableString,
  account_id: nullableString,
  service_account_id: nullableString,
  speed: nullableString,
});

/** Any actor shape: `type` says which; known types carry their identifying field (see transform/actor.ts). */
const actorSchema = z.looseObject({ type: z.string() });

export const claudeCodeRecordSchema = z.looseObject({
  date: z.string(),
  actor: actorSchema,
  organization_id: nullableString,
  customer_type: nullableString,
  subscription_type: nullableString,
  terminal_type: nullableString,
  core_metrics: z.looseObject({
    num_sessions: count,
    lines_of_code: z.looseObject({ added: count, removed: count }),
    commits_by_claude_code: count,
    pull_requests_by_claude_code: count,
  }),
  // An open map; a tool entry may lack a side (0) but not be something other than counts.
  tool_actions: z
    .record(z.string(), z.looseObject({ accepted: count.nullish(), rejected: count.nullish() }).nullable())
    .nullish()
    .transform((v) => v ?? {}),
  model_breakdown: z
    .array(
      z.looseObject({
        model: z.string(),
        tokens: z.looseObject({ input: count, output: count, cache_read: count, cache_creation: count }),
        estimated_cost: z.looseObject({ currency: nullableString, amount: cents }).nullish().transform((v) => v ?? null),
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});

export const listPageSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    data: z.array(item),
    has_more: z.boolean(),
    first_id: nullableString,
    last_id: nullableString,
  });

/** created_by is documented as {id, type} or null; anything else is kept rather than failing the key list. */
const createdBy = z
  .union([z.looseObject({ id: nullableString, type: nullableString }), z.unknown()])
  .optional()
  .transform((v) => v ?? null);

/** `scope` ({type:"workspace", workspace_id} | {type:"organization"}) and `principal` ({type, user_id | service_account_id}). */
const typedObject = z
  .looseObject({ type: nullableString })
  .nullish()
  .transform((v) => v ?? null);

export const apiKeyItemSchema = z.looseObject({
  id: z.string(),
  name: nullableString,
  // Absent (undefined) in the shape anthropic-version 2026-10-21 answers, where `scope` carries the
  // workspace; null in the 2023-06-01 shape means the default workspace. Kept apart for apiKeyRow.
  workspace_id: z.string().nullish(),
  status: nullableString,
  created_at: nullableString,
  created_by: createdBy,
  partial_key_hint: nullableString,
  expires_at: nullableString,
  scope: typedObject,
  principal: typedObject,
});

export const workspaceItemSchema = z.looseObject({
  id: z.string(),
  name: nullableString,
  display_color: nullableString,
  created_at: nullableString,
  archived_at: nullableString,
});

export const userItemSchema = z.looseObject({
  id: z.string(),
  email: nullableString,
  name: nullableString,
  role: nullableString,
  added_at: nullableString,
});

/** GET /v1/organizations/service_accounts and /rbac_groups: only the id is required; the name is what we want. */
export const namedItemSchema = z.looseObject({
  id: z.string(),
  name: nullableString,
  created_at: nullableString,
});

/** GET /v1/organizations/me: the organization the admin key belongs to. */
export const organizationSchema = z.looseObject({
  id: z.string(),
  name: nullableString,
  type: nullableString,
});

export type CostResult = z.output<typeof costResultSchema>;
export type UsageResult = z.output<typeof usageResultSchema>;
export type ClaudeCodeRecord = z.output<typeof claudeCodeRecordSchema>;
export type ApiKeyItem = z.output<typeof apiKeyItemSchema>;
export type WorkspaceItem = z.output<typeof workspaceItemSchema>;
export type UserItem = z.output<typeof userItemSchema>;
export type NamedItem = z.output<typeof namedItemSchema>;
export type Organization = z.output<typeof organizationSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

/** Parses `body` or throws a ResponseShapeError naming the endpoint and the first offending field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, body: unknown, endpoint: string, at: readonly PropertyKey[] = []): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatPath([...at, ...(issue?.path ?? [])]);
  const detail = issue?.message ?? 'invalid body';
  throw new ResponseShapeError(endpoint, path || '(body)', detail);
}
