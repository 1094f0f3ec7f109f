/**
 * The limits stream's snapshot tables (spend limits, rate limits) and the rate-limit headroom cache
 * (per-minute peaks, read on demand by `report --by rate_limit`). Defined here to keep tables.ts
 * small; tables.ts spreads them into its declared tables (`as const`, so RowOf sees these columns).
 */
import { activityDate, extra, lineage } from './columns.js';
import type { TableSpec } from './tables.js';

export type LimitTableName = 'claude_spend_limits' | 'claude_rate_limits' | 'claude_rate_limit_peaks';

export const LIMIT_TABLES = {
  claude_spend_limits: {
    name: 'claude_spend_limits',
    kind: 'snapshot',
    doc: 'Latest snapshot of the spend limits (GET /v1/organizations/spend_limits, limits stream): every scope, the usage-tier cap included. Empty when the endpoint is not offered to the organization.',
    columns: [
      { name: 'id', type: 'string', doc: 'spl_… id.', nullable: false },
      { name: 'scope_type', type: 'string', doc: 'organization, workspace, usage_tier (the monthly cap set from the usage tier: requests are refused at it), user, rbac_group, seat_tier, organization_service (new values kept).', nullable: false },
      { name: 'scope_id', type: 'string', doc: 'The scope\'s identifier: workspace_id, user_id, rbac_group_id, seat_tier or service; NULL for organization and usage_tier.' },
      { name: 'amount_cents', type: 'cents', doc: 'The cap per period in cents (the API\'s integer string); NULL = no cap at this scope.' },
      { name: 'currency', type: 'string', doc: 'ISO currency of amount_cents, USD.' },
      { name: 'is_enabled', type: 'bool', doc: 'false when the limit is switched off (its amount is kept).' },
      { name: 'period', type: 'string', doc: 'daily, weekly or monthly (UTC).' },
      { name: 'created_at', type: 'timestamp', doc: 'Created.' },
      { name: 'updated_at', type: 'timestamp', doc: 'Last modified.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
  claude_rate_limits: {
    name: 'claude_rate_limits',
    kind: 'snapshot',
    doc: 'Latest snapshot of the rate limits, one row per group × limiter: the organization\'s (GET /v1/organizations/rate_limits) and each workspace\'s overrides (…/workspaces/{id}/rate_limits). Every limiter type is kept, unknown ones too.',
    columns: [
      { name: 'scope', type: 'string', doc: 'organization, or workspace for a workspace override.', nullable: false },
      { name: 'workspace_id', type: 'string', doc: 'The workspace of an override; NULL for the organization\'s limits.' },
      { name: 'rate_limit_id', type: 'string', doc: 'The organization\'s rate-limit entry (rl_…) this row belongs to.' },
      { name: 'group_type', type: 'string', doc: 'model_group, batch, token_count, files, skills, web_search (new values kept).', nullable: false },
      { name: 'group_id', type: 'string', doc: 'rlg_… id of the group, the same in every organization.' },
      { name: 'group_name', type: 'string', doc: 'Display name of a model group, e.g. "Claude Sonnet 4.x" (display only; may change).' },
      { name: 'models', type: 'json', doc: 'Model ids and aliases the group covers (JSON array); NULL for non-model groups.' },
      { name: 'limiter', type: 'string', doc: 'Limiter type as sent: requests_per_minute, input_tokens_per_minute_cache_aware, output_tokens_per_minute, … (unknown types kept).', nullable: false },
      { name: 'value', type: 'int', doc: 'The limit.', nullable: false },
      { name: 'org_limit', type: 'int', doc: 'Overrides: the organization\'s value for the same limiter (NULL: none).' },
      extra,
      ...lineage,
    ],
    naturalKey: ['scope', 'workspace_id', 'rate_limit_id', 'group_type', 'limiter'],
  },
  claude_rate_limit_peaks: {
    name: 'claude_rate_limit_peaks',
    kind: 'fact',
    doc: 'Rate-limit headroom cache: per day × model group × limiter, the busiest minute of usage_report/messages (1-minute buckets, read on demand by report --by rate_limit for the days asked) against the organization\'s limit at the time it was read.',
    columns: [
      activityDate,
      { name: 'group_id', type: 'string', doc: 'rlg_… id of the model group (or batch).', nullable: false },
      { name: 'group_name', type: 'string', doc: 'Display name of the group, e.g. "Claude Sonnet 4.x"; "Message Batches" for the batch group.' },
      { name: 'limiter', type: 'string', doc: 'Limiter type as the API names it.', nullable: false },
      { name: 'peak', type: 'int', doc: 'Tokens in the busiest minute, counted as the limiter counts them (cache reads excluded for a cache-aware input limit); NULL when the usage report cannot measure this limiter (requests per minute).' },
      { name: 'peak_minute', type: 'timestamp', doc: 'Start of that minute (UTC).' },
      { name: 'limit_value', type: 'int', doc: 'The organization\'s limit when the day was read.' },
      { name: 'workspace_id', type: 'string', doc: 'The workspace with the most of that minute\'s tokens; NULL is the default workspace.' },
      { name: 'note', type: 'string', doc: 'Why peak is NULL, when it is.' },
      ...lineage,
    ],
    naturalKey: ['activity_date', 'group_id', 'limiter'],
  },
} as const satisfies Record<LimitTableName, TableSpec>;
