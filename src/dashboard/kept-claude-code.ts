/**
 * `/api/claude-code`'s range-long figures from month parts kept beside the DuckDB file (day-parts.ts),
 * so the first start after a daily run reads claude_code_productivity only for the months the run
 * wrote: tool decisions per tool (sums), the distinct actors of the range (the union of each month's
 * SETS of actors, never a sum of counts) and Claude Code per user (report --by user's query: each
 * month's sums per actor from claude_code_productivity and claude_code_model_usage, added exactly,
 * joined and named as the query does, ordered by sessions, then actor and actor type). Where no
 * parts are kept, the report queries run as before.
 */
import { claudeCodeActiveActors, toolAcceptance, TOOLS, type ToolAcceptanceRow } from '../reports/dashboard-queries.js';
import { exact, int } from '../reports/cells.js';
import { filterWhere, type ReportFilter } from '../reports/filter.js';
import { claudeCodeByUser, type ClaudeCodeUserRow } from '../reports/queries.js';
import { multiplyDecimal, sumDecimals } from '../util/money.js';
import { TABLES } from '../warehouse/tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { DayParts } from './day-parts.js';

const CC_DIMS = { workspace: false, model: false };
const TOOL_ACCEPTED = TABLES.claude_code_productivity.columns.filter((c) => c.name.endsWith('_tool_accepted')).map((c) => c.name);
const TOOL_REJECTED = TABLES.claude_code_productivity.columns.filter((c) => c.name.endsWith('_tool_rejected')).map((c) => c.name);

/** toolAcceptance(wh, f), from kept month parts where there are any. */
export async function keptToolAcceptance(parts: DayParts | undefined, wh: Warehouse, f: ReportFilter): Promise<ToolAcceptanceRow[]> {
  const months = parts ? await parts.monthly(wh, 'toolAcceptance', ['claude_code_productivity'], f, async (g) => ({ tools: await toolAcceptance(wh, g) })) : null;
  if (!months) return toolAcceptance(wh, f);
  return TOOLS.map((tool) => {
    let accepted = 0;
    let rejected = 0;
    for (const m of months) {
      const t = m.tools.find((x) => x.tool === tool)!;
      accepted += t.accepted;
      rejected += t.rejected;
    }
    return { tool, accepted, rejected, acceptance_rate: accepted + rejected === 0 ? null : accepted / (accepted + rejected) };
  });
}

/** claudeCodeActiveActors(wh, f): the distinct actors of each month kept as sets, their union counted. */
export async function keptActiveActors(parts: DayParts | undefined, wh: Warehouse, f: ReportFilter): Promise<{ users: number; apiActors: number }> {
  const months = parts ? await parts.monthly(wh, 'activeActors', ['claude_code_productivity'], f, (g) => actorSets(wh, g)) : null;
  if (!months) return claudeCodeActiveActors(wh, f);
  const users = new Set(months.flatMap((m) => m.users));
  const apiActors = new Set(months.flatMap((m) => m.apiActors));
  return { users: users.size, apiActors: apiActors.size };
}

async function actorSets(wh: Warehouse, f: ReportFilter): Promise<{ users: string[]; apiActors: string[] }> {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'p', CC_DIMS, 'Claude Code data');
  const rows = await wh.query(
    `SELECT DISTINCT p.${d.ident('actor_type')} AS ${d.ident('t')}, p.${d.ident('actor_id')} AS ${d.ident('a')}
       FROM ${d.table('claude_code_productivity')} p
      WHERE ${where.sql} AND p.${d.ident('actor_type')} IN ('user_actor', 'api_actor') AND p.${d.ident('actor_id')} IS NOT NULL`,
    where.params,
  );
  const of = (t: string) => rows.filter((r) => r.t === t).map((r) => String(r.a));
  return { users: of('user_actor'), apiActors: of('api_actor') };
}

const METRICS = ['sessions', 'lines_added', 'lines_removed', 'commits', 'pull_requests', 'tool_accepted', 'tool_rejected'] as const;
type Metric = (typeof METRICS)[number];

interface UserSums {
  /** [actor_type, actor_id, ...the seven metric sums] from claude_code_productivity. */
  activity: Array<[string, string, ...number[]]>;
  /** [actor_type, actor_id, exact estimated cents] from claude_code_model_usage. */
  estimate: Array<[string, string, string]>;
}

async function userSums(wh: Warehouse, f: ReportFilter): Promise<UserSums> {
  const d = wh.dialect;
  const i = (c: string) => d.ident(c);
  const wp = filterWhere(d, f, 'p', CC_DIMS, 'Claude Code per-user data');
  const wm = filterWhere(d, f, 'm', CC_DIMS, 'Claude Code per-user data');
  const sum = (cols: string[]) => `SUM(${cols.map((c) => `p.${i(c)}`).join(' + ')})`;
  const exprs: Record<Metric, string> = {
    sessions: `SUM(p.${i('num_sessions')})`,
    lines_added: `SUM(p.${i('lines_added')})`,
    lines_removed: `SUM(p.${i('lines_removed')})`,
    commits: `SUM(p.${i('commits')})`,
    pull_requests: `SUM(p.${i('pull_requests')})`,
    tool_accepted: sum(TOOL_ACCEPTED),
    tool_rejected: sum(TOOL_REJECTED),
  };
  const [a, e] = await Promise.all([
    wh.query(
      `SELECT p.${i('actor_type')} AS ${i('t')}, p.${i('actor_id')} AS ${i('a')}, ${METRICS.map((m) => `${exprs[m]} AS ${i(m)}`).join(', ')}
         FROM ${d.table('claude_code_productivity')} p WHERE ${wp.sql} GROUP BY 1, 2`,
      wp.params,
    ),
    wh.query(
      `SELECT m.${i('actor_type')} AS ${i('t')}, m.${i('actor_id')} AS ${i('a')}, ${d.sumExact(`m.${i('estimated_cost_cents')}`)} AS ${i('cents')}
         FROM ${d.table('claude_code_model_usage')} m WHERE ${wm.sql} GROUP BY 1, 2`,
      wm.params,
    ),
  ]);
  // The report's FULL OUTER JOIN matches on actor type and id with `=`: a NULL on either side never matches; such rows are left to the report's query.
  if ([...a, ...e].some((r) => r.t === null || r.a === null)) throw new UnkeptShape();
  return {
    activity: a.map((r) => [String(r.t), String(r.a), ...METRICS.map((m) => int(r[m]))] as [string, string, ...number[]]),
    estimate: e.map((r) => [String(r.t), String(r.a), exact(r.cents)]),
  };
}

/** Data this module does not combine exactly (the caller asks the report's query instead). */
class UnkeptShape extends Error {}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** claudeCodeByUser(wh, f), from kept month parts where there are any. */
export async function keptClaudeCodeByUser(parts: DayParts | undefined, wh: Warehouse, f: ReportFilter): Promise<ClaudeCodeUserRow[]> {
  let months: UserSums[] | null = null;
  try {
    months = parts ? await parts.monthly(wh, 'claudeCodeByUser', ['claude_code_productivity', 'claude_code_model_usage'], f, (g) => userSums(wh, g)) : null;
  } catch (err) {
    if (!(err instanceof UnkeptShape)) throw err;
  }
  if (!months) return claudeCodeByUser(wh, f);
  const key = (t: string, a: string) => JSON.stringify([t, a]);
  const acts = new Map<string, { t: string; a: string; sums: number[] }>();
  const cents = new Map<string, { t: string; a: string; parts: string[] }>();
  for (const m of months) {
    for (const [t, a, ...sums] of m.activity) {
      const k = key(t, a);
      const got = acts.get(k);
      if (got) sums.forEach((v, i) => (got.sums[i]! += v));
      else acts.set(k, { t, a, sums: [...sums] });
    }
    for (const [t, a, c] of m.estimate) {
      const k = key(t, a);
      const got = cents.get(k);
      if (got) got.parts.push(c);
      else cents.set(k, { t, a, parts: [c] });
    }
  }
  const d = wh.dialect;
  const users = await wh.query(`SELECT ${d.ident('email')} AS ${d.ident('email')}, ${d.ident('name')} AS ${d.ident('name')} FROM ${d.table('claude_users')}`);
  const names = new Map<string, string | null>();
  for (const u of users) {
    if (u.email === null) continue;
    // Two members with one email would repeat the report's rows (a LEFT JOIN): leave that to its query.
    if (names.has(String(u.email))) return claudeCodeByUser(wh, f);
    names.set(String(u.email), u.name === null ? null : String(u.name));
  }
  const rows: ClaudeCodeUserRow[] = [];
  for (const k of new Set([...acts.keys(), ...cents.keys()])) {
    const act = acts.get(k);
    const est = cents.get(k);
    const t = act?.t ?? est!.t;
    const a = act?.a ?? est!.a;
    const s = act?.sums ?? METRICS.map(() => 0);
    const [sessions, lines_added, lines_removed, commits, pull_requests, acc, rej] = s as [number, number, number, number, number, number, number];
    rows.push({
      actor_type: t,
      actor: a,
      name: (t === 'user_actor' ? names.get(a) : undefined) ?? a,
      sessions,
      lines_added,
      lines_removed,
      commits,
      pull_requests,
      tool_accepted: acc,
      tool_rejected: rej,
      tool_acceptance_rate: acc + rej === 0 ? null : acc / (acc + rej),
      estimated_cost_usd_estimate: est ? multiplyDecimal(sumDecimals(est.parts), '0.01') : '0',
    });
  }
  return rows.sort((x, y) => y.sessions - x.sessions || byBytes(x.actor, y.actor) || byBytes(x.actor_type, y.actor_type));
}
