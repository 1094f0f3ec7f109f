/** Loopback helpers for the analytics endpoint tests: the beta header, every page, exact sums. */
import type { Emulator } from '../../src/emulator/index.js';
import { ExactDecimal as Decimal } from '../../src/util/money.js';
import { get, HEADERS, type Params, type Reply } from './helpers.js';

export const BETA_HEADERS = { ...HEADERS, 'anthropic-beta': 'analytics-usage-cost-2026-08-24' };

export type ActorJson = Record<string, unknown> & { type: string };
export interface AnalyticsRow {
  starting_at: string;
  ending_at: string;
  group: Record<string, unknown> & { actor: ActorJson | null; product: string | null; api_key_id: string | null; workspace_id: string | null };
  cost?: { amount: string; list_amount: string; currency: string; requests: number | null };
  usage?: {
    uncached_input_tokens: number; cache_read_input_tokens: number; output_tokens: number; requests: number | null; total_tokens: number;
    cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
    server_tool_use: { web_search_requests: number };
  };
}

export const analytics = (emu: Emulator, kind: 'cost' | 'usage', params: Params): Promise<Reply> => get(emu, `analytics/${kind}`, params, BETA_HEADERS);

export async function allRows(emu: Emulator, kind: 'cost' | 'usage', params: Params): Promise<{ rows: AnalyticsRow[]; pages: number }> {
  const rows: AnalyticsRow[] = [];
  let page: string | undefined;
  for (let pages = 1; ; pages++) {
    const r = await analytics(emu, kind, { limit: 1000, ...params, page });
    if (r.status !== 200) throw new Error(`analytics/${kind} ${r.status}: ${r.text}`);
    rows.push(...(r.json.data as AnalyticsRow[]));
    if (!r.json.has_more) return { rows, pages };
    page = r.json.next_page;
  }
}

/** The ground truth's actor key: `${type}|${email ?? user_id | service_account_id | subject ?? provider JSON | api_key_id}`. */
export function actorKey(a: ActorJson): string {
  const id = a.type === 'user_actor' ? a.user_id
    : a.type === 'service_account_actor' ? a.service_account_id
      : a.type === 'federated_actor' ? (a.subject ?? JSON.stringify(a.provider))
        : a.api_key_id;
  return `${a.type}|${String(id)}`;
}

/** Exact Σ amount per key (decimal strings), keyed as `keyOf` says. */
export function sumBy<K>(rows: AnalyticsRow[], keyOf: (r: AnalyticsRow) => K, field: 'amount' | 'list_amount' = 'amount'): Map<K, string> {
  const acc = new Map<K, InstanceType<typeof Decimal>>();
  for (const r of rows) acc.set(keyOf(r), (acc.get(keyOf(r)) ?? new Decimal(0)).plus(r.cost![field]));
  return new Map([...acc].map(([k, v]) => [k, v.toFixed()]));
}

/** A decimal-string map in canonical form, for comparing with the ground truth's strings. */
export const canonical = <K>(m: Map<K, string>): Map<K, string> => new Map([...m].map(([k, v]) => [k, new Decimal(v).toFixed()]));

export const byDay = (r: AnalyticsRow) => r.starting_at.slice(0, 10);

export function tokenSums(rows: AnalyticsRow[]): Record<string, number> {
  const t = { uncached_input_tokens: 0, cache_read_input_tokens: 0, cache_creation_5m_input_tokens: 0, cache_creation_1h_input_tokens: 0, output_tokens: 0, web_search_requests: 0 };
  for (const { usage: u } of rows) {
    t.uncached_input_tokens += u!.uncached_input_tokens;
    t.cache_read_input_tokens += u!.cache_read_input_tokens;
    t.cache_creation_5m_input_tokens += u!.cache_creation.ephemeral_5m_input_tokens;
    t.cache_creation_1h_input_tokens += u!.cache_creation.ephemeral_1h_input_tokens;
    t.output_tokens += u!.output_tokens;
    t.web_search_requests += u!.server_tool_use.web_search_requests;
  }
  return t;
}
