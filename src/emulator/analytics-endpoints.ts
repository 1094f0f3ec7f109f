/**
 * GET /v1/organizations/analytics/cost and /analytics/usage (beta analytics-usage-cost-2026-08-24).
 * Flat rows, each with its own span and a `group` naming every dimension (null unless grouped by it);
 * pages of `limit` rows behind signed cursors bound to the query they came from.
 */
import { TOKEN_TYPES } from './catalog.js';
import { analyticsCast } from './analytics-actors.js';
import { analyticsRows, dimensionValue, type Row, rowSpan } from './analytics-aggregate.js';
import { COST_TYPES } from './analytics-events.js';
import { type AnalyticsKind, type AnalyticsQuery, DIMENSIONS, parseAnalyticsQuery } from './analytics-query.js';
import { formatNano } from './costs.js';
import { addUnknownFields, type Endpoint, type JsonObject } from './endpoint.js';
import type { SyntheticModel } from './model.js';
import { ApiError, invalid, iso } from './params.js';
import type { EmulatorOptions } from './types.js';

/** `analyticsAvailable` in EmulatorOptions: what an organization without this API gets on every request. */
export function analyticsUnavailable(setting: EmulatorOptions['analyticsAvailable']): ApiError | null {
  if (setting === undefined || setting === true) return null;
  if (setting === 'not-eligible') {
    return new ApiError(400, 'invalid_request_error', 'Your organization is not eligible for the Usage and Cost Analytics API.', 'organization_not_eligible');
  }
  if (setting === 403) return new ApiError(403, 'permission_error', 'The Usage and Cost Analytics API is not enabled for this organization.');
  return new ApiError(404, 'not_found_error', 'Not found: the Usage and Cost Analytics API is not available for this organization.');
}

/** Actor types a member who sees only some workspaces cannot see: their rows read `actor: null`. */
const HIDDEN_ACTOR_TYPES = new Set(['user_actor', 'federated_actor']);

function rowsJson(model: SyntheticModel, q: AnalyticsQuery, rows: Row[], hiddenActors: boolean): JsonObject[] {
  const org = model.org;
  const cast = analyticsCast(org, model.seed);
  const out: JsonObject[] = [];
  for (const r of rows) {
    const [start, end] = rowSpan(q, r);
    const group: JsonObject = {};
    for (const d of DIMENSIONS) group[d] = null;
    q.groupBy.forEach((d, j) => (group[d] = dimensionValue(d, r.vals[j]!, org, cast)));
    // Each hidden identity stays its own row ("distinct identities … each as its own row"), so
    // rows of one bucket can carry identical groups.
    if (hiddenActors && group.actor !== null && HIDDEN_ACTOR_TYPES.has((group.actor as { type: string }).type)) group.actor = null;
    const base = { starting_at: iso(start), ending_at: iso(end) };
    if (q.kind === 'usage') {
      const u = r.usage;
      out.push({
        ...base,
        group,
        usage: {
          uncached_input_tokens: u[0],
          cache_creation: { ephemeral_5m_input_tokens: u[3], ephemeral_1h_input_tokens: u[4] },
          cache_read_input_tokens: u[2],
          output_tokens: u[1],
          server_tool_use: { web_search_requests: u[5] },
          requests: r.requests,
          total_tokens: u[0]! + u[1]! + u[2]! + u[3]! + u[4]!,
        },
      });
      continue;
    }
    const cost = (nano: bigint, list: bigint, requests: number | null) => ({ amount: formatNano(nano), list_amount: formatNano(list), currency: 'USD', requests });
    if (!r.children) {
      out.push({ ...base, group: { ...group, cost_type: null, token_type: null }, cost: cost(r.nano, r.list, r.requests) });
      continue;
    }
    // The split rows stay together behind their row; requests cannot be split per component (documented).
    const children = [...r.children.values()].sort((a, b) => a.ct - b.ct || a.tt - b.tt);
    for (const c of children) {
      const split = { cost_type: c.ct < 0 ? null : COST_TYPES[c.ct], token_type: c.tt < 0 ? null : TOKEN_TYPES[c.tt] };
      out.push({ ...base, group: { ...group, ...split }, cost: cost(c.nano, c.list, null) });
    }
  }
  return out;
}

/**
 * A client pages through one query's rows a page at a time; aggregating the whole range again for
 * every page made a large organization's year cost minutes of emulator CPU per window. The last few
 * queries' rows are kept per model (and dropped when a revision changes the data).
 */
const QUERIES_KEPT = 8;
const rowCache = new WeakMap<SyntheticModel, Map<string, Row[]>>();

function cachedRows(model: SyntheticModel, query: AnalyticsQuery): Row[] {
  let kept = rowCache.get(model);
  if (!kept) rowCache.set(model, (kept = new Map()));
  const key = `${model.currentRevision}|${query.signature}`;
  let rows = kept.get(key);
  if (!rows) {
    rows = analyticsRows(model, query);
    kept.set(key, rows);
    if (kept.size > QUERIES_KEPT) kept.delete(kept.keys().next().value!);
  }
  return rows;
}

function analyticsEndpoint(kind: AnalyticsKind): Endpoint {
  return {
    key: `analytics/${kind}`,
    path: `/v1/organizations/analytics/${kind}`,

    prepare(q, { model, tokens, headers, hiddenActors }) {
      const query = parseAnalyticsQuery(kind, q, headers, model.today);
      const scope = `analytics|${query.signature}`;
      const page = q.get('page');
      let offset = 0;
      if (page !== null && page !== '') {
        const v = tokens.verify(scope, page);
        if (typeof v !== 'number' || v < 0) throw invalid('page: invalid page token');
        offset = v;
      }
      return {
        coverage: [query.fromMs, query.toMs],
        body() {
          const rows = cachedRows(model, query);
          const next = offset + query.limit;
          const hasMore = next < rows.length;
          return {
            data: rowsJson(model, query, rows.slice(offset, next), hiddenActors === true),
            has_more: hasMore,
            next_page: hasMore ? tokens.sign(scope, next) : null,
            // Deterministic: the emulator's data is final a few minutes before the end of its today.
            data_refreshed_at: `${model.today}T23:55:00Z`,
          };
        },
      };
    },

    addExtraFields(body) {
      const rows = addUnknownFields(body);
      for (const r of rows) (r.group as JsonObject).future_dimension = null;
      // An unknown enum value on a dimension the ground truth does not key on, so the truth still holds.
      const located = rows.find((r) => (r.group as JsonObject).inference_geo !== null);
      if (located) (located.group as JsonObject).inference_geo = 'eu';
    },

    addDrift(body) {
      // New measures a newer version may add next to the known ones; the known ones stay exact.
      for (const r of (body.data ?? []) as JsonObject[]) {
        if (kind === 'cost') (r.cost as JsonObject).credits_applied = '0';
        else ((r.usage as JsonObject).server_tool_use as JsonObject).web_fetch_requests = ((r.usage as JsonObject).output_tokens as number) % 7;
      }
    },
  };
}

export const analyticsCost = analyticsEndpoint('cost');
export const analyticsUsage = analyticsEndpoint('usage');
