/**
 * A small Analytics API on 127.0.0.1 for the stream tests, written from the contract (not from our
 * code): events are aggregated by the requested group_by[] per daily bucket, only combinations with
 * activity are returned, `limit` counts rows (the cost endpoint's cost_type/token_type fan-out does
 * not), the beta header is required, more than 5 dimensions is a 400, and `status` can close it.
 */
import { ANALYTICS_BETA } from '../../src/source/endpoints.js';
import { addDays, type IsoDay } from '../../src/util/dates.js';
import { scriptedServer, type ScriptedServer } from '../source/helpers.js';

export interface FakeEvent {
  day: IsoDay;
  group: Record<string, unknown>;
  amount: string;
  list_amount: string;
  tokens: number;
}

const FREE = new Set(['cost_type', 'token_type']);
const DIMS = ['actor', 'actor_type', 'api_key_id', 'context_window', 'model', 'product', 'service_tier', 'workspace_id', 'inference_geo', 'cost_type', 'token_type'];

/** Adds cent strings as integers of 1e-6 cents (the fixtures use at most 6 decimals). */
const micro = (s: string) => BigInt(Math.round(Number(s) * 1e6));
const fromMicro = (n: bigint) => {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const frac = (a % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / 1000000n}${frac ? `.${frac}` : ''}`;
};

export async function fakeAnalytics(events: FakeEvent[], opts: { status?: number } = {}): Promise<ScriptedServer> {
  return scriptedServer((_req, res, seen) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' });
      res.end(JSON.stringify(body));
    };
    const err = (status: number, message: string) => send(status, { type: 'error', error: { type: status === 400 ? 'invalid_request_error' : 'permission_error', message } });
    if (opts.status) return err(opts.status, 'analytics is not enabled for this organization');
    if (!String(seen.headers['anthropic-beta'] ?? '').split(',').includes(ANALYTICS_BETA)) return err(400, 'missing beta header');
    const q = seen.url.searchParams;
    const isCost = seen.url.pathname.endsWith('/analytics/cost');
    const groupBy = q.getAll('group_by[]');
    if (groupBy.filter((g) => !FREE.has(g)).length > 5) return err(400, 'Cannot specify more than 5 group_by[] dimensions.');
    if (q.get('time_bucket_width') !== '1d') return err(400, 'the fake serves 1d only');
    const from = q.get('starting_at')!.slice(0, 10);
    const to = q.get('ending_at')!.slice(0, 10);
    const agg = new Map<string, { day: IsoDay; group: Record<string, unknown>; amount: bigint; list: bigint; tokens: number }>();
    for (const e of events) {
      if (e.day < from || e.day >= to) continue;
      const group: Record<string, unknown> = {};
      for (const d of DIMS) if (isCost || !FREE.has(d)) group[d] = groupBy.includes(d) ? (e.group[d] ?? null) : null;
      const key = JSON.stringify([e.day, group]);
      const a = agg.get(key) ?? { day: e.day, group, amount: 0n, list: 0n, tokens: 0 };
      a.amount += micro(e.amount);
      a.list += micro(e.list_amount);
      a.tokens += e.tokens;
      agg.set(key, a);
    }
    const rows = [...agg.values()].map((a) => ({
      starting_at: `${a.day}T00:00:00Z`,
      ending_at: `${addDays(a.day, 1)}T00:00:00Z`,
      group: a.group,
      ...(isCost
        ? { cost: { amount: fromMicro(a.amount), list_amount: fromMicro(a.list), currency: 'USD', requests: groupBy.some((g) => FREE.has(g)) ? null : 1 } }
        : {
            usage: {
              uncached_input_tokens: a.tokens,
              cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
              cache_read_input_tokens: 0,
              output_tokens: 0,
              server_tool_use: { web_search_requests: 0 },
              requests: 1,
              total_tokens: a.tokens,
            },
          }),
    }));
    const limit = Number(q.get('limit') ?? '20');
    const start = Number(q.get('page') ?? '0');
    const page = rows.slice(start, start + limit);
    const more = start + limit < rows.length;
    send(200, { data: page, has_more: more, next_page: more ? String(start + limit) : null, data_refreshed_at: '2026-03-01T00:00:00Z' });
  });
}
