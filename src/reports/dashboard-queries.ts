/**
 * The extra queries the dashboard needs beyond src/reports/queries.ts: spend per day split by
 * workspace or model, Claude Code activity per day, and tool acceptance per tool. Built like the
 * report queries (dialect-quoted tables, `?` parameters, the activity_date filter from filterWhere so
 * BigQuery prunes partitions). Totals, names and per-entity figures still come from queries.ts.
 */
import { TABLES } from '../warehouse/tables.js';
import type { SqlDialect, Warehouse } from '../warehouse/warehouse.js';
import { exact, int } from './cells.js';
import { filterWhere, type ReportFilter } from './filter.js';
import { sqlAndParams, type ReportQuery } from './queries.js';

export type StackDimension = 'workspace' | 'model';

// ---------------------------------------------------------------- spend per day × workspace or model

export interface SpendByDayRow {
  day: string;
  /** Workspace id (null = default workspace) or model (null = non-token costs). */
  key: string | null;
  /** Exact dollars. */
  usd: string;
}

export function spendByDayQuery(d: SqlDialect, f: ReportFilter, dim: StackDimension): ReportQuery {
  const where = filterWhere(d, f, 'c', { workspace: true, model: true }, 'claude_costs');
  const keyCol = dim === 'workspace' ? 'workspace_id' : 'model';
  return {
    sql: `SELECT c.${d.ident('activity_date')} AS ${d.ident('day')}, c.${d.ident(keyCol)} AS ${d.ident('key')},
                 ${d.sumExact(`c.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
            FROM ${d.table('claude_costs')} c
           WHERE ${where.sql}
           GROUP BY 1, 2 ORDER BY 1, 2`,
    params: where.params,
    columns: [
      { name: 'day', header: 'day', kind: 'date' },
      { name: 'key', header: dim === 'workspace' ? 'workspace_id' : 'model', kind: 'text' },
      { name: 'usd', header: 'cost_usd', kind: 'usd' },
    ],
  };
}

export async function spendByDay(wh: Warehouse, f: ReportFilter, dim: StackDimension): Promise<SpendByDayRow[]> {
  const rows = await wh.query(...sqlAndParams(spendByDayQuery(wh.dialect, f, dim)));
  return rows.map((r) => ({ day: String(r.day), key: r.key === null ? null : String(r.key), usd: exact(r.usd) }));
}

// ---------------------------------------------------------------- Claude Code per day

export interface ClaudeCodeDayRow {
  day: string;
  /** Distinct user_actor actors with a record that day. */
  active_users: number;
  /** Distinct api_actor actors (API keys) with a record that day. */
  active_api_actors: number;
  sessions: number;
  lines_added: number;
  lines_removed: number;
  commits: number;
  pull_requests: number;
}

const CC_DIMS = { workspace: false, model: false };

function activeActors(d: SqlDialect, actorType: 'user_actor' | 'api_actor'): string {
  return `COUNT(DISTINCT CASE WHEN p.${d.ident('actor_type')} = '${actorType}' THEN p.${d.ident('actor_id')} END)`;
}

const CC_SUMS: Array<[alias: string, column: string]> = [
  ['sessions', 'num_sessions'],
  ['lines_added', 'lines_added'],
  ['lines_removed', 'lines_removed'],
  ['commits', 'commits'],
  ['pull_requests', 'pull_requests'],
];

export function claudeCodeDailyQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const where = filterWhere(d, f, 'p', CC_DIMS, 'Claude Code data');
  return {
    sql: `SELECT p.${d.ident('activity_date')} AS ${d.ident('day')},
                 ${activeActors(d, 'user_actor')} AS ${d.ident('active_users')},
                 ${activeActors(d, 'api_actor')} AS ${d.ident('active_api_actors')},
                 ${CC_SUMS.map(([a, c]) => `SUM(p.${d.ident(c)}) AS ${d.ident(a)}`).join(', ')}
            FROM ${d.table('claude_code_productivity')} p
           WHERE ${where.sql}
           GROUP BY 1 ORDER BY 1`,
    params: where.params,
    columns: [
      { name: 'day', header: 'day', kind: 'date' },
      { name: 'active_users', header: 'active_users', kind: 'int' },
      { name: 'active_api_actors', header: 'active_api_actors', kind: 'int' },
      ...CC_SUMS.map(([a]) => ({ name: a, header: a, kind: 'int' as const })),
    ],
  };
}

export async function claudeCodeDaily(wh: Warehouse, f: ReportFilter): Promise<ClaudeCodeDayRow[]> {
  const rows = await wh.query(...sqlAndParams(claudeCodeDailyQuery(wh.dialect, f)));
  return rows.map((r) => ({
    day: String(r.day),
    active_users: int(r.active_users),
    active_api_actors: int(r.active_api_actors),
    sessions: int(r.sessions),
    lines_added: int(r.lines_added),
    lines_removed: int(r.lines_removed),
    commits: int(r.commits),
    pull_requests: int(r.pull_requests),
  }));
}

/** Distinct actors over the whole range (not the sum of the daily counts). */
export async function claudeCodeActiveActors(wh: Warehouse, f: ReportFilter): Promise<{ users: number; apiActors: number }> {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'p', CC_DIMS, 'Claude Code data');
  const [r] = await wh.query(
    `SELECT ${activeActors(d, 'user_actor')} AS ${d.ident('users')}, ${activeActors(d, 'api_actor')} AS ${d.ident('api_actors')}
       FROM ${d.table('claude_code_productivity')} p WHERE ${where.sql}`,
    where.params,
  );
  return { users: int(r?.users), apiActors: int(r?.api_actors) };
}

// ---------------------------------------------------------------- tool acceptance per tool

/** The tools with fixed accept/reject columns, from the table definition: edit, multi_edit, write, notebook_edit. */
export const TOOLS = TABLES.claude_code_productivity.columns
  .filter((c) => c.name.endsWith('_tool_accepted'))
  .map((c) => c.name.replace(/_tool_accepted$/, ''));

export interface ToolAcceptanceRow {
  tool: string;
  accepted: number;
  rejected: number;
  /** accepted / (accepted + rejected); null without any decision. */
  acceptance_rate: number | null;
}

export function toolAcceptanceQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const where = filterWhere(d, f, 'p', CC_DIMS, 'Claude Code data');
  const sums = TOOLS.flatMap((t) => [
    `SUM(p.${d.ident(`${t}_tool_accepted`)}) AS ${d.ident(`${t}_accepted`)}`,
    `SUM(p.${d.ident(`${t}_tool_rejected`)}) AS ${d.ident(`${t}_rejected`)}`,
  ]);
  return {
    sql: `SELECT ${sums.join(', ')} FROM ${d.table('claude_code_productivity')} p WHERE ${where.sql}`,
    params: where.params,
    columns: TOOLS.flatMap((t) => [
      { name: `${t}_accepted`, header: `${t}_accepted`, kind: 'int' as const },
      { name: `${t}_rejected`, header: `${t}_rejected`, kind: 'int' as const },
    ]),
  };
}

export async function toolAcceptance(wh: Warehouse, f: ReportFilter): Promise<ToolAcceptanceRow[]> {
  const [r] = await wh.query(...sqlAndParams(toolAcceptanceQuery(wh.dialect, f)));
  return TOOLS.map((tool) => {
    const accepted = int(r?.[`${tool}_accepted`]);
    const rejected = int(r?.[`${tool}_rejected`]);
    return { tool, accepted, rejected, acceptance_rate: accepted + rejected === 0 ? null : accepted / (accepted + rejected) };
  });
}

// ---------------------------------------------------------------- helpers


