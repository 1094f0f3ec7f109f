/**
 * The tables of the Usage and Cost Analytics API streams (analytics_cost, analytics_usage). Defined
 * here to keep tables.ts small; tables.ts spreads them into its declared tables (`as const`, like
 * theirs, so RowOf sees these columns too). This module imports only types from tables.ts, so there
 * is no import cycle.
 */
import { activityDate, allNullable, bucketStart as sharedBucketStart, extra, lineage, tokenColumns, type ColumnDef } from './columns.js';
import type { TableSpec } from './table-spec.js';

export type AnalyticsTableName = 'claude_cost_by_key' | 'claude_cost_by_actor' | 'claude_usage_by_actor' | 'claude_analytics_daily_totals' | 'claude_cost_hourly';

const CENTS_DOC = 'exactly as the API string (fractional cents kept; beyond 12 decimal places rounded half-even and counted in ingest_windows.rounded_values)';

const money = <const N extends boolean>(nullable: N) =>
  [
    { name: 'currency', type: 'string', doc: 'ISO currency code, USD.', nullable },
    { name: 'amount_cents', type: 'cents', doc: `Billed cost in cents (after discounts, before credits), ${CENTS_DOC}.`, nullable },
    { name: 'amount_usd', type: 'usd', doc: 'amount_cents / 100, exact.', nullable },
    { name: 'list_amount_cents', type: 'cents', doc: `Cost at list price in cents, ${CENTS_DOC}.`, nullable },
    { name: 'list_amount_usd', type: 'usd', doc: 'list_amount_cents / 100, exact.', nullable },
  ] as const; // no `satisfies` here: its contextual type would widen N to boolean (TABLES' satisfies checks it)

const actor = [
  {
    name: 'actor_type',
    type: 'string',
    doc: 'user_actor, service_account_actor, federated_actor, api_actor (newer types kept as sent); NULL when the API sends no actor: usage with no attributable identity, or an identity this key cannot see (a member who sees only some workspaces). Reports show those rows as "(identity not visible to this key)".',
  },
  {
    name: 'actor_id',
    type: 'string',
    doc: 'Stable actor id: the user_id of a user (never the email, which changes), service_account_id, the federated subject (else its provider as canonical JSON), the api_key_id of a key; "#" and 32 hex digits of the whole actor object for a shape this version does not know.',
  },
  { name: 'actor_email', type: 'string', doc: 'A user\'s current email address, as this answer sent it (an attribute, not the key: reports show the newest); NULL for other actors and for deleted users.' },
  { name: 'actor_name', type: 'string', doc: 'A user\'s name as this answer sent it (a placeholder for a deleted user); reports show the newest.' },
  { name: 'actor_deleted', type: 'bool', doc: 'The user has been deleted; NULL for other actor types.' },
] as const satisfies readonly ColumnDef[];

const dim = <const N extends string>(name: N, doc: string) => ({ name, type: 'string', doc }) as const;
const workspace = dim('workspace_id', 'Workspace (set for a Console organization\'s default workspace too; NULL only for a Claude Enterprise default workspace).');
const model = dim('model', 'Model id; NULL for costs without a model (e.g. code execution).');
const product = dim('product', 'messages_api, claude_code, chat, cowork, … as sent; NULL for code execution.');
const apiKey = dim('api_key_id', 'The API key that authenticated the request, whoever the actor is; NULL without a key.');
const apiKeyCostByActor = dim('api_key_id', 'The API key that authenticated the request, whoever the actor is; NULL without a key, and on rows written before schema 4 (backfill the days again to fill it).');
const costType = dim('cost_type', 'tokens, web_search, code_execution, session_usage (new values kept as sent).');

/**
 * Rows of one bucket may carry identical groups (the API renders identities it cannot show as null
 * actors, "each as its own row"): each is a distinct fact, told apart by its ordinal.
 */
const ordinal = {
  name: 'ordinal',
  type: 'int',
  doc: 'Which of the rows with this bucket and group the row is, in the API\'s order: 0 for the first (nearly every row), 1, 2, … for further rows with an identical group (identities the key cannot see, e.g. several null actors). Part of the natural key. NULL on rows written before schema 3 (DuckDB migrations number them).',
} as const satisfies ColumnDef;

const BUCKET_DOC = 'Start of the time bucket: midnight UTC for daily buckets, the hour for --analytics-bucket 1h.';

const bucketStart = { ...sharedBucketStart, doc: BUCKET_DOC } as const satisfies ColumnDef;
const usageMeasures = [
  { name: 'requests', type: 'int', doc: 'Requests as the API counts them (for code execution: sandbox executions); NULL when the API sends none.' },
  { name: 'total_tokens', type: 'int', doc: 'All input and output tokens, as the API totals them.' },
] as const satisfies readonly ColumnDef[];

export const ANALYTICS_TABLES = {
  claude_cost_by_key: {
    name: 'claude_cost_by_key',
    kind: 'fact',
    doc: 'Billed cost per time bucket × workspace × API key × model × service tier × context window × cost type × token type (analytics/cost). Exact cents and dollars, billed and list price.',
    columns: [
      activityDate,
      bucketStart,
      workspace,
      apiKey,
      model,
      dim('service_tier', 'standard, batch, priority, … as sent; NULL for non-token costs.'),
      dim('context_window', '0-200k or 200k-1M, for token costs.'),
      costType,
      dim('token_type', 'uncached_input_tokens, output_tokens, cache_read_input_tokens, cache_creation.ephemeral_5m_input_tokens, cache_creation.ephemeral_1h_input_tokens; NULL for non-token costs.'),
      ...money(false),
      ordinal,
      extra,
      ...lineage,
    ],
    naturalKey: ['bucket_start', 'workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'cost_type', 'token_type', 'ordinal'],
    clusterBy: ['api_key_id', 'workspace_id', 'model'],
  },
  claude_cost_by_actor: {
    name: 'claude_cost_by_actor',
    kind: 'fact',
    doc: 'Billed cost per time bucket × actor (user, service account, federated identity, API key) × product × workspace × model × API key × cost type (analytics/cost): what each person and product actually cost, at the grain allocation rules match on (docs/allocation.md).',
    columns: [activityDate, bucketStart, ...actor, product, workspace, model, apiKeyCostByActor, costType, ...money(false), ordinal, extra, ...lineage],
    naturalKey: ['bucket_start', 'actor_type', 'actor_id', 'product', 'workspace_id', 'model', 'api_key_id', 'cost_type', 'ordinal'],
    clusterBy: ['actor_id', 'product', 'model'],
  },
  claude_usage_by_actor: {
    name: 'claude_usage_by_actor',
    kind: 'fact',
    doc: 'Tokens and requests per time bucket × actor × product × workspace × model × API key (analytics/usage).',
    columns: [activityDate, bucketStart, ...actor, product, workspace, model, apiKey, ...tokenColumns, ...usageMeasures, ordinal, extra, ...lineage],
    naturalKey: ['bucket_start', 'actor_type', 'actor_id', 'product', 'workspace_id', 'model', 'api_key_id', 'ordinal'],
    clusterBy: ['actor_id', 'product', 'api_key_id'],
  },
  claude_analytics_daily_totals: {
    name: 'claude_analytics_daily_totals',
    kind: 'totals',
    doc: 'The ungrouped analytics/cost and analytics/usage totals per bucket, as the API computes them: the yardstick that proves the analytics tables complete. Written by the analytics_cost stream (both queries in the same window, so one row holds both and no two windows replace it); NULL measures when the API returned no row for the bucket.',
    columns: [activityDate, bucketStart, ...money(true), ...allNullable(tokenColumns), ...usageMeasures, extra, ...lineage],
    naturalKey: ['bucket_start'],
  },
  claude_cost_hourly: {
    name: 'claude_cost_hourly',
    kind: 'fact',
    doc: 'Billed cost per hour × product × workspace × model (analytics/cost, 1-hour buckets): what reports sum into the days of a time zone other than UTC (docs/time-zones.md). Written by the analytics_cost_hourly stream, which backfill and run add when timezone: is not UTC.',
    columns: [
      activityDate,
      { ...sharedBucketStart, doc: 'Start of the hour (UTC).' },
      product,
      workspace,
      model,
      ...money(false),
      ordinal,
      extra,
      ...lineage,
    ],
    naturalKey: ['bucket_start', 'product', 'workspace_id', 'model', 'ordinal'],
    clusterBy: ['workspace_id', 'model'],
  },
} as const satisfies Record<AnalyticsTableName, TableSpec>;
