/** Spend limits and rate limits → the limits stream's snapshot rows (one row per limiter value). */
import type { RateLimitItem, SpendLimitItem, WorkspaceRateLimitItem } from '../source/limit-schemas.js';
import { parseCents } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import { extraJson, unmappedFields, type FieldSpec } from './extra.js';

type Loose = Record<string, unknown>;

/** The field of each known scope type that names the scope (organization and usage_tier have none). */
const SCOPE_ID_FIELDS: Readonly<Record<string, string>> = {
  workspace: 'workspace_id',
  user: 'user_id',
  rbac_group: 'rbac_group_id',
  seat_tier: 'seat_tier',
  organization_service: 'service',
};

const SPEND_FIELDS: FieldSpec = { id: true, type: true, amount: true, currency: true, is_enabled: true, period: true, created_at: true, updated_at: true };

export function spendLimitRow(s: SpendLimitItem): RowOf<'claude_spend_limits'> {
  const scope = s.scope as Loose;
  const idField = SCOPE_ID_FIELDS[s.scope.type];
  const scopeId = idField === undefined ? null : scope[idField];
  // A scope type this version does not know keeps every field but its type in extra.
  const scopeRest = unmappedFields(scope, idField === undefined ? { type: true } : { type: true, [idField]: true });
  const rest = unmappedFields(s, SPEND_FIELDS);
  const extra = scopeRest ? { ...rest, scope: scopeRest } : rest;
  return {
    id: s.id,
    scope_type: s.scope.type,
    scope_id: scopeId == null ? null : String(scopeId),
    amount_cents: s.amount === null ? null : parseCents(s.amount, `spend limit ${s.id} amount`),
    currency: s.currency,
    is_enabled: s.is_enabled ?? null,
    period: s.period,
    created_at: s.created_at,
    updated_at: s.updated_at,
    extra: extraJson(extra),
  };
}

const ENTRY_FIELDS: FieldSpec = { id: true, type: true, group: { type: true, id: true, display_name: true }, models: true, limits: true, workspace_id: true, rate_limit_id: true };
const LIMITER_FIELDS: FieldSpec = { type: true, value: true, org_limit: true, source: { type: true } };

/** One row per limiter value of an organization entry (`workspaceId` null) or a workspace's entry. */
export function rateLimitRows(item: RateLimitItem | WorkspaceRateLimitItem, workspaceId: string | null): Array<RowOf<'claude_rate_limits'>> {
  const entryRest = unmappedFields(item, ENTRY_FIELDS);
  const own = (item as { rate_limit_id?: string | null }).rate_limit_id;
  const rateLimitId = own ?? item.id ?? null;
  return item.limits.map((l) => {
    const limiterRest = unmappedFields(l, LIMITER_FIELDS);
    const extra = limiterRest ? { ...entryRest, limit: limiterRest } : entryRest;
    return {
      scope: workspaceId === null ? 'organization' : 'workspace',
      workspace_id: workspaceId,
      rate_limit_id: rateLimitId,
      group_type: item.group.type,
      group_id: item.group.id,
      group_name: item.group.display_name,
      models: item.models == null ? null : JSON.stringify(item.models),
      limiter: l.type,
      value: l.value,
      org_limit: l.org_limit ?? null,
      extra: extraJson(extra),
      };
  });
}
