/** Organization lists and the organization itself → name tables (latest snapshot). */
import type { ApiKeyItem, NamedItem, Organization, UserItem, WorkspaceItem } from '../source/schemas.js';
import type { RowOf } from '../warehouse/tables.js';
import { actorIdentity } from './actor.js';
import { extraJson, unmappedFields, type FieldSpec } from './extra.js';

type Loose = Record<string, unknown>;

const str = (v: unknown): string | null => (v == null ? null : String(v));

const API_KEY_FIELDS: FieldSpec = {
  id: true,
  name: true,
  workspace_id: true,
  status: true,
  created_at: true,
  created_by: { id: true, type: true },
  partial_key_hint: true,
  expires_at: true,
  scope: { type: true, workspace_id: true },
  principal: true,
  // Always "api_key": says nothing a row of claude_api_keys does not.
  type: true,
};

export function apiKeyRow(k: ApiKeyItem): RowOf<'claude_api_keys'> {
  const createdBy = (k.created_by ?? null) as Loose | null;
  const scope = k.scope as Loose | null;
  const principal = k.principal as Loose | null;
  const principalId = principal === null ? null : actorIdentity(principal);
  let extra = unmappedFields(k, API_KEY_FIELDS);
  // A principal's fields beyond its type and id (all of them for a principal type this version does not know).
  const principalRest = principal && principalId ? unmappedFields(principal, principalId.field ? { type: true, [principalId.field]: true } : { type: true }) : null;
  if (principalRest) extra = { ...extra, principal: principalRest };
  return {
    id: k.id,
    name: k.name,
    // Both shapes: a top-level workspace_id (anthropic-version 2023-06-01, which we send; null = the
    // default workspace) or, where it is absent (2026-10-21), the workspace a workspace scope names.
    workspace_id: k.workspace_id !== undefined ? k.workspace_id : scope?.type === 'workspace' ? str(scope.workspace_id) : null,
    scope_type: str(scope?.type),
    scope_workspace_id: str(scope?.workspace_id),
    principal_type: principalId?.actorType ?? null,
    principal_id: principalId?.actorId ?? null,
    status: k.status,
    created_at: k.created_at,
    created_by_id: str(createdBy?.id),
    created_by_type: str(createdBy?.type),
    partial_key_hint: k.partial_key_hint,
    expires_at: k.expires_at,
    extra: extraJson(extra),
  };
}

const WORKSPACE_FIELDS: FieldSpec = { id: true, name: true, display_color: true, created_at: true, archived_at: true, type: true };

export function workspaceRow(w: WorkspaceItem): RowOf<'claude_workspaces'> {
  return {
    id: w.id,
    name: w.name,
    display_color: w.display_color,
    created_at: w.created_at,
    archived_at: w.archived_at,
    extra: extraJson(unmappedFields(w, WORKSPACE_FIELDS)),
  };
}

const USER_FIELDS: FieldSpec = { id: true, email: true, name: true, role: true, added_at: true, type: true };

export function userRow(u: UserItem): RowOf<'claude_users'> {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    added_at: u.added_at,
    extra: extraJson(unmappedFields(u, USER_FIELDS)),
  };
}

const ORGANIZATION_FIELDS: FieldSpec = { id: true, name: true, type: true };

export function organizationRow(o: Organization): RowOf<'claude_organization'> {
  return { id: o.id, name: o.name, type: o.type, extra: extraJson(unmappedFields(o, ORGANIZATION_FIELDS)) };
}

const NAMED_FIELDS: FieldSpec = { id: true, name: true, created_at: true, type: true };

/** A service account or RBAC group: an id and its name (both lists have the same shape). */
export function namedRow(item: NamedItem): RowOf<'claude_service_accounts'> & RowOf<'claude_rbac_groups'> {
  return { id: item.id, name: item.name, created_at: item.created_at, extra: extraJson(unmappedFields(item, NAMED_FIELDS)) };
}
