/**
 * Rows of an analytics answer: the range's events filtered, grouped per time bucket and dimension
 * values, summed exactly (BigInt nano-cents, integer tokens) and ordered. The cost endpoint's
 * cost_type/token_type split is kept as children of each row, so `limit` counts rows, not the split.
 */
import { CONTEXT_WINDOWS, GEOS, SPEEDS, TIERS } from './catalog.js';
import { ACTOR_TYPES, ANALYTICS_PRODUCTS, analyticsCast, type AnalyticsCast } from './analytics-actors.js';
import { type AnalyticsEvent, analyticsEvents, hasUsage, WS_NONE } from './analytics-events.js';
import type { AnalyticsQuery, Dimension, Filters } from './analytics-query.js';
import type { SyntheticModel } from './model.js';
import type { Org } from './org.js';

const DAY_MS = 86_400_000;

export interface Child {
  ct: number;
  tt: number;
  nano: bigint;
  list: bigint;
}

export interface Row {
  bucket: number;
  vals: number[];
  nano: bigint;
  list: bigint;
  requests: number;
  /** Token columns in TOKEN_TYPES order, then web searches. */
  usage: number[];
  children: Map<string, Child> | null;
  tie: string;
}

type Reader = (e: AnalyticsEvent, cast: AnalyticsCast) => number;
const NONE: Reader = () => -1;

/** Dimensions the synthetic organization has values for; the others are null on every row. */
const READERS: Partial<Record<Dimension, Reader>> = {
  actor: (e) => e.actor,
  actor_type: (e, c) => ACTOR_TYPES.indexOf(c.actors[e.actor]!.type),
  api_key_id: (e) => e.key,
  context_window: (e) => e.cw,
  inference_geo: (e) => e.geo,
  model: (e) => e.model,
  organization_id: () => 0,
  product: (e) => e.product,
  service_tier: (e) => e.tier,
  speed: (e) => e.speed,
  workspace_id: (e) => e.ws,
};

/** The JSON value of dimension `dim` for the number a reader returned. */
export function dimensionValue(dim: Dimension, v: number, org: Org, cast: AnalyticsCast): unknown {
  if (dim === 'workspace_id') return v === WS_NONE ? null : v < 0 ? cast.defaultWorkspaceId : org.workspaces[v]!.id;
  if (v < 0) return null;
  switch (dim) {
    case 'actor': return cast.actors[v]!.json;
    case 'actor_type': return ACTOR_TYPES[v];
    case 'api_key_id': return org.apiKeys[v]!.id;
    case 'context_window': return CONTEXT_WINDOWS[v];
    case 'inference_geo': return GEOS[v];
    case 'model': return org.models[v]!.id;
    case 'organization_id': return org.organizationId;
    case 'product': return ANALYTICS_PRODUCTS[v];
    case 'service_tier': return TIERS[v];
    case 'speed': return SPEEDS[v];
    default: return null;
  }
}

/** Value indexes of the wanted names; an unknown name maps to an index no event has. */
function indexSet(wanted: string[], values: readonly string[], extra: Record<string, number> = {}): Set<number> {
  return new Set(wanted.map((w) => (w in extra ? extra[w]! : values.includes(w) ? values.indexOf(w) : -99)));
}

/** One predicate per filter given; an unknown id simply matches nothing, as a filter does. */
function predicates(f: Filters, org: Org, cast: AnalyticsCast): Array<(e: AnalyticsEvent) => boolean> {
  const out: Array<(e: AnalyticsEvent) => boolean> = [];
  const on = (wanted: string[], make: () => (e: AnalyticsEvent) => boolean) => wanted.length > 0 && out.push(make());
  on(f.api_key_ids, () => { const s = indexSet(f.api_key_ids, org.apiKeys.map((k) => k.id)); return (e) => s.has(e.key); });
  on(f.workspace_ids, () => { const s = indexSet(f.workspace_ids, org.workspaces.map((w) => w.id), { [cast.defaultWorkspaceId]: -1 }); return (e) => s.has(e.ws); });
  on(f.models, () => { const s = indexSet(f.models, org.models.map((m) => m.id)); return (e) => s.has(e.model); });
  on(f.products, () => { const s = indexSet(f.products, ANALYTICS_PRODUCTS); return (e) => s.has(e.product); });
  on(f.actor_types, () => { const s = new Set(f.actor_types); return (e) => s.has(cast.actors[e.actor]!.type); });
  on(f.actor_ids, () => {
    const ids = new Set(f.actor_ids);
    const hit = new Set(cast.actors.map((a, i) => (Object.values(a.json).some((v) => typeof v === 'string' && ids.has(v)) ? i : -1)));
    return (e) => hit.has(e.actor);
  });
  on(f.service_tiers, () => { const s = indexSet(f.service_tiers, TIERS); return (e) => s.has(e.tier); });
  on(f.context_windows, () => { const s = indexSet(f.context_windows, CONTEXT_WINDOWS); return (e) => s.has(e.cw); });
  on(f.inference_geos, () => { const s = indexSet(f.inference_geos, GEOS, { not_available: -1 }); return (e) => s.has(e.geo); });
  on(f.speeds, () => { const s = indexSet(f.speeds, SPEEDS); return (e) => s.has(e.speed); });
  return out;
}

const usageTotal = (u: number[]) => u[0]! + u[1]! + u[2]! + u[3]! + u[4]!;

/**
 * Paging a window re-asks the same query once per page: its rows are kept while every day's events are
 * the very same arrays (a revision or spike regenerates them, so the rows are recomputed).
 */
const rowCache = new WeakMap<SyntheticModel, Map<string, { days: AnalyticsEvent[][]; rows: Row[] }>>();
const ROW_CACHE_QUERIES = 4;

/** Every row of the query, ordered as the API orders them; only combinations with usage (or cost) appear. */
export function analyticsRows(model: SyntheticModel, q: AnalyticsQuery): Row[] {
  const days: AnalyticsEvent[][] = [];
  for (let dayMs = Math.floor(q.fromMs / DAY_MS) * DAY_MS; dayMs < q.toMs; dayMs += DAY_MS) days.push(analyticsEvents(model, new Date(dayMs).toISOString().slice(0, 10)));
  let cached = rowCache.get(model);
  if (!cached) rowCache.set(model, (cached = new Map()));
  const hit = cached.get(q.signature);
  if (hit && hit.days.length === days.length && hit.days.every((d, i) => d === days[i])) return hit.rows;
  const rows = computeRows(model, q, days);
  cached.delete(q.signature);
  if (cached.size >= ROW_CACHE_QUERIES) cached.delete(cached.keys().next().value!);
  cached.set(q.signature, { days, rows });
  return rows;
}

function computeRows(model: SyntheticModel, q: AnalyticsQuery, days: AnalyticsEvent[][]): Row[] {
  const org = model.org;
  const cast = analyticsCast(org, model.seed);
  const readers = q.groupBy.map((d) => READERS[d] ?? NONE);
  const filters = predicates(q.filters, org, cast);
  const fan = q.kind === 'cost' && (q.byCostType || q.byTokenType);
  const rows = new Map<string, Row>();

  const firstDayMs = Math.floor(q.fromMs / DAY_MS) * DAY_MS;
  for (let d = 0; d < days.length; d++) {
    const dayMs = firstDayMs + d * DAY_MS;
    event: for (const e of days[d]!) {
      const t = dayMs + e.minute * 60_000;
      if (t < q.fromMs || t >= q.toMs) continue;
      if (q.kind === 'cost' ? e.parts.length === 0 : !hasUsage(e)) continue;
      for (const f of filters) if (!f(e)) continue event;
      const bucket = q.widthMs === null ? 0 : Math.floor((t - q.fromMs) / q.widthMs);
      const vals = readers.map((r) => r(e, cast));
      const tie = `${bucket}|${vals.join(',')}`;
      let row = rows.get(tie);
      if (!row) rows.set(tie, (row = { bucket, vals, nano: 0n, list: 0n, requests: 0, usage: [0, 0, 0, 0, 0, 0], children: fan ? new Map() : null, tie }));
      row.requests += e.requests;
      if (q.kind === 'usage') {
        for (let c = 0; c < 6; c++) row.usage[c]! += e.usage![c]!;
        continue;
      }
      for (const p of e.parts) {
        row.nano += p.nano;
        row.list += p.list;
        if (!row.children) continue;
        const ct = q.byCostType ? p.ct : -1;
        const tt = q.byTokenType ? p.tt : -1;
        const k = `${ct}/${tt}`;
        const child = row.children.get(k);
        if (child) {
          child.nano += p.nano;
          child.list += p.list;
        } else row.children.set(k, { ct, tt, nano: p.nano, list: p.list });
      }
    }
  }
  return [...rows.values()].sort(comparator(q));
}

function comparator(q: AnalyticsQuery): (a: Row, b: Row) => number {
  const sign = q.desc ? -1 : 1;
  const cmp = (x: bigint | number, y: bigint | number) => (x < y ? -1 : x > y ? 1 : 0);
  const metric: (r: Row) => bigint | number = {
    amount: (r: Row) => r.nano,
    list_amount: (r: Row) => r.list,
    total_tokens: (r: Row) => usageTotal(r.usage),
    requests: (r: Row) => r.requests,
    uncached_input_tokens: (r: Row) => r.usage[0]!,
    output_tokens: (r: Row) => r.usage[1]!,
    cache_read_input_tokens: (r: Row) => r.usage[2]!,
    time: (r: Row) => r.bucket,
  }[q.orderBy]!;
  // Ties fall back to time, then the group's values, so every page boundary is deterministic.
  return (a, b) => sign * cmp(metric(a), metric(b)) || cmp(a.bucket, b.bucket) || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0);
}

/** The time a row covers: its bucket, or the whole (hour-snapped) range without one. */
export function rowSpan(q: AnalyticsQuery, r: Row): [number, number] {
  if (q.widthMs === null) return [q.fromMs, q.toMs];
  const start = q.fromMs + r.bucket * q.widthMs;
  return [start, start + q.widthMs];
}
