/**
 * Spend per day, per scope and per key (allocated), and the names of workspaces and keys: the
 * figures budgets, anomalies, spend limits, the dashboard and metrics all judge, read through
 * Warehouse.query and the dialect (so DuckDB and BigQuery answer the same SQL). Dollars come back
 * as exact decimal text and are only ever added exactly (util/money.ts).
 */
import { DEFAULT_WORKSPACE, filterWhere, type ReportFilter } from './filter.js';
import { canonicalDecimal, compareDecimal, DecimalSum, divideDecimal, multiplyDecimal } from '../util/money.js';
import type { IsoDay } from '../util/dates.js';
import { dayCell } from './cells.js';
import type { QueryRow, Warehouse } from '../warehouse/warehouse.js';

export interface Names {
  workspace(id: string | null): string;
  apiKey(id: string | null): string;
  workspaces: Array<{ id: string; name: string | null }>;
  apiKeys: Array<{ id: string; name: string | null; workspaceId: string | null }>;
}


function ids(wh: Warehouse) {
  const d = wh.dialect;
  return (n: string) => d.ident(n);
}

export async function loadNames(wh: Warehouse): Promise<Names> {
  const i = ids(wh);
  const d = wh.dialect;
  const ws = await wh.query(`SELECT ${i('id')} AS ${i('id')}, ${i('name')} AS ${i('name')} FROM ${d.table('claude_workspaces')}`);
  const keys = await wh.query(
    `SELECT ${i('id')} AS ${i('id')}, ${i('name')} AS ${i('name')}, ${i('workspace_id')} AS ${i('workspace_id')} FROM ${d.table('claude_api_keys')}`,
  );
  const workspaces = ws.map((r) => ({ id: String(r.id), name: r.name === null ? null : String(r.name) }));
  const apiKeys = keys.map((r) => ({ id: String(r.id), name: r.name === null ? null : String(r.name), workspaceId: r.workspace_id === null ? null : String(r.workspace_id) }));
  const wsName = new Map(workspaces.map((w) => [w.id, w.name ?? w.id]));
  const keyName = new Map(apiKeys.map((k) => [k.id, k.name ?? k.id]));
  return {
    workspaces,
    apiKeys,
    workspace: (id) => (id === null ? 'Default workspace' : (wsName.get(id) ?? id)),
    apiKey: (id) => (id === null ? 'Console (no key)' : id === UNATTRIBUTED ? 'not attributable to a key' : (keyName.get(id) ?? id)),
  };
}

/** Exact spend per day for a filter (workspaces, models). Days without rows are absent (= $0). */
export async function dailySpend(wh: Warehouse, f: ReportFilter): Promise<Map<IsoDay, string>> {
  const i = ids(wh);
  const d = wh.dialect;
  const where = filterWhere(d, f, 'c', { workspace: true, model: true }, 'cost');
  const rows = await wh.query(
    `SELECT c.${i('activity_date')} AS ${i('day')}, ${d.toText(d.sumExact(`c.${i('amount_usd')}`))} AS ${i('usd')}
       FROM ${d.table('claude_costs')} c WHERE ${where.sql} GROUP BY c.${i('activity_date')}`,
    where.params,
  );
  return new Map(rows.map((r) => [dayCell(r.day), canonicalDecimal(r.usd)]));
}

/** Per day and model: did the model cost anything? (new_spender for models). */
export async function modelSpendByDay(wh: Warehouse, from: IsoDay, to: IsoDay): Promise<Array<{ day: IsoDay; model: string; usd: string }>> {
  const i = ids(wh);
  const d = wh.dialect;
  const rows = await wh.query(
    `SELECT ${i('activity_date')} AS ${i('day')}, ${i('model')} AS ${i('model')}, ${d.toText(d.sumExact(i('amount_usd')))} AS ${i('usd')}
       FROM ${d.table('claude_costs')}
      WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()} AND ${i('model')} IS NOT NULL
      GROUP BY ${i('activity_date')}, ${i('model')}`,
    [from, to],
  );
  return rows.map((r) => ({ day: dayCell(r.day), model: String(r.model), usd: canonicalDecimal(r.usd) })).filter((r) => compareDecimal(r.usd, 0) > 0);
}

/** Per day and API key: tokens used (any token of any kind is spend). */
export async function keyActivityByDay(wh: Warehouse, from: IsoDay, to: IsoDay): Promise<Array<{ day: IsoDay; key: string; tokens: number }>> {
  const i = ids(wh);
  const d = wh.dialect;
  const total = USAGE_TOKEN_COLUMNS.map((c) => `SUM(${i(c)})`).join(' + ');
  const rows = await wh.query(
    `SELECT ${i('activity_date')} AS ${i('day')}, ${i('api_key_id')} AS ${i('key')}, ${total} AS ${i('tokens')}
       FROM ${d.table('claude_usage_keys')}
      WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()} AND ${i('api_key_id')} IS NOT NULL
      GROUP BY ${i('activity_date')}, ${i('api_key_id')}`,
    [from, to],
  );
  return rows.map((r) => ({ day: dayCell(r.day), key: String(r.key), tokens: Number(r.tokens) })).filter((r) => r.tokens > 0);
}

/** Cache hit rate inputs per day from the API's own totals: cache reads and all input tokens. */
export async function cacheByDay(wh: Warehouse, from: IsoDay, to: IsoDay): Promise<Map<IsoDay, { read: number; input: number }>> {
  const i = ids(wh);
  const d = wh.dialect;
  const input = ['uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens'];
  const rows = await wh.query(
    `SELECT ${i('activity_date')} AS ${i('day')}, SUM(${i('cache_read_input_tokens')}) AS ${i('read')}, ${input.map((c) => `SUM(${i(c)})`).join(' + ')} AS ${i('input')}
       FROM ${d.table('claude_usage_daily_totals')}
      WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}
      GROUP BY ${i('activity_date')}`,
    [from, to],
  );
  return new Map(rows.map((r) => [dayCell(r.day), { read: Number(r.read), input: Number(r.input) }]));
}

export interface ResolvedScope {
  filter: Omit<ReportFilter, 'from' | 'to'>;
  apiKeyId?: string;
  /** "workspace Search, model claude-…" for messages. */
  label: string;
  /** Names the warehouse does not know (yet): spend there is $0 until they appear. */
  unknown: string[];
}

/** What a budget or a spend limit counts (the `scope:` of claude-ingest.yaml); omitted = everything. */
export interface SpendScope {
  workspace?: string | undefined;
  api_key?: string | undefined;
  model?: string | undefined;
}

export function resolveScope(scope: SpendScope | undefined, names: Names): ResolvedScope {
  const out: ResolvedScope = { filter: {}, label: 'whole organization', unknown: [] };
  if (!scope) return out;
  const labels: string[] = [];
  if (scope.workspace !== undefined) {
    const w = scope.workspace;
    const found = w === DEFAULT_WORKSPACE ? DEFAULT_WORKSPACE : names.workspaces.find((x) => x.id === w || x.name === w)?.id;
    if (!found) out.unknown.push(`workspace "${w}"`);
    out.filter.workspaceIds = [found ?? w];
    labels.push(`workspace ${found === DEFAULT_WORKSPACE ? 'default' : names.workspace(found ?? w)}`);
  }
  if (scope.model !== undefined) {
    out.filter.models = [scope.model];
    labels.push(`model ${scope.model}`);
  }
  if (scope.api_key !== undefined) {
    const k = scope.api_key;
    const found = names.apiKeys.find((x) => x.id === k || x.name === k)?.id;
    if (!found) out.unknown.push(`API key "${k}"`);
    out.apiKeyId = found ?? k;
    labels.push(`API key ${names.apiKey(out.apiKeyId)}`);
  }
  out.label = labels.join(', ');
  return out;
}

/** Spend per day of a scope; a key scope is allocated from token shares (an estimate per key). */
export async function scopeDaily(wh: Warehouse, scope: ResolvedScope, from: IsoDay, to: IsoDay): Promise<Map<IsoDay, string>> {
  const filter = { ...scope.filter, from, to };
  if (scope.apiKeyId === undefined) return dailySpend(wh, filter);
  const acc = new Map<IsoDay, DecimalSum>();
  for (const r of await allocateByKey(wh, filter)) {
    if (r.key === scope.apiKeyId) acc.set(r.day, (acc.get(r.day) ?? new DecimalSum()).add(r.usd));
  }
  return new Map([...acc].map(([d, v]) => [d, v.toString()]));
}

export const UNATTRIBUTED = '(unattributed)';

/** Cost token_type → claude_usage_keys column. */
const TOKEN_TYPE_COLUMN: Record<string, string> = {
  uncached_input_tokens: 'uncached_input_tokens',
  output_tokens: 'output_tokens',
  cache_read_input_tokens: 'cache_read_input_tokens',
  'cache_creation.ephemeral_5m_input_tokens': 'cache_creation_5m_input_tokens',
  'cache_creation.ephemeral_1h_input_tokens': 'cache_creation_1h_input_tokens',
};
const USAGE_TOKEN_COLUMNS = Object.values(TOKEN_TYPE_COLUMN);

export interface AllocatedSpend {
  day: IsoDay;
  /** API key id, null = Console, UNATTRIBUTED = costs no key's tokens explain (web search, code execution, …). */
  key: string | null;
  workspace: string | null;
  model: string | null;
  usd: string;
}

/**
 * Spend per API key. The cost report has no key dimension, so each token cost cell (day × workspace ×
 * model × tier × context window × token type) is shared among the keys by their tokens of that type
 * in the same cell — exact in total, an estimate per key. Non-token charges stay unattributed.
 */
export async function allocateByKey(wh: Warehouse, f: ReportFilter): Promise<AllocatedSpend[]> {
  const i = ids(wh);
  const d = wh.dialect;
  const where = filterWhere(d, f, 'c', { workspace: true, model: true }, 'cost');
  const cells = ['activity_date', 'workspace_id', 'model', 'service_tier', 'context_window'];
  const costs = await wh.query(
    `SELECT ${cells.map((c) => `c.${i(c)} AS ${i(c)}`).join(', ')}, c.${i('token_type')} AS ${i('token_type')},
            ${d.toText(d.sumExact(`c.${i('amount_usd')}`))} AS ${i('usd')}
       FROM ${d.table('claude_costs')} c WHERE ${where.sql}
      GROUP BY ${[...cells, 'token_type'].map((c) => `c.${i(c)}`).join(', ')}`,
    where.params,
  );
  const uwhere = filterWhere(d, f, 'u', { workspace: true, model: true }, 'usage');
  const usage = await wh.query(
    `SELECT ${cells.map((c) => `u.${i(c)} AS ${i(c)}`).join(', ')}, u.${i('api_key_id')} AS ${i('api_key_id')},
            ${USAGE_TOKEN_COLUMNS.map((c) => `SUM(u.${i(c)}) AS ${i(c)}`).join(', ')}
       FROM ${d.table('claude_usage_keys')} u WHERE ${uwhere.sql}
      GROUP BY ${[...cells, 'api_key_id'].map((c) => `u.${i(c)}`).join(', ')}`,
    uwhere.params,
  );
  const cellKey = (r: QueryRow) => cells.map((c) => String(r[c] ?? '')).join('|');
  const byCell = new Map<string, QueryRow[]>();
  for (const u of usage) {
    const k = cellKey(u);
    const list = byCell.get(k);
    if (list) list.push(u);
    else byCell.set(k, [u]);
  }
  const acc = new Map<string, AllocatedSpend & { sum: DecimalSum }>();
  const add = (day: IsoDay, key: string | null, workspace: string | null, model: string | null, usd: string) => {
    const k = [day, key, workspace, model].join('|');
    const e = acc.get(k);
    if (e) e.sum.add(usd);
    else acc.set(k, { day, key, workspace, model, usd: '', sum: new DecimalSum().add(usd) });
  };
  for (const c of costs) {
    const day = dayCell(c.activity_date);
    const ws = c.workspace_id === null ? null : String(c.workspace_id);
    const model = c.model === null ? null : String(c.model);
    const usd = canonicalDecimal(c.usd);
    const column = c.token_type === null ? undefined : TOKEN_TYPE_COLUMN[String(c.token_type)];
    const users = column ? (byCell.get(cellKey(c)) ?? []).filter((u) => Number(u[column]) > 0) : [];
    const total = users.reduce((s, u) => s + Number(u[column!]), 0);
    if (total === 0) {
      add(day, UNATTRIBUTED, ws, model, usd);
      continue;
    }
    for (const u of users) add(day, u.api_key_id === null ? null : String(u.api_key_id), ws, model, divideDecimal(multiplyDecimal(usd, Number(u[column!])), total));
  }
  return [...acc.values()].map(({ sum, ...rest }) => ({ ...rest, usd: sum.toString() }));
}
