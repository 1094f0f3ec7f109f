/**
 * Parsing and validating an /analytics/cost or /analytics/usage request, with the real API's rules:
 * the beta header, the 2026-01-01 and 365-day floor, a range of at most 31 days (24 h with 1m), at most
 * 5 group_by[] dimensions (cost_type and token_type free on the cost endpoint) and row-based limits.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { addDays, dayStartMs, type IsoDay } from '../util/dates.js';
import { CONTEXT_WINDOWS, GEOS, SPEEDS, TIERS } from './catalog.js';
import { ACTOR_TYPES, ANALYTICS_PRODUCTS } from './analytics-actors.js';
import { betas } from './endpoint.js';
import { arrayParam, invalid, limitParam, timestampParam } from './params.js';

export const ANALYTICS_BETA = 'analytics-usage-cost-2026-08-24';
/** Nothing before this is served, whatever the organization's history. */
export const ANALYTICS_FLOOR_DAY = '2026-01-01';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const WIDTHS: Record<string, number> = { '1d': DAY_MS, '1h': HOUR_MS, '1m': 60_000 };

/** Every dimension of the contract, in the order `group` lists them. */
export const DIMENSIONS = [
  'actor', 'actor_type', 'agent_id', 'api_key_id', 'claude_tag_category', 'claude_tag_user_id', 'context_window',
  'deployment_id', 'environment_id', 'inference_geo', 'model', 'organization_id', 'product', 'rbac_group_id',
  'service_tier', 'session_id', 'slack_channel_id', 'speed', 'user_profile_id', 'workspace_id',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const FAN_DIMENSIONS = ['cost_type', 'token_type'] as const;

export type AnalyticsKind = 'cost' | 'usage';

export interface Filters {
  api_key_ids: string[];
  workspace_ids: string[];
  models: string[];
  products: string[];
  actor_types: string[];
  actor_ids: string[];
  service_tiers: string[];
  context_windows: string[];
  inference_geos: string[];
  speeds: string[];
}
const FILTER_VALUES: Partial<Record<keyof Filters, readonly string[]>> = {
  products: ANALYTICS_PRODUCTS,
  actor_types: ACTOR_TYPES,
  service_tiers: TIERS,
  context_windows: CONTEXT_WINDOWS,
  inference_geos: GEOS,
  speeds: SPEEDS,
};

const ORDER_BY: Record<AnalyticsKind, readonly string[]> = {
  cost: ['amount', 'list_amount', 'time'],
  usage: ['total_tokens', 'requests', 'uncached_input_tokens', 'output_tokens', 'cache_read_input_tokens', 'time'],
};

export interface AnalyticsQuery {
  kind: AnalyticsKind;
  /** [fromMs, toMs): snapped to the bucket width (whole hours without one). */
  fromMs: number;
  toMs: number;
  /** null = one row per combination over the whole range. */
  widthMs: number | null;
  groupBy: Dimension[];
  byCostType: boolean;
  byTokenType: boolean;
  filters: Filters;
  limit: number;
  orderBy: string;
  desc: boolean;
  /** Canonical text of every parameter but `page`: a page token is only valid for the query it came from. */
  signature: string;
}

/** `today` is the emulator's today; its end is "now", and the 365-day window is counted back from it. */
export function parseAnalyticsQuery(kind: AnalyticsKind, q: URLSearchParams, headers: IncomingHttpHeaders, today: IsoDay): AnalyticsQuery {
  if (!betas(headers).has(ANALYTICS_BETA)) throw invalid(`anthropic-beta: this endpoint requires the beta header "anthropic-beta: ${ANALYTICS_BETA}"`);
  const widthName = q.get('time_bucket_width');
  const widthMs = widthName === null || widthName === '' ? null : WIDTHS[widthName];
  if (widthMs === undefined) throw invalid(`time_bucket_width: must be one of 1d, 1h, 1m (or omitted), got "${widthName}"`);

  const nowMs = dayStartMs(today) + DAY_MS;
  const start = timestampParam(q, 'starting_at', true);
  const floorMs = Math.max(dayStartMs(ANALYTICS_FLOOR_DAY), dayStartMs(addDays(today, -365)));
  if (start < dayStartMs(ANALYTICS_FLOOR_DAY)) throw invalid(`starting_at: must not be before ${ANALYTICS_FLOOR_DAY}T00:00:00Z; use the legacy usage and cost reports for earlier data`);
  if (start < floorMs) throw invalid(`starting_at: must be within the last 365 days (on or after ${new Date(floorMs).toISOString()})`);
  const maxRange = widthMs === 60_000 ? DAY_MS : 31 * DAY_MS;
  const end = timestampParam(q, 'ending_at', false) ?? Math.min(nowMs, start + maxRange);
  if (end <= start) throw invalid('ending_at: must be after starting_at');
  if (end - start > maxRange) throw invalid(`ending_at: the range may span at most ${widthMs === 60_000 ? '24 hours with time_bucket_width=1m' : '31 days'}`);
  const snap = widthMs ?? HOUR_MS;

  const groupBy: Dimension[] = [];
  let byCostType = false;
  let byTokenType = false;
  for (const g of arrayParam(q, 'group_by')) {
    if (kind === 'cost' && (FAN_DIMENSIONS as readonly string[]).includes(g)) {
      byCostType ||= g === 'cost_type';
      byTokenType ||= g === 'token_type';
    } else if ((DIMENSIONS as readonly string[]).includes(g)) {
      if (!groupBy.includes(g as Dimension)) groupBy.push(g as Dimension);
    } else {
      const extra = kind === 'cost' ? ', cost_type, token_type' : '';
      throw invalid(`group_by[]: "${g}" is not a valid dimension: use ${DIMENSIONS.join(', ')}${extra}`);
    }
  }
  if (groupBy.length > 5) throw invalid(`Cannot specify more than 5 group_by[] dimensions${kind === 'cost' ? ' (cost_type and token_type do not count)' : ''}.`);

  const filters = {} as Filters;
  for (const name of ['api_key_ids', 'workspace_ids', 'models', 'products', 'actor_types', 'actor_ids', 'service_tiers', 'context_windows', 'inference_geos', 'speeds'] as const) {
    const values = arrayParam(q, name);
    const allowed = FILTER_VALUES[name];
    const bad = allowed ? values.find((v) => !allowed.includes(v)) : undefined;
    if (bad !== undefined) throw invalid(`${name}[]: "${bad}" is not one of ${allowed!.join(', ')}`);
    filters[name] = values;
  }

  const orderBy = q.get('order_by') ?? (kind === 'cost' ? 'amount' : 'total_tokens');
  if (!ORDER_BY[kind].includes(orderBy)) throw invalid(`order_by: must be one of ${ORDER_BY[kind].join(', ')}, got "${orderBy}"`);
  const order = q.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalid(`order: must be asc or desc, got "${order}"`);

  // A cursor stays valid under another `limit` ("send a lower limit and page through the rest").
  const canonical = [...q.entries()].filter(([k]) => k !== 'page' && k !== 'limit').sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
  return {
    kind,
    fromMs: Math.floor(start / snap) * snap,
    toMs: Math.floor(end / snap) * snap,
    widthMs,
    groupBy,
    byCostType,
    byTokenType,
    filters,
    limit: limitParam(q, 20, 1000),
    orderBy,
    desc: order === 'desc',
    signature: `${kind}|${canonical.map(([k, v]) => `${k}=${v}`).join('&')}`,
  };
}
