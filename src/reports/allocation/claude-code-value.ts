/**
 * `report --by team --product claude_code`: the value of Claude Code per team (or person, or any
 * allocation grouping): the billed Claude Code cost (Analytics API, product claude_code, allocated by
 * the rules) beside the Claude Code report's activity (sessions, lines added, accepted edits,
 * commits, pull requests) and the cost per session, commit and pull request. People are joined on
 * their email (a key alone on its name). Activity is given to a team by the same rules, tried as a
 * claude_code cost of that person on that day (a rule on a key, workspace or model cannot see it; a
 * split rule's person shows as "(split)"). People with activity but no billed cost (subscription
 * seats) and billed cost with no activity are counted (per person: flagged), never hidden.
 */
import type { QueryRow, Warehouse } from '../../warehouse/warehouse.js';
import { ReportInputError, filterWhere, type ReportFilter } from '../filter.js';
import type { ReportColumn } from '../queries.js';
import type { ReportResult } from '../registry.js';
import { allocate, type AllocatedLine } from './engine.js';
import { personOf, readProductFacts, type AllocationFact } from './facts.js';
import { readKeptProductLines } from './materialised-lines.js';
import { compileRules, firstMatch, type AllocationRules } from './rules.js';
import { columnValue, compareKeys, usdOf, type Key } from './summary.js';

export interface ActivityRow {
  day: string;
  organizationId: string | null;
  actorType: string;
  actor: string;
  /** The user id claude_users gives the actor's email (in its organization), so a rule on `user: user_…` matches; null where unknown. */
  userId: string | null;
  sessions: number;
  linesAdded: number;
  accepted: number;
  commits: number;
  pullRequests: number;
}

const CLAUDE_CODE = 'claude_code';
const ACCEPTED = ['edit_tool_accepted', 'multi_edit_tool_accepted', 'write_tool_accepted', 'notebook_edit_tool_accepted'];

/**
 * The Claude Code report's activity per day and person; `overDays`: summed over the range (day: the
 * person's first day), enough when no rule has dates (a rule is then the same on every day).
 */
export async function readClaudeCodeActivity(wh: Warehouse, f: ReportFilter, overDays = false): Promise<ActivityRow[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const w = filterWhere(d, { ...f, workspaceIds: [], models: [] }, 'p', { workspace: false, model: false }, 'Claude Code activity');
  // Claude Code names a user by email only: the users list gives the id a rule may name (emails compared case-insensitively).
  // The actor type is inside the join key, not beside it: a left-side-only condition in a LEFT JOIN's ON
  // made DuckDB compare every row with every user (45 s over a large year; 1.3 s as a hash join).
  const rows = await wh.query(
    `SELECT ${overDays ? `MIN(p.${i('activity_date')})` : `p.${i('activity_date')}`} AS ${i('day')}, p.${i('organization_id')} AS ${i('org')}, p.${i('actor_type')} AS ${i('actor_type')}, p.${i('actor_id')} AS ${i('actor')},
            u.${i('id')} AS ${i('user_id')}, SUM(p.${i('num_sessions')}) AS ${i('sessions')}, SUM(p.${i('lines_added')}) AS ${i('lines_added')},
            SUM(${ACCEPTED.map((c) => `p.${i(c)}`).join(' + ')}) AS ${i('accepted')},
            SUM(p.${i('commits')}) AS ${i('commits')}, SUM(p.${i('pull_requests')}) AS ${i('prs')}
       FROM ${d.table('claude_code_productivity')} p
       LEFT JOIN (SELECT ${i('organization_id')} AS ${i('org')}, LOWER(${i('email')}) AS ${i('email')}, MIN(${i('id')}) AS ${i('id')}
                    FROM ${d.table('claude_users')} WHERE ${i('email')} IS NOT NULL GROUP BY 1, 2) u
         ON u.${i('email')} = CASE WHEN p.${i('actor_type')} = 'user_actor' THEN LOWER(p.${i('actor_id')}) END AND u.${i('org')} IS NOT DISTINCT FROM p.${i('organization_id')}
      WHERE ${w.sql}
      GROUP BY ${overDays ? '2, 3, 4, 5' : '1, 2, 3, 4, 5'}`,
    w.params,
  );
  const n = (v: QueryRow[string] | undefined) => Number(v ?? 0);
  return rows.map((r) => ({
    day: String(r.day),
    organizationId: r.org === null || r.org === undefined ? null : String(r.org),
    actorType: String(r.actor_type),
    actor: String(r.actor),
    userId: r.user_id === null || r.user_id === undefined ? null : String(r.user_id),
    sessions: n(r.sessions),
    linesAdded: n(r.lines_added),
    accepted: n(r.accepted),
    commits: n(r.commits),
    pullRequests: n(r.prs),
  }));
}

interface Person {
  keys: Key[];
  billed: bigint;
  sessions: number;
  linesAdded: number;
  accepted: number;
  commits: number;
  pullRequests: number;
}

const MEASURES = ['sessions', 'linesAdded', 'accepted', 'commits', 'pullRequests'] as const;

function checkValueBy(rules: AllocationRules, by: readonly string[]): void {
  const allowed = [...rules.dimensions, 'person'];
  const bad = by.filter((b) => !allowed.includes(b));
  if (bad.length > 0) throw new ReportInputError(`--product claude_code groups by ${allowed.join(', ')}, not ${bad.join(', ')}`);
}

export function claudeCodeValueOf(rules: AllocationRules, facts: readonly AllocationFact[], activity: readonly ActivityRow[], by: readonly string[], filter: ReportFilter): ReportResult {
  checkValueBy(rules, by);
  return claudeCodeValueOfLines(rules, allocate(rules, facts.filter((f) => f.product === CLAUDE_CODE)).lines, activity, by, filter);
}

/** The value of lines already allocated: the engine's over claude_code's facts, or the kept ones (materialised-lines.ts). */
export function claudeCodeValueOfLines(rules: AllocationRules, lines: readonly AllocatedLine[], activity: readonly ActivityRow[], by: readonly string[], filter: ReportFilter): ReportResult {
  checkValueBy(rules, by);
  const dims = by.filter((b) => b !== 'person');
  const people = new Map<string, Person>();
  const personOfKey = (keys: Key[], person: string): Person => {
    const id = `${keys.map((k) => k ?? '\u0001').join('\u0000')}\u0000${person.toLowerCase()}`;
    let p = people.get(id);
    if (!p) people.set(id, (p = { keys: [...keys, person], billed: 0n, sessions: 0, linesAdded: 0, accepted: 0, commits: 0, pullRequests: 0 }));
    return p;
  };
  const getters = dims.map((d) => columnValue(rules, d));
  for (const l of lines) personOfKey(getters.map((g) => g(l)), personOf(l.fact) ?? '').billed += l.billed;
  const compiled = compileRules(rules.rules);
  const base = rules.dimensions.map((d) => rules.unallocated[d] ?? 'Unallocated');
  for (const a of activity) {
    const user = a.actorType === 'user_actor';
    const probe: AllocationFact = {
      day: a.day, organizationId: a.organizationId, source: 'analytics', actorType: user ? 'user_actor' : a.actorType, actorId: user ? a.userId : null,
      userEmail: user ? a.actor : null, serviceAccountName: null, apiKeyId: null, apiKeyName: user ? null : a.actor,
      workspaceId: null, workspaceName: null, product: 'claude_code', model: null, costType: null, billed: 0n, list: 0n,
    };
    const hit = firstMatch(compiled, probe);
    const values = rules.dimensions.map((d, k) => (!hit ? base[k]! : hit.rule.split?.by === d ? '(split)' : (hit.rule.set[d] ?? base[k]!)));
    const p = personOfKey(dims.map((d) => values[rules.dimensions.indexOf(d)]!), a.actor);
    for (const m of MEASURES) p[m] += a[m];
  }
  // Roll people up to the asked grouping, counting the flags.
  const perPerson = by.includes('person');
  const groups = new Map<string, Person & { people: number; activityOnly: number; billedOnly: number }>();
  for (const p of people.values()) {
    const keys = perPerson ? by.map((b) => (b === 'person' ? p.keys[dims.length]! : p.keys[dims.indexOf(b)]!)) : p.keys.slice(0, dims.length);
    const id = keys.map((k) => k ?? '\u0001').join('\u0000');
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keys, billed: 0n, sessions: 0, linesAdded: 0, accepted: 0, commits: 0, pullRequests: 0, people: 0, activityOnly: 0, billedOnly: 0 }));
    g.billed += p.billed;
    for (const m of MEASURES) g[m] += p[m];
    g.people++;
    if (p.billed === 0n && p.sessions > 0) g.activityOnly++;
    if (p.billed !== 0n && p.sessions === 0) g.billedOnly++;
  }
  const per = (billed: bigint, n: number) => (n > 0 ? usdOf(billed / BigInt(n)) : null);
  const col = (name: string, kind: ReportColumn['kind']): ReportColumn => ({ name, header: name, kind });
  const columns: ReportColumn[] = [
    ...by.map((b) => col(b, 'text')),
    col('claude_code_billed_usd', 'usd'),
    col('sessions', 'int'),
    col('lines_added', 'int'),
    col('edits_accepted', 'int'),
    col('commits', 'int'),
    col('pull_requests', 'int'),
    col('usd_per_session', 'usd'),
    col('usd_per_commit', 'usd'),
    col('usd_per_pull_request', 'usd'),
    ...(perPerson ? [col('flag', 'text')] : [col('people', 'int'), col('activity_without_billed_cost', 'int'), col('billed_cost_without_activity', 'int')]),
  ];
  const rows: QueryRow[] = [...groups.values()]
    .sort((a, b) => (a.billed !== b.billed ? (a.billed > b.billed ? -1 : 1) : compareKeys(a.keys, b.keys)))
    .map((g) => ({
      ...Object.fromEntries(by.map((b, k) => [b, g.keys[k] ?? null])),
      claude_code_billed_usd: usdOf(g.billed),
      sessions: g.sessions,
      lines_added: g.linesAdded,
      edits_accepted: g.accepted,
      commits: g.commits,
      pull_requests: g.pullRequests,
      usd_per_session: per(g.billed, g.sessions),
      usd_per_commit: per(g.billed, g.commits),
      usd_per_pull_request: per(g.billed, g.pullRequests),
      ...(perPerson
        ? { flag: g.activityOnly > 0 ? 'activity without billed cost (subscription seat?)' : g.billedOnly > 0 ? 'billed cost without activity' : null }
        : { people: g.people, activity_without_billed_cost: g.activityOnly, billed_cost_without_activity: g.billedOnly }),
    }));
  return {
    report: 'claude_code_value',
    title: `The value of Claude Code by ${by.join(' × ')}: billed cost (Analytics API, allocation rules ${rules.hash}) beside activity (Claude Code report); per-unit costs truncated to the sub-cent`,
    filter,
    columns,
    rows,
  };
}

/** Whether a rule has from/to dates (then the activity is needed day by day to find its rule). */
export function hasDatedRules(rules: AllocationRules): boolean {
  return rules.rules.some((r) => r.from !== undefined || r.to !== undefined);
}

/**
 * Claude Code's allocated lines for the value: from the kept lines when they are what the engine
 * gives over claude_code's facts alone (materialised-lines.ts says when), else from the engine
 * (`slow` is told why). `current`: the kept lines' currency for a range holding `filter`, when the
 * caller checks it anyway.
 */
export async function claudeCodeLines(wh: Warehouse, rules: AllocationRules, by: readonly string[], filter: ReportFilter, slow?: (reason: string) => void, current?: Promise<string | null>): Promise<AllocatedLine[]> {
  checkValueBy(rules, by);
  const kept = await readKeptProductLines(wh, rules, filter, CLAUDE_CODE, by.includes('person'), slow, current);
  if (kept) return kept;
  return allocate(rules, await readProductFacts(wh, filter, rules, CLAUDE_CODE, [...by, 'person'])).lines;
}

export async function claudeCodeValue(wh: Warehouse, rules: AllocationRules, by: readonly string[], filter: ReportFilter, slow?: (reason: string) => void, current?: Promise<string | null>): Promise<ReportResult> {
  const [lines, activity] = await Promise.all([claudeCodeLines(wh, rules, by, filter, slow, current), readClaudeCodeActivity(wh, filter, !hasDatedRules(rules))]);
  return claudeCodeValueOfLines(rules, lines, activity, by, filter);
}
