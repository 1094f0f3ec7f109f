/**
 * The two limit endpoints (admin-api.md "Limits"): GET /v1/organizations/rate_limits (and a
 * workspace's overrides) and GET /v1/organizations/spend_limits (beta). Both page with
 * `limit`/`page` → `{data, next_page}`; without `limit` everything comes in one page.
 */
import { addUnknownFields, betas, type Endpoint, type JsonObject } from './endpoint.js';
import type { Org } from './org.js';
import { ApiError, invalid, limitParam, type PageTokens } from './params.js';
import { hash32 } from './prng.js';
import type { EmulatorOptions, EndpointKey } from './types.js';

export const SPEND_LIMIT_BETA = 'spend-limit-reads-2026-09-26';

/** Organization limits per limiter of every model group unless --rate-limits says otherwise (a tier-4-like organization). */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, number>> = {
  requests_per_minute: 4000,
  input_tokens_per_minute_cache_aware: 2_000_000,
  output_tokens_per_minute: 400_000,
};

/** Default usage-tier cap: $5,000 a month. */
export const DEFAULT_SPEND_CAP_CENTS = '500000';

const WORKSPACE_RATE_LIMITS = /^\/v1\/organizations\/workspaces\/([^/]+)\/rate_limits$/;

/** The model group a model id belongs to: family and major version ("Claude Sonnet 4.x"). */
export function modelGroupOf(modelId: string): { key: string; display: string } {
  const m = /^claude-(?:(\d+)-(?:\d+-)?(sonnet|haiku|opus)|(sonnet|haiku|opus)-(\d+))/.exec(modelId);
  const family = m?.[2] ?? m?.[3] ?? 'other';
  const major = m?.[1] ?? m?.[4] ?? '0';
  return { key: `${family}-${major}`, display: `Claude ${family[0]!.toUpperCase()}${family.slice(1)} ${major}.x` };
}

interface Group {
  id: string;
  type: string;
  display?: string;
  models: string[] | null;
  limits: Array<{ type: string; value: number }>;
}

function groupsOf(org: Org, opts: EmulatorOptions): Group[] {
  const byKey = new Map<string, Group>();
  const limits = Object.entries(opts.rateLimits ?? DEFAULT_RATE_LIMITS).map(([type, value]) => ({ type, value }));
  for (const m of org.models) {
    const g = modelGroupOf(m.id);
    let group = byKey.get(g.key);
    if (!group) byKey.set(g.key, (group = { id: `rlg_${hash32(`group|${g.key}`).toString(36)}`, type: 'model_group', display: g.display, models: [], limits }));
    // Ids and their aliases (the id without its date), as the API lists them.
    group.models!.push(m.id, m.id.replace(/-\d{8}$/, ''));
  }
  return [
    ...byKey.values(),
    { id: 'rlg_batch', type: 'batch', models: null, limits: [{ type: 'requests_per_minute', value: 4000 }, { type: 'batch_requests_in_queue', value: 500_000 }] },
    { id: 'rlg_token_count', type: 'token_count', models: null, limits: [{ type: 'requests_per_minute', value: 2000 }] },
    { id: 'rlg_web_search', type: 'web_search', models: null, limits: [{ type: 'tool_uses_per_second', value: 30 }] },
  ];
}

const entryId = (org: Org, groupId: string) => `rl_${hash32(`${org.organizationId}|${groupId}`).toString(36)}`;

function groupJson(g: Group): JsonObject {
  return g.type === 'model_group' ? { type: g.type, id: g.id, display_name: g.display } : { type: g.type, id: g.id };
}

/** `{data, next_page}` pages: everything when `limit` is absent, else `limit` items from the `page` cursor. */
function cursorPage(items: JsonObject[], q: URLSearchParams, tokens: PageTokens, scope: string): JsonObject {
  const hasLimit = q.get('limit') !== null;
  const limit = hasLimit ? limitParam(q, 20, 1000) : items.length;
  const page = q.get('page');
  const from = page ? Number(tokens.verify(scope, page)) : 0;
  const data = items.slice(from, from + limit);
  return { data, next_page: hasLimit && from + limit < items.length ? tokens.sign(scope, from + limit) : null };
}

function unavailable(setting: true | 400 | 403 | 404 | undefined, what: string): ApiError | null {
  if (setting === undefined || setting === true) return null;
  if (setting === 400) return new ApiError(400, 'invalid_request_error', `organization_type_not_supported: ${what} are not available to this organization type`);
  if (setting === 403) return new ApiError(403, 'permission_error', `${what} are not enabled for this organization`);
  return new ApiError(404, 'not_found_error', `Not found: ${what}`);
}

export function limitEndpoints(opts: EmulatorOptions): Endpoint[] {
  const rateLimits: Endpoint = {
    key: 'rate_limits',
    path: '/v1/organizations/rate_limits',
    prepare(q, { model, tokens }) {
      const fail = unavailable(opts.limitsAvailable?.rate, 'rate limits');
      if (fail) throw fail;
      const org = model.org;
      const type = q.get('group_type');
      const wanted = q.get('model');
      let groups = groupsOf(org, opts).filter((g) => type === null || g.type === type);
      if (wanted !== null) {
        groups = groups.filter((g) => g.models?.includes(wanted));
        if (groups.length === 0) throw new ApiError(404, 'not_found_error', `model: "${wanted}" has no rate limits for this organization`);
      }
      const items = groups.map((g) => ({ type: 'rate_limit', id: entryId(org, g.id), group: groupJson(g), models: g.models, limits: g.limits }));
      const body = cursorPage(items, q, tokens, `rate_limits|${type}|${wanted}`);
      return { coverage: null, body: () => body };
    },
    addExtraFields: (body) => void addUnknownFields(body),
  };

  const workspaceRateLimits: Endpoint = {
    key: 'workspaces/rate_limits',
    path: WORKSPACE_RATE_LIMITS.source,
    prepare(q, { model, tokens, path }) {
      const fail = unavailable(opts.limitsAvailable?.rate, 'rate limits');
      if (fail) throw fail;
      const org = model.org;
      const wsId = WORKSPACE_RATE_LIMITS.exec(path)?.[1] ?? '';
      const ws = org.workspaces.find((w) => w.id === wsId);
      if (!ws) throw new ApiError(404, 'not_found_error', `workspace_id: "${wsId}" was not found`);
      const inherited = q.get('include_inherited') === 'true';
      const overrides = (opts.workspaceRateLimits ?? []).filter((o) => o.workspace === ws.id || o.workspace === ws.name);
      const items: JsonObject[] = [];
      for (const g of groupsOf(org, opts)) {
        const own = overrides.filter((o) => (o.group ?? 'model_group') === g.type && (o.models === undefined || g.models?.some((m) => o.models!.includes(m))));
        const values: JsonObject[] = [];
        for (const l of g.limits) {
          const o = own.find((x) => x.limiter === l.type);
          if (o) values.push({ type: l.type, value: o.value, org_limit: l.value, source: { type: 'workspace' } });
          else if (inherited) values.push({ type: l.type, value: l.value, org_limit: l.value, source: { type: 'organization' } });
        }
        // An override of a limiter the organization has no limit for.
        for (const o of own) if (!g.limits.some((l) => l.type === o.limiter)) values.push({ type: o.limiter, value: o.value, org_limit: null, source: { type: 'workspace' } });
        if (values.length > 0) items.push({ type: 'workspace_rate_limit', workspace_id: ws.id, rate_limit_id: entryId(org, g.id), group: groupJson(g), models: g.models, limits: values });
      }
      const body = cursorPage(items, q, tokens, `ws_rate_limits|${ws.id}|${inherited}`);
      return { coverage: null, body: () => body };
    },
    addExtraFields: (body) => void addUnknownFields(body),
  };

  const spendLimits: Endpoint = {
    key: 'spend_limits',
    path: '/v1/organizations/spend_limits',
    prepare(q, { model, tokens, headers }) {
      if (!betas(headers).has(SPEND_LIMIT_BETA)) throw invalid(`anthropic-beta: this endpoint requires "${SPEND_LIMIT_BETA}"`);
      const fail = unavailable(opts.limitsAvailable?.spend, 'spend limits');
      if (fail) throw fail;
      const org = model.org;
      const created = `${org.firstDay}T00:00:00Z`;
      const limits: JsonObject[] = [];
      const cap = opts.spendCapCents === undefined ? DEFAULT_SPEND_CAP_CENTS : opts.spendCapCents;
      limits.push({ type: 'spend_limit', id: `spl_${hash32(`${org.organizationId}|tier`).toString(36)}`, amount: cap, currency: 'USD', is_enabled: true, period: 'monthly', scope: { type: 'usage_tier' }, created_at: created, updated_at: created });
      for (const [i, s] of (opts.spendLimits ?? []).entries()) {
        const ws = s.workspace === undefined ? undefined : org.workspaces.find((w) => w.id === s.workspace || w.name === s.workspace);
        const scope = s.scope ?? (ws ? { type: 'workspace', workspace_id: ws.id } : { type: 'organization' });
        limits.push({
          type: 'spend_limit', id: `spl_${hash32(`${org.organizationId}|${i}`).toString(36)}`, amount: s.amountCents, currency: 'USD',
          is_enabled: s.enabled ?? true, period: s.period ?? 'monthly', scope, created_at: created, updated_at: created,
        });
      }
      const scopeTypes = [...q.getAll('scope_type[]'), ...q.getAll('scope_type')];
      const items = limits.filter((l) => scopeTypes.length === 0 || scopeTypes.includes((l.scope as JsonObject).type as string));
      const body = cursorPage(items, q, tokens, `spend_limits|${scopeTypes.join(',')}`);
      return { coverage: null, body: () => body };
    },
    addExtraFields: (body) => void addUnknownFields(body),
  };
  return [rateLimits, workspaceRateLimits, spendLimits];
}

/** The endpoint a path with a parameter (a workspace's rate limits) belongs to. */
export function limitRoute(path: string, endpoints: readonly Endpoint[]): Endpoint | undefined {
  if (!WORKSPACE_RATE_LIMITS.test(path)) return undefined;
  return endpoints.find((e) => e.key === ('workspaces/rate_limits' satisfies EndpointKey));
}
