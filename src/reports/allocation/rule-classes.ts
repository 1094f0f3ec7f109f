/**
 * Which rule each claude_cost_by_actor row goes to, told in SQL, so the warehouse can sum the year's
 * rows per day and rule (and what a report shows) instead of handing every key, person and product
 * to the engine. The rules' globs are still tried here, in JS, with the engine's own matchers, on the
 * few distinct values of each column a rule matches on (and their names); the SQL only asks whether
 * a row's value is one of those that matched: the same answer as the engine's, row by row.
 *
 * Not for rules on `user` or `service_account`: the engine tries those on the email summed with the
 * fact (MAX over its rows), which a per-row test would not reproduce exactly; such rules keep the
 * engine's matching.
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { ReportFilter } from '../filter.js';
import { globRegExp, type AllocationRules, type MatchKey } from './rules.js';

/** What the default workspace is called (cost_report's NULL workspace, the Analytics API's unlisted default). */
export const DEFAULT_WORKSPACE_NAME = 'Default';

/** Past this many values in all the rules' lists, the CASE would be long for little gain: the engine matches instead. */
const MAX_VALUES = 5000;

/** Rule keys told in SQL, and the claude_cost_by_actor column each is tried on. */
const COLUMN: Partial<Record<MatchKey, string>> = { api_key: 'api_key_id', workspace: 'workspace_id', product: 'product', model: 'model', cost_type: 'cost_type' };

/** Whether the rules' matches can be told in SQL. */
export function classifiable(rules: AllocationRules): boolean {
  return rules.rules.every((r) => Object.keys(r.match).every((k) => COLUMN[k as MatchKey] !== undefined));
}

/** The rule a row goes to, in SQL: `sql` the CASE (on alias `b`, -1: none), `joins` the tables it reads, each with its parameters. */
export interface RuleClassSql {
  sql: string;
  params: unknown[];
  joins: string;
  joinParams: unknown[];
}

/**
 * Which rule index a claude_cost_by_actor row (alias `b`) goes to, or null when the rules cannot be
 * told in SQL. Per column a rule matches on, one small table of the range's distinct values, each
 * with a flag per rule (does the glob match the value or its name), joined on the value: a hash join,
 * where a long IN list per row in the SELECT would be tried value by value (measured: 10× slower).
 */
export async function ruleClassSql(wh: Warehouse, f: ReportFilter, rules: AllocationRules): Promise<RuleClassSql | null> {
  if (!classifiable(rules)) return null;
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const keys = [...new Set(rules.rules.flatMap((r) => Object.keys(r.match) as MatchKey[]))];
  const range = `${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}`;
  const distinct = await Promise.all(
    keys.map((k) => wh.query(`SELECT ${i(COLUMN[k]!)} AS ${i('v')} FROM ${d.table('claude_cost_by_actor')} WHERE ${range} GROUP BY 1`, [f.from, f.to]).then((rows) => rows.map((r) => (r.v === null || r.v === undefined ? null : String(r.v))))),
  );
  const names = await namesFor(wh, keys);
  const valuesOf = new Map(keys.map((k, n) => [k, distinct[n]!]));
  const whens: string[] = [];
  const params: unknown[] = [];
  const flags = new Map<MatchKey, Array<{ flag: string; hit: Array<string | null> }>>();
  let count = 0;
  rules.rules.forEach((rule, index) => {
    const conds: string[] = [];
    if (rule.from !== undefined) {
      conds.push(`b.${i('activity_date')} >= ${d.dateParam()}`);
      params.push(rule.from);
    }
    if (rule.to !== undefined) {
      conds.push(`b.${i('activity_date')} < ${d.dateParam()}`);
      params.push(rule.to);
    }
    for (const [key, pattern] of Object.entries(rule.match) as Array<[MatchKey, string | undefined]>) {
      if (pattern === undefined) continue;
      const re = globRegExp(pattern);
      const hit = valuesOf.get(key)!.filter((v) => candidates(key, v, names).some((c) => c !== null && re.test(c)));
      count += hit.length;
      const list = flags.get(key) ?? [];
      flags.set(key, list);
      const flag = `r${index}`;
      list.push({ flag, hit });
      // A NULL value joins nothing: whether NULL matches is known here.
      conds.push(`COALESCE(${i(`m_${key}`)}.${i(flag)}, ${hit.includes(null) ? 'TRUE' : 'FALSE'})`);
    }
    whens.push(`WHEN ${conds.length === 0 ? 'TRUE' : conds.join(' AND ')} THEN ${index}`);
  });
  if (count > MAX_VALUES) return null;
  const joins: string[] = [];
  const joinParams: unknown[] = [];
  for (const [key, list] of flags) {
    const col = i(COLUMN[key]!);
    const cols = list.map(({ flag, hit }) => `${inList(`x.${col}`, hit.filter((v) => v !== null), joinParams)} AS ${i(flag)}`);
    joins.push(
      `LEFT JOIN (SELECT x.${col} AS ${i('v')}, ${cols.join(', ')} FROM (SELECT ${col} FROM ${d.table('claude_cost_by_actor')} WHERE ${range} AND ${col} IS NOT NULL GROUP BY 1) x) ${i(`m_${key}`)} ON ${i(`m_${key}`)}.${i('v')} = b.${col}`,
    );
    joinParams.push(f.from, f.to);
  }
  return { sql: `CASE ${whens.join(' ')} ELSE -1 END`, params, joins: joins.join('\n'), joinParams };
}

/** `col` is one of the values (null: IS NULL), its parameters pushed to params; FALSE for none. */
export function inList(col: string, values: ReadonlyArray<string | null>, params: unknown[]): string {
  const ids = values.filter((v): v is string => v !== null);
  const ors = [...(ids.length > 0 ? [`${col} IN (${ids.map(() => '?').join(', ')})`] : []), ...(ids.length < values.length ? [`${col} IS NULL`] : [])];
  params.push(...ids);
  return ors.length === 0 ? 'FALSE' : `(${ors.join(' OR ')})`;
}

/** The values the engine tries a key on for a column's value: the id and its name, as facts.ts names them. */
function candidates(key: MatchKey, v: string | null, names: Map<string, Map<string, string>>): Array<string | null> {
  if (key === 'api_key') return [v, v === null ? null : (names.get('api_key')!.get(v) ?? null)];
  if (key === 'workspace') return [v, v === null ? DEFAULT_WORKSPACE_NAME : (names.get('workspace')!.get(v) ?? DEFAULT_WORKSPACE_NAME)];
  return [v];
}

async function namesFor(wh: Warehouse, keys: readonly MatchKey[]): Promise<Map<string, Map<string, string>>> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const out = new Map<string, Map<string, string>>([
    ['api_key', new Map()],
    ['workspace', new Map()],
  ]);
  for (const [key, table] of [
    ['api_key', 'claude_api_keys'],
    ['workspace', 'claude_workspaces'],
  ] as const) {
    if (!keys.includes(key)) continue;
    const m = out.get(key)!;
    // Several organizations' snapshots may name an id once each: the smallest name, as facts.ts keeps.
    for (const r of await wh.query(`SELECT ${i('id')} AS ${i('id')}, ${i('name')} AS ${i('v')} FROM ${d.table(table)} WHERE ${i('name')} IS NOT NULL`)) {
      const id = String(r.id);
      const v = String(r.v);
      const had = m.get(id);
      if (had === undefined || v < had) m.set(id, v);
    }
  }
  return out;
}
