/** GET /v1/organizations/usage_report/messages */
import { bucketJson, bucketPage, coverageOf } from './buckets.js';
import { CONTEXT_WINDOWS, GEOS, SPEEDS, TIERS } from './catalog.js';
import { addUnknownFields, betas, reportResults, type Endpoint, type JsonObject } from './endpoint.js';
import type { Org } from './org.js';
import { arrayParam, invalid } from './params.js';
import { type Atoms, TOK_CACHE_READ, TOK_CC1H, TOK_CC5M, TOK_COLUMNS, TOK_OUTPUT, TOK_UNCACHED, TOK_WEB } from './usage.js';

const DAY_MS = 86_400_000;
const FAST_MODE_BETA = 'fast-mode-2026-02-01';
const WIDTHS: Record<string, { ms: number; def: number; max: number }> = {
  '1d': { ms: DAY_MS, def: 7, max: 31 },
  '1h': { ms: 3_600_000, def: 24, max: 168 },
  '1m': { ms: 60_000, def: 60, max: 1440 },
};

/** A grouping dimension: how to read it from an atom (-1 = null) and how to name its values. */
interface Dim {
  name: string;
  filter: string;
  read: (a: Atoms, i: number) => number;
  values: (org: Org) => readonly string[];
}

const DIMS: readonly Dim[] = [
  { name: 'api_key_id', filter: 'api_key_ids', read: (a, i) => a.key[i]!, values: (o) => o.apiKeys.map((k) => k.id) },
  { name: 'workspace_id', filter: 'workspace_ids', read: (a, i) => a.ws[i]!, values: (o) => o.workspaces.map((w) => w.id) },
  { name: 'model', filter: 'models', read: (a, i) => a.model[i]!, values: (o) => o.models.map((m) => m.id) },
  { name: 'service_tier', filter: 'service_tiers', read: (a, i) => a.tier[i]!, values: () => TIERS },
  { name: 'context_window', filter: 'context_window', read: (a, i) => a.cw[i]!, values: () => CONTEXT_WINDOWS },
  { name: 'inference_geo', filter: 'inference_geos', read: (a, i) => a.geo[i]!, values: () => GEOS },
  { name: 'account_id', filter: 'account_ids', read: (a, i) => a.account[i]!, values: (o) => o.users.map((u) => u.id) },
  { name: 'service_account_id', filter: 'service_account_ids', read: (a, i) => a.svc[i]!, values: (o) => o.serviceAccounts },
  { name: 'speed', filter: 'speeds', read: (a, i) => a.speed[i]!, values: () => SPEEDS },
];
const DIM_BY_NAME = new Map(DIMS.map((d) => [d.name, d]));

interface Group {
  vals: number[];
  sums: number[];
}

export const usageReport: Endpoint = {
  key: 'usage_report/messages',
  path: '/v1/organizations/usage_report/messages',

  prepare(q, { model, tokens, headers }) {
    const org = model.org;
    const widthName = q.get('bucket_width') ?? '1d';
    const width = WIDTHS[widthName];
    if (!width) throw invalid(`bucket_width: must be one of 1d, 1h, 1m, got "${widthName}"`);
    const fastMode = betas(headers).has(FAST_MODE_BETA);
    const groupBy = arrayParam(q, 'group_by');
    if (groupBy.length > 5) throw invalid('Cannot specify more than 5 group_by[] dimensions.');
    const grouped: Dim[] = [];
    for (const g of groupBy) {
      const dim = DIM_BY_NAME.get(g);
      if (!dim) throw invalid(`group_by[]: "${g}" is not a valid dimension: use ${DIMS.map((d) => d.name).join(', ')}`);
      if (g === 'speed' && !fastMode) throw invalid(`group_by[]: "speed" requires the anthropic-beta header "${FAST_MODE_BETA}"`);
      if (!grouped.includes(dim)) grouped.push(dim);
    }
    const filters: Array<{ dim: Dim; allowed: Set<number> }> = [];
    for (const dim of DIMS) {
      const wanted = arrayParam(q, dim.filter);
      if (wanted.length === 0) continue;
      const values = dim.values(org);
      filters.push({ dim, allowed: new Set(wanted.map((w) => values.indexOf(w)).filter((i) => i >= 0)) });
    }
    const page = bucketPage(q, model, tokens, `messages|${widthName}`, width.ms, width);
    const names = grouped.map((d) => d.values(org));

    return {
      coverage: coverageOf(page),
      body() {
        const buckets = aggregate(model, page.starts, width.ms, grouped, filters);
        const data = page.starts.map((start, b) =>
          bucketJson(start, width.ms, [...buckets[b]!.values()].map((g) => {
            const dims: Record<string, string | null> = {
              api_key_id: null, workspace_id: null, model: null, service_tier: null, context_window: null,
              inference_geo: null, account_id: null, service_account_id: null,
            };
            if (fastMode) dims.speed = null;
            grouped.forEach((d, j) => (dims[d.name] = g.vals[j]! < 0 ? null : names[j]![g.vals[j]!]!));
            return {
              uncached_input_tokens: g.sums[TOK_UNCACHED],
              cache_creation: { ephemeral_1h_input_tokens: g.sums[TOK_CC1H], ephemeral_5m_input_tokens: g.sums[TOK_CC5M] },
              cache_read_input_tokens: g.sums[TOK_CACHE_READ],
              output_tokens: g.sums[TOK_OUTPUT],
              server_tool_use: { web_search_requests: g.sums[TOK_WEB] },
              ...dims,
            };
          })),
        );
        return { data, has_more: page.nextPage !== null, next_page: page.nextPage };
      },
    };
  },

  addExtraFields(body) {
    for (const bucket of addUnknownFields(body)) {
      const results = bucket.results as JsonObject[];
      results.forEach((r) => (r.future_result_field = { nested: true }));
      const tiered = results.find((r) => r.service_tier !== null && r.service_tier !== undefined);
      if (tiered) tiered.service_tier = 'flex_turbo';
    }
  },

  addDrift(body) {
    // A cache bucket this version has no column for: an unknown measure validate must surface.
    for (const r of reportResults(body)) {
      const cc = r.cache_creation as JsonObject;
      cc.ephemeral_30m_input_tokens = (r.output_tokens as number) % 97;
    }
  },
};

/** One pass per day over its atoms, straight into per-bucket groups keyed by a mixed-radix number. */
function aggregate(
  model: { atoms(day: string): Atoms; org: Org },
  starts: number[],
  widthMs: number,
  grouped: Dim[],
  filters: Array<{ dim: Dim; allowed: Set<number> }>,
): Array<Map<number, Group>> {
  const buckets = starts.map(() => new Map<number, Group>());
  if (starts.length === 0) return buckets;
  const from = starts[0]!;
  const to = starts[starts.length - 1]! + widthMs;
  const radix = grouped.map((d) => d.values(model.org).length + 1);
  for (let dayMs = Math.floor(from / DAY_MS) * DAY_MS; dayMs < to; dayMs += DAY_MS) {
    const atoms = model.atoms(new Date(dayMs).toISOString().slice(0, 10));
    atom: for (let i = 0; i < atoms.n; i++) {
      const t = dayMs + atoms.minute[i]! * 60_000;
      if (t < from || t >= to) continue;
      for (const f of filters) if (!f.allowed.has(f.dim.read(atoms, i))) continue atom;
      let key = 0;
      for (let j = 0; j < grouped.length; j++) key = key * radix[j]! + grouped[j]!.read(atoms, i) + 1;
      const bucket = buckets[Math.floor((t - from) / widthMs)]!;
      let g = bucket.get(key);
      if (!g) bucket.set(key, (g = { vals: grouped.map((d) => d.read(atoms, i)), sums: [0, 0, 0, 0, 0, 0] }));
      const base = i * TOK_COLUMNS;
      for (let c = 0; c < TOK_COLUMNS; c++) g.sums[c]! += atoms.tok[base + c]!;
    }
  }
  return buckets;
}
