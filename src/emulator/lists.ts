/** The organization lists: api_keys, workspaces, users (after_id cursor pagination). */
import { addUnknownFields, type Endpoint, type JsonObject } from './endpoint.js';
import type { Org } from './org.js';
import { invalid, limitParam } from './params.js';

const KEY_STATUSES = new Set(['active', 'inactive', 'archived', 'expired']);

function listPage(items: Array<JsonObject & { id: string }>, q: URLSearchParams): JsonObject {
  const limit = limitParam(q, 20, 1000);
  const after = q.get('after_id');
  let from = 0;
  if (after !== null && after !== '') {
    const at = items.findIndex((it) => it.id === after);
    if (at < 0) throw invalid(`after_id: "${after}" was not found`);
    from = at + 1;
  }
  const data = items.slice(from, from + limit);
  return {
    data,
    has_more: from + limit < items.length,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}

const listExtras = (body: JsonObject) => void addUnknownFields(body);
const listItems = (body: JsonObject) => (Array.isArray(body.data) ? (body.data as JsonObject[]) : []);

export const apiKeysList: Endpoint = {
  key: 'api_keys',
  path: '/v1/organizations/api_keys',
  prepare(q, { model }) {
    const org = model.org;
    const status = q.get('status');
    if (status !== null && !KEY_STATUSES.has(status)) throw invalid(`status: must be one of ${[...KEY_STATUSES].join(', ')}`);
    const ws = q.get('workspace_id');
    const items = org.apiKeys
      .map((k) => ({
        type: 'api_key',
        id: k.id,
        name: k.name,
        workspace_id: k.ws < 0 ? null : org.workspaces[k.ws]!.id,
        created_at: k.createdAt,
        created_by: { id: org.users[k.createdBy]!.id, type: 'user' },
        partial_key_hint: k.hint,
        status: k.status,
        expires_at: k.expiresAt,
        ...keyScope(org, k),
      }))
      .filter((k) => (status === null || k.status === status) && (ws === null || k.workspace_id === ws));
    const body = listPage(items, q);
    return { coverage: null, body: () => body };
  },
  addExtraFields: listExtras,
  addDrift(body) {
    for (const k of listItems(body)) k.rotation_policy = { days: 90 };
  },
};

export const workspacesList: Endpoint = {
  key: 'workspaces',
  path: '/v1/organizations/workspaces',
  prepare(q, { model }) {
    const archived = q.get('include_archived') === 'true';
    const items = model.org.workspaces
      .filter((w) => archived || w.archivedAt === null)
      .map((w) => ({ type: 'workspace', id: w.id, name: w.name, display_color: w.displayColor, created_at: w.createdAt, archived_at: w.archivedAt }));
    const body = listPage(items, q);
    return { coverage: null, body: () => body };
  },
  addExtraFields: listExtras,
  addDrift(body) {
    for (const w of listItems(body)) w.data_residency = { workspace_geo: 'us', allowed_inference_geos: ['us', 'global'] };
  },
};

export const usersList: Endpoint = {
  key: 'users',
  path: '/v1/organizations/users',
  prepare(q, { model }) {
    const items = model.org.users.map((u) => ({ type: 'user', id: u.id, email: u.email, name: u.name, role: u.role, added_at: u.addedAt }));
    const body = listPage(items, q);
    return { coverage: null, body: () => body };
  },
  addExtraFields: listExtras,
  addDrift(body) {
    for (const u of listItems(body)) u.rbac_groups = [];
  },
};

/** GET /v1/organizations/service_accounts: names for the svcacct_… actors of the Analytics API. */
export const serviceAccountsList: Endpoint = {
  key: 'service_accounts',
  path: '/v1/organizations/service_accounts',
  prepare(q, { model }) {
    const items = model.org.serviceAccounts.map((id, i) => ({ type: 'service_account', id, name: serviceAccountName(i), created_at: `${model.org.firstDay}T00:00:00Z` }));
    const body = listPage(items, q);
    return { coverage: null, body: () => body };
  },
  addExtraFields: listExtras,
};

/** GET /v1/organizations/rbac_groups: a few fixed groups (no analytics row of the emulator carries one). */
export const rbacGroupsList: Endpoint = {
  key: 'rbac_groups',
  path: '/v1/organizations/rbac_groups',
  prepare(q, { model }) {
    const suffix = model.org.organizationId.replace(/-/g, '').slice(0, 16);
    const items = ['Engineering', 'Finance'].map((name, i) => ({ type: 'rbac_group', id: `rbac_${i + 1}${suffix}`, name, created_at: `${model.org.firstDay}T00:00:00Z` }));
    const body = listPage(items, q);
    return { coverage: null, body: () => body };
  },
  addExtraFields: listExtras,
};

export function serviceAccountName(index: number): string {
  return `automation-${index + 1}`;
}

/** GET /v1/organizations/me */
export const organizationMe: Endpoint = {
  key: 'organizations/me',
  path: '/v1/organizations/me',
  prepare(_q, { model }) {
    const body = { id: model.org.organizationId, type: 'organization', name: organizationName(model.org) };
    return { coverage: null, body: () => ({ ...body }) };
  },
  addExtraFields(body) {
    body.future_item_field = 'unknown';
  },
  addDrift(body) {
    body.billing_type = 'enterprise';
  },
};

export function organizationName(org: Org): string {
  return `Emulated Org ${org.organizationId.slice(0, 8)}`;
}

/**
 * scope and principal as newer responses carry them: a key owned by a service account with no
 * workspace is principal-bound at organization scope, so its workspace_id is null like a
 * default-workspace key's, and only scope tells the two apart.
 */
function keyScope(org: Org, k: Org['apiKeys'][number]): JsonObject {
  const principal = k.serviceAccount < 0 ? null : { type: 'service_account_actor', service_account_id: org.serviceAccounts[k.serviceAccount]! };
  if (k.ws < 0 && principal) return { scope: { type: 'organization' }, principal };
  return { scope: { type: 'workspace', workspace_id: k.ws < 0 ? defaultWorkspaceId(org) : org.workspaces[k.ws]!.id }, principal };
}

export function defaultWorkspaceId(org: Org): string {
  return `wrkspc_default${org.organizationId.replace(/-/g, '').slice(0, 12)}`;
}
