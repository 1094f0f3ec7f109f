/**
 * The report queries: the single source of truth for every figure the CLI, exports and the dashboard
 * show. Each report is a query builder (SQL + parameters + column descriptions, so `export` can hand
 * the same SELECT to the warehouse's own exporter) and a function returning typed rows.
 *
 * Costs come only from claude_costs. claude_code_model_usage is an estimate of cost already billed
 * there, so it appears only in the Claude Code per-user report, labelled as an estimate.
 */
import { canonicalDecimal } from '../util/money.js';
import type { DayRange } from '../util/dates.js';
import { TABLES, type TokenCounts } from '../warehouse/tables.js';
import type { SqlDialect, Warehouse } from '../warehouse/warehouse.js';
import { dayCell, exact, int } from './cells.js';
import { CONSOLE_KEY, DEFAULT_WORKSPACE, filterWhere, type ReportFilter } from './filter.js';

/** `pct`: a percentage as a number (share_pct 85.5 = 85.5 %). */
export type ColumnKind = 'text' | 'date' | 'usd' | 'int' | 'ratio' | 'pct';

export interface ReportColumn {
  /** The SQL alias and the typed row's field. */
  name: string;
  /** What tables, CSV and JSON call it. */
  header: string;
  kind: ColumnKind;
}

export interface ReportQuery {
  sql: string;
  params: unknown[];
  columns: ReportColumn[];
}

export type Period = 'day' | 'week' | 'month';
export type SpendDimension = 'workspace' | 'model' | 'cost_type';

/** The six token columns, from the table definition (usage totals hold exactly those as ints). */
export const TOKEN_COLUMNS = TABLES.claude_usage_daily_totals.columns.filter((c) => c.type === 'int').map((c) => c.name);
/** Input token columns: everything but output and web searches. */
export const INPUT_TOKEN_COLUMNS = TOKEN_COLUMNS.filter((c) => c.endsWith('_input_tokens'));
/** Tool accept/reject columns of claude_code_productivity (the four tools with fixed columns). */
const TOOL_ACCEPTED = TABLES.claude_code_productivity.columns.filter((c) => c.name.endsWith('_tool_accepted')).map((c) => c.name);
const TOOL_REJECTED = TABLES.claude_code_productivity.columns.filter((c) => c.name.endsWith('_tool_rejected')).map((c) => c.name);

const COSTS_DIMS = { workspace: true, model: true };

function col(name: string, header: string, kind: ColumnKind): ReportColumn {
  return { name, header, kind };
}

// ---------------------------------------------------------------- spend over time

export interface SpendOverTimeRow {
  /** First day of the period (the day itself, the Monday of the ISO week, or the 1st of the month). */
  period: string;
  /** Exact dollars. */
  usd: string;
}

export function spendOverTimeQuery(d: SqlDialect, f: ReportFilter, period: Period): ReportQuery {
  const where = filterWhere(d, f, 'c', COSTS_DIMS, 'claude_costs');
  const day = `c.${d.ident('activity_date')}`;
  const bucket = period === 'day' ? day : d.dateTrunc(day, period);
  return {
    sql: `SELECT ${bucket} AS ${d.ident('period')}, ${d.sumExact(`c.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
            FROM ${d.table('claude_costs')} c
           WHERE ${where.sql}
           GROUP BY 1 ORDER BY 1`,
    params: where.params,
    columns: [col('period', period, 'date'), col('usd', 'cost_usd', 'usd')],
  };
}

export async function spendOverTime(wh: Warehouse, f: ReportFilter, period: Period): Promise<SpendOverTimeRow[]> {
  const rows = await wh.query(...sqlAndParams(spendOverTimeQuery(wh.dialect, f, period)));
  return rows.map((r) => ({ period: String(r.period), usd: exact(r.usd) }));
}

// ---------------------------------------------------------------- spend by dimension

export interface SpendByRow {
  /** The raw value: workspace id (null = default workspace), model (null = non-token costs) or cost_type. */
  key: string | null;
  /** A name for people: the workspace name, `default`, the model, `(no model)`. */
  name: string;
  usd: string;
}

export function spendByQuery(d: SqlDialect, f: ReportFilter, dim: SpendDimension): ReportQuery {
  const where = filterWhere(d, f, 'c', COSTS_DIMS, 'claude_costs');
  const keyCol = dim === 'workspace' ? 'workspace_id' : dim;
  // Aggregate first, then join names: a name lookup can never multiply cost rows.
  const inner = `SELECT c.${d.ident(keyCol)} AS ${d.ident('k')}, ${d.sumExact(`c.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
                   FROM ${d.table('claude_costs')} c WHERE ${where.sql} GROUP BY 1`;
  const k = `s.${d.ident('k')}`;
  let name: string;
  let join = '';
  const params = [...where.params];
  if (dim === 'workspace') {
    join = `LEFT JOIN ${d.table('claude_workspaces')} w ON w.${d.ident('id')} = ${k}`;
    name = `CASE WHEN ${k} IS NULL THEN ? ELSE COALESCE(w.${d.ident('name')}, ${k}) END`;
    params.push(DEFAULT_WORKSPACE);
  } else {
    name = `COALESCE(${k}, ?)`;
    params.push(dim === 'model' ? '(no model)' : '(none)');
  }
  return {
    sql: `SELECT ${k} AS ${d.ident('key')}, ${name} AS ${d.ident('name')}, s.${d.ident('usd')} AS ${d.ident('usd')}
            FROM (${inner}) s ${join}
           ORDER BY s.${d.ident('usd')} DESC, 2`,
    params: reorderForSelect(params, where.params.length),
    columns: [col('key', dim === 'workspace' ? 'workspace_id' : dim, 'text'), col('name', 'name', 'text'), col('usd', 'cost_usd', 'usd')],
  };
}

/**
 * The name's parameter appears in the outer SELECT, before the inner query's WHERE parameters in
 * the SQL text; `?` placeholders bind by position, so move it to the front.
 */
function reorderForSelect(params: unknown[], whereCount: number): unknown[] {
  return [...params.slice(whereCount), ...params.slice(0, whereCount)];
}

export async function spendBy(wh: Warehouse, f: ReportFilter, dim: SpendDimension): Promise<SpendByRow[]> {
  const rows = await wh.query(...sqlAndParams(spendByQuery(wh.dialect, f, dim)));
  return rows.map((r) => ({ key: r.key === null ? null : String(r.key), name: String(r.name), usd: exact(r.usd) }));
}

// ---------------------------------------------------------------- tokens by API key

export interface TokensByApiKeyRow extends TokenCounts {
  /** null = Console/Workbench usage without a key. */
  api_key_id: string | null;
  name: string;
  /**
   * Where the key belongs: its workspace's name, `default`, or `(organization)` for a key bound to a
   * principal with no workspace (whose workspace_id is null too: only scope tells them apart); null
   * for keyless Console usage.
   */
  workspace: string | null;
  /** uncached + cache read + both cache creations. */
  all_input_tokens: number;
  /** cache reads / all input tokens; null when there was no input. */
  cache_hit_rate: number | null;
}

/**
 * The keys of the range are the keys with usage or billed cost in it (as `report --by api_key`): a
 * key whose only spend was not tokens (code execution, web search) is listed with 0 tokens.
 */
/**
 * `usage`: the usage rows to count instead of the UTC days f.from..f.to (the dashboard's local days,
 * dashboard/api-local.ts: their read range, and a condition on alias u); the keys with billed cost
 * are still those of f's days.
 */
export function tokensByApiKeyQuery(d: SqlDialect, f: ReportFilter, usage?: { range: ReportFilter; sql: string; params: unknown[] }): ReportQuery {
  const base = filterWhere(d, usage?.range ?? f, 'u', { workspace: true, model: true }, 'claude_usage_keys');
  const where = usage ? { sql: `${base.sql} AND ${usage.sql}`, params: [...base.params, ...usage.params] } : base;
  const billed = filterWhere(d, f, 'c', { workspace: true, model: true }, 'claude_cost_by_key');
  const id = d.ident('api_key_id');
  const sums = TOKEN_COLUMNS.map((c) => `SUM(u.${d.ident(c)}) AS ${d.ident(c)}`).join(', ');
  const either = TOKEN_COLUMNS.map((c) => `COALESCE(t.${d.ident(c)}, 0) AS ${d.ident(c)}`).join(', ');
  const allInput = INPUT_TOKEN_COLUMNS.map((c) => `s.${d.ident(c)}`).join(' + ');
  const k = `s.${d.ident('api_key_id')}`;
  // `/` on integers is a floating-point division in both DuckDB and BigQuery: fine for a ratio.
  return {
    sql: `SELECT ${k} AS ${d.ident('api_key_id')},
                 CASE WHEN ${k} IS NULL THEN ? ELSE COALESCE(k.${d.ident('name')}, ${k}) END AS ${d.ident('name')},
                 ${keyWorkspace(d)} AS ${d.ident('workspace')},
                 ${TOKEN_COLUMNS.map((c) => `s.${d.ident(c)} AS ${d.ident(c)}`).join(', ')},
                 ${allInput} AS ${d.ident('all_input_tokens')},
                 CASE WHEN ${allInput} = 0 THEN NULL ELSE s.${d.ident('cache_read_input_tokens')} / (${allInput}) END AS ${d.ident('cache_hit_rate')}
            FROM (SELECT COALESCE(t.${id}, c.${id}) AS ${id}, ${either}
                    FROM (SELECT u.${id} AS ${id}, ${sums} FROM ${d.table('claude_usage_keys')} u WHERE ${where.sql} GROUP BY 1) t
                    FULL OUTER JOIN (SELECT DISTINCT c.${id} AS ${id} FROM ${d.table('claude_cost_by_key')} c WHERE ${billed.sql}) c
                      ON c.${id} IS NOT DISTINCT FROM t.${id}) s
            LEFT JOIN ${d.table('claude_api_keys')} k ON k.${d.ident('id')} = ${k}
            ${keyWorkspaceJoin(d)}
           ORDER BY ${allInput} + s.${d.ident('output_tokens')} DESC, 2`,
    params: [CONSOLE_KEY, ...where.params, ...billed.params],
    columns: [
      col('api_key_id', 'api_key_id', 'text'),
      col('name', 'name', 'text'),
      col('workspace', 'workspace', 'text'),
      ...TOKEN_COLUMNS.map((c) => col(c, c, 'int' as const)),
      col('all_input_tokens', 'all_input_tokens', 'int'),
      col('cache_hit_rate', 'cache_hit_rate', 'ratio'),
    ],
  };
}

/** The workspace column of the key report (see TokensByApiKeyRow.workspace). */
export function keyWorkspace(d: SqlDialect): string {
  const kc = (c: string) => `k.${d.ident(c)}`;
  // The workspace list does not include the default workspace, so a key whose workspace (scope's
  // real id, or the deprecated workspace_id) is not in it belongs to the default one.
  return `CASE WHEN ${kc('id')} IS NULL THEN NULL
               WHEN ${kc('scope_type')} = 'organization' THEN '(organization)'
               WHEN w.${d.ident('name')} IS NOT NULL THEN w.${d.ident('name')}
               ELSE '${DEFAULT_WORKSPACE}' END`;
}

/** The workspace a key belongs to: scope's real id where the API sends it, else the deprecated workspace_id. */
export function keyWorkspaceJoin(d: SqlDialect): string {
  return `LEFT JOIN ${d.table('claude_workspaces')} w ON w.${d.ident('id')} = COALESCE(k.${d.ident('scope_workspace_id')}, k.${d.ident('workspace_id')}) AND w.${d.ident('organization_id')} = k.${d.ident('organization_id')}`;
}

export async function tokensByApiKey(wh: Warehouse, f: ReportFilter, usage?: Parameters<typeof tokensByApiKeyQuery>[2]): Promise<TokensByApiKeyRow[]> {
  const rows = await wh.query(...sqlAndParams(tokensByApiKeyQuery(wh.dialect, f, usage)));
  return rows.map((r) => {
    const out: Record<string, unknown> = {
      api_key_id: r.api_key_id === null ? null : String(r.api_key_id),
      name: String(r.name),
      workspace: r.workspace === null ? null : String(r.workspace),
      all_input_tokens: int(r.all_input_tokens),
      cache_hit_rate: r.cache_hit_rate === null ? null : Number(r.cache_hit_rate),
    };
    for (const c of TOKEN_COLUMNS) out[c] = int(r[c]);
    return out as unknown as TokensByApiKeyRow;
  });
}

// ---------------------------------------------------------------- Claude Code per user

export interface ClaudeCodeUserRow {
  actor_type: string;
  /** Email (user_actor) or API key name (api_actor). */
  actor: string;
  /** The member's display name when claude_users knows the email, else the actor. */
  name: string;
  sessions: number;
  lines_added: number;
  lines_removed: number;
  commits: number;
  pull_requests: number;
  tool_accepted: number;
  tool_rejected: number;
  /** accepted / (accepted + rejected) over the edit, multi-edit, write and notebook-edit tools; null without any. */
  tool_acceptance_rate: number | null;
  /** ESTIMATE from claude_code_model_usage, exact dollars. Not billing data: never add it to costs. */
  estimated_cost_usd_estimate: string;
}

export const ESTIMATE_HEADER = 'estimated_cost_usd (estimate)';

export function claudeCodeByUserQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const wp = filterWhere(d, f, 'p', { workspace: false, model: false }, 'Claude Code per-user data');
  const wm = filterWhere(d, f, 'm', { workspace: false, model: false }, 'Claude Code per-user data');
  const i = (c: string) => d.ident(c);
  const sum = (cols: string[]) => `SUM(${cols.map((c) => `p.${i(c)}`).join(' + ')})`;
  const metrics: Array<[string, string]> = [
    ['sessions', 'SUM(p.' + i('num_sessions') + ')'],
    ['lines_added', `SUM(p.${i('lines_added')})`],
    ['lines_removed', `SUM(p.${i('lines_removed')})`],
    ['commits', `SUM(p.${i('commits')})`],
    ['pull_requests', `SUM(p.${i('pull_requests')})`],
    ['tool_accepted', sum(TOOL_ACCEPTED)],
    ['tool_rejected', sum(TOOL_REJECTED)],
  ];
  const actorType = `COALESCE(a.${i('actor_type')}, e.${i('actor_type')})`;
  const actor = `COALESCE(a.${i('actor_id')}, e.${i('actor_id')})`;
  const acc = `COALESCE(a.${i('tool_accepted')}, 0)`;
  const rej = `COALESCE(a.${i('tool_rejected')}, 0)`;
  // Cents → dollars exactly: DECIMAL(38,12) × 0.01 is DECIMAL(38,14) (division would give a float).
  // The factor is cast because a bare 0.01 is a FLOAT64 in BigQuery, which would make the product a float.
  const estimate = `COALESCE(e.${i('cents')}, 0) * CAST('0.01' AS DECIMAL(3, 2))`;
  return {
    sql: `SELECT ${actorType} AS ${i('actor_type')}, ${actor} AS ${i('actor')},
                 COALESCE(us.${i('name')}, ${actor}) AS ${i('name')},
                 ${metrics.map(([n]) => `COALESCE(a.${i(n)}, 0) AS ${i(n)}`).join(', ')},
                 CASE WHEN ${acc} + ${rej} = 0 THEN NULL ELSE ${acc} / (${acc} + ${rej}) END AS ${i('tool_acceptance_rate')},
                 ${estimate} AS ${i('estimated_cost_usd_estimate')}
            FROM (SELECT p.${i('actor_type')} AS ${i('actor_type')}, p.${i('actor_id')} AS ${i('actor_id')},
                         ${metrics.map(([n, e]) => `${e} AS ${i(n)}`).join(', ')}
                    FROM ${d.table('claude_code_productivity')} p WHERE ${wp.sql} GROUP BY 1, 2) a
            FULL OUTER JOIN
                 (SELECT m.${i('actor_type')} AS ${i('actor_type')}, m.${i('actor_id')} AS ${i('actor_id')}, ${d.sumExact(`m.${i('estimated_cost_cents')}`)} AS ${i('cents')}
                    FROM ${d.table('claude_code_model_usage')} m WHERE ${wm.sql} GROUP BY 1, 2) e
              ON e.${i('actor_type')} = a.${i('actor_type')} AND e.${i('actor_id')} = a.${i('actor_id')}
            LEFT JOIN ${d.table('claude_users')} us ON ${actorType} = 'user_actor' AND us.${i('email')} = ${actor}
           ORDER BY 4 DESC, 2, 1`,
    params: [...wp.params, ...wm.params],
    columns: [
      col('actor_type', 'actor_type', 'text'),
      col('actor', 'actor', 'text'),
      col('name', 'name', 'text'),
      ...metrics.map(([n]) => col(n, n, 'int' as const)),
      col('tool_acceptance_rate', 'tool_acceptance_rate', 'ratio'),
      col('estimated_cost_usd_estimate', ESTIMATE_HEADER, 'usd'),
    ],
  };
}

export async function claudeCodeByUser(wh: Warehouse, f: ReportFilter): Promise<ClaudeCodeUserRow[]> {
  const rows = await wh.query(...sqlAndParams(claudeCodeByUserQuery(wh.dialect, f)));
  return rows.map((r) => ({
    actor_type: String(r.actor_type),
    actor: String(r.actor),
    name: String(r.name),
    sessions: int(r.sessions),
    lines_added: int(r.lines_added),
    lines_removed: int(r.lines_removed),
    commits: int(r.commits),
    pull_requests: int(r.pull_requests),
    tool_accepted: int(r.tool_accepted),
    tool_rejected: int(r.tool_rejected),
    tool_acceptance_rate: r.tool_acceptance_rate === null ? null : Number(r.tool_acceptance_rate),
    estimated_cost_usd_estimate: exact(r.estimated_cost_usd_estimate),
  }));
}

// ---------------------------------------------------------------- totals and span

export interface SpendTotal {
  usd: string;
  cents: string;
  /** Days with at least one cost row. */
  days: number;
}

export async function totalSpend(wh: Warehouse, f: ReportFilter): Promise<SpendTotal> {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'c', COSTS_DIMS, 'claude_costs');
  const [r] = await wh.query(
    `SELECT ${d.toText(`COALESCE(${d.sumExact(`c.${d.ident('amount_usd')}`)}, 0)`)} AS ${d.ident('usd')},
            ${d.toText(`COALESCE(${d.sumExact(`c.${d.ident('amount_cents')}`)}, 0)`)} AS ${d.ident('cents')},
            COUNT(DISTINCT c.${d.ident('activity_date')}) AS ${d.ident('days')}
       FROM ${d.table('claude_costs')} c WHERE ${where.sql}`,
    where.params,
  );
  // toText may keep the column's trailing zeros; canonical text compares equal across warehouses.
  return { usd: canonicalDecimal(exact(r?.usd)), cents: canonicalDecimal(exact(r?.cents)), days: int(r?.days ?? 0) };
}

/** First and last activity_date across the fact and totals tables; null for an empty warehouse. */
export async function dataSpan(wh: Warehouse): Promise<DayRange | null> {
  const d = wh.dialect;
  // (Not a reader-optional table a read-only open lacks: allocation-tables.ts.)
  const tables = Object.values(TABLES).filter((t) => (t.kind === 'fact' || t.kind === 'totals') && t.columns.some((c) => c.name === 'activity_date') && !wh.lacks?.(t.name));
  const union = tables
    .map(
      (t) =>
        `SELECT MIN(${d.ident('activity_date')}) AS ${d.ident('lo')}, MAX(${d.ident('activity_date')}) AS ${d.ident('hi')} FROM ${d.table(t.name)} WHERE ${d.allDays(d.ident('activity_date'))}`,
    )
    .join(' UNION ALL ');
  const [r] = await wh.query(`SELECT MIN(${d.ident('lo')}) AS ${d.ident('lo')}, MAX(${d.ident('hi')}) AS ${d.ident('hi')} FROM (${union}) x`);
  if (!r || r.lo === null || r.hi === null) return null;
  return { from: dayCell(r.lo), to: dayCell(r.hi) };
}

// ---------------------------------------------------------------- helpers

export function sqlAndParams(q: { sql: string; params: unknown[] }): [string, unknown[]] {
  return [q.sql, q.params];
}


