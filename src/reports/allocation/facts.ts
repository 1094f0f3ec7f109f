/**
 * The cost facts allocation works on: per day, the finest grain the warehouse holds for it. Where
 * the Analytics API serves the day (claude_cost_by_actor holds rows for it), one fact per actor ×
 * API key × product × workspace × model × cost type; on days only cost_report serves, one per
 * workspace × model × cost type, with no key, person or product to match. Read with one query per
 * source, the same SQL shape on both warehouses, then converted to whole sub-cents (bigint at the
 * warehouse's 12 decimal places) and sorted here, so the same rows give the same facts, in the same
 * order, whichever warehouse holds them.
 */
import { addDays, asIsoDay, type IsoDay } from '../../util/dates.js';
import { nextMonthStart } from '../../util/fee-proration.js';
import { canonicalDecimal, storableDecimal, subCentsOf, USD_SCALE } from '../../util/money.js';
import type { QueryRow, SqlDialect, Warehouse } from '../../warehouse/warehouse.js';
import { HIDDEN_ACTOR } from '../analytics-queries.js';
import { filterWhere, type ReportFilter } from '../filter.js';
import { fixedFeeDays } from '../fixed-fee-days.js';
import { cachedFirstMatch, compileRules, type AllocationRules, type MatchKey } from './rules.js';
import { classifiable, DEFAULT_WORKSPACE_NAME, inList, ruleClassSql, type RuleClassSql } from './rule-classes.js';

/** Where a fact's cost comes from: the Analytics API, cost_report, or a fee configured in claude-ingest.yaml (fixed_costs). */
export type FactSource = 'analytics' | 'cost_report' | 'configured';

export interface AllocationFact {
  day: string;
  organizationId: string | null;
  source: FactSource;
  actorType: string | null;
  actorId: string | null;
  userEmail: string | null;
  serviceAccountName: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
  workspaceId: string | null;
  workspaceName: string | null;
  product: string | null;
  model: string | null;
  costType: string | null;
  /** Billed cost in sub-cents (cents × 10^12), exact. */
  billed: bigint;
  /** List-price cost in sub-cents; cost_report has no list price (nor a fee), so there it is the billed cost. */
  list: bigint;
  /** A configured fee's name (source configured). */
  fee?: string;
  /** The rule it goes to (index in rules.rules, -1: none), when the warehouse told it (rule-classes.ts); absent: the engine matches. */
  rule?: number;
  /** Read only as the basis of a proportional fee split (a day of the fee's month outside the range asked): not reported. */
  basisOnly?: boolean;
}

const DIMS = { workspace: true, model: true };
export { DEFAULT_WORKSPACE_NAME };

export function subCents(v: QueryRow[string] | undefined): bigint {
  return subCentsOf(v);
}

const text = (v: QueryRow[string] | undefined): string | null => (v === null || v === undefined ? null : String(v));

/** Names by id from a snapshot table; several organizations' snapshots may name an id once each: the smallest name is kept. */
function namesOf(rows: QueryRow[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows) {
    const id = String(r.id);
    const v = String(r.v);
    const had = out.get(id);
    if (had === undefined || v < had) out.set(id, v);
  }
  return out;
}

export type FactQueryName = 'analytics' | 'legacy' | 'keys' | 'workspaces' | 'users' | 'accounts';

/** Analytics attributes a caller may not need: left out, the SQL sums them away (their facts' fields are null). */
export type FactDetail = 'person' | 'api_key' | 'product' | 'model' | 'cost_type' | 'workspace';
const ALL_DETAIL: ReadonlySet<FactDetail> = new Set(['person', 'api_key', 'product', 'model', 'cost_type', 'workspace']);

/**
 * The analytics attributes a report shows through its `--by` columns, and, when the warehouse cannot
 * tell which rule a row goes to (rule-classes.ts), the attributes the rules match on. Facts a split
 * rule matches are read at the finest grain whatever this says (readAllocationFacts).
 */
export function factDetailFor(rules: AllocationRules, by: readonly string[]): ReadonlySet<FactDetail> {
  return detailOf(classifiable(rules) ? by : [...ruleKeys(rules), ...by]);
}

const ruleKeys = (rules: AllocationRules): MatchKey[] => rules.rules.flatMap((r) => Object.keys(r.match) as MatchKey[]);

function detailOf(columns: readonly string[]): Set<FactDetail> {
  const need = new Set<FactDetail>();
  const keys = new Set<string>(columns);
  if (keys.has('user') || keys.has('service_account') || keys.has('person')) need.add('person');
  // person names a key-only request by its key.
  if (keys.has('api_key') || keys.has('person')) need.add('api_key');
  for (const k of ['product', 'model', 'cost_type', 'workspace'] as const) if (keys.has(k)) need.add(k);
  return need;
}

/** claude_cost_by_actor columns limited to a few values each (null: the column IS NULL). */
export type Narrowing = Partial<Record<'actor_id' | 'api_key_id' | 'workspace_id' | 'product' | 'model' | 'cost_type', ReadonlyArray<string | null>>>;

function narrowed(w: { sql: string; params: unknown[] }, alias: string, narrow: Narrowing, d: SqlDialect): { sql: string; params: unknown[] } {
  const parts = [w.sql];
  const params = [...w.params];
  for (const [col, values] of Object.entries(narrow) as Array<[string, ReadonlyArray<string | null>]>) parts.push(inList(`${alias}.${d.ident(col)}`, values, params));
  return { sql: parts.join(' AND '), params };
}

/** How the analytics facts are read besides their grain: narrowed to some values, grouped by the rule the warehouse tells (`classify`), or only the rows of some rules. */
export interface FactQueryOptions {
  narrow?: Narrowing;
  classify?: RuleClassSql;
  classes?: readonly number[];
  /** Summed over the range (day: the first day with cost), for a caller that shows no day and rules that need none. */
  overDays?: boolean;
}

/** The queries the facts are read with, in the warehouse's dialect (exported for the parity tests). */
export function allocationFactQueries(d: SqlDialect, f: ReportFilter, detail: ReadonlySet<FactDetail> = ALL_DETAIL, o: FactQueryOptions = {}): Record<FactQueryName, { sql: string; params: unknown[] }> {
  const i = (n: string) => d.ident(n);
  const wb = narrowed(filterWhere(d, f, 'b', DIMS, 'claude_cost_by_actor'), 'b', o.narrow ?? {}, d);
  if (o.classify && o.classes) {
    wb.sql += ` AND ${o.classify.sql} IN (${o.classes.map(() => '?').join(', ')})`;
    wb.params.push(...o.classify.params, ...o.classes);
  }
  const wc = filterWhere(d, f, 'c', DIMS, 'claude_costs');
  const names = (table: string, column: string) => ({
    sql: `SELECT ${i('id')} AS ${i('id')}, ${i(column)} AS ${i('v')} FROM ${d.table(table)} WHERE ${i(column)} IS NOT NULL`,
    params: [],
  });
  const sum = (a: string, col: string, as: string) => `${d.sumExact(`${a}.${i(col)}`)} AS ${i(as)}`;
  /** One fact source: the `keys` (alias → column) it is grouped by, then its aggregates. */
  const facts = (a: string, table: string, keys: Record<string, string>, aggregates: string[], where: { sql: string; params: unknown[] }, also = '', classify?: RuleClassSql) => {
    const grouped = [...Object.entries(keys).map(([as, col]) => `${a}.${i(col)} AS ${i(as)}`), ...(classify ? [`${classify.sql} AS ${i('rule_class')}`] : [])];
    return {
      sql: `SELECT ${[...grouped, ...aggregates].join(', ')}
         FROM ${d.table(table)} ${a}${classify ? `\n${classify.joins}` : ''} WHERE ${where.sql}${also}
        GROUP BY ${grouped.map((_, n) => n + 1).join(', ')}`,
      params: [...(classify?.params ?? []), ...(classify?.joinParams ?? []), ...where.params],
    };
  };
  const day = { day: 'activity_date', org: 'organization_id' };
  return {
    analytics: facts(
      'b',
      'claude_cost_by_actor',
      {
        ...(o.overDays ? { org: day.org } : day),
        ...(detail.has('person') ? { actor_type: 'actor_type', actor_id: 'actor_id' } : {}),
        ...(detail.has('api_key') ? { api_key_id: 'api_key_id' } : {}),
        // Told by the warehouse, a rule on a workspace needs no workspace column.
        ...(detail.has('workspace') || !o.classify ? { workspace_id: 'workspace_id' } : {}),
        ...(detail.has('product') ? { product: 'product' } : {}),
        ...(detail.has('model') ? { model: 'model' } : {}),
        ...(detail.has('cost_type') ? { cost_type: 'cost_type' } : {}),
      },
      [
        ...(o.overDays ? [`MIN(b.${i('activity_date')}) AS ${i('day')}`] : []),
        ...(detail.has('person') ? [`MAX(b.${i('actor_email')}) AS ${i('email')}`] : []),
        sum('b', 'amount_cents', 'billed'),
        sum('b', 'list_amount_cents', 'list'),
      ],
      wb,
      '',
      o.classify,
    ),
    legacy: facts(
      'c',
      'claude_costs',
      { ...day, workspace_id: 'workspace_id', model: 'model', cost_type: 'cost_type' },
      [sum('c', 'amount_cents', 'billed')],
      wc,
      `
          AND NOT EXISTS (SELECT 1 FROM ${d.table('claude_cost_by_actor')} x WHERE ${d.allDays(`x.${i('activity_date')}`)}
                             AND x.${i('activity_date')} = c.${i('activity_date')} AND x.${i('organization_id')} IS NOT DISTINCT FROM c.${i('organization_id')})`,
    ),
    keys: names('claude_api_keys', 'name'),
    workspaces: names('claude_workspaces', 'name'),
    users: names('claude_users', 'email'),
    accounts: names('claude_service_accounts', 'name'),
  };
}

/**
 * Every cost fact of the range, in a fixed order (day, organization, source, then every attribute):
 * usage, and each configured fee's part of every day (source configured; none under a workspace or
 * model filter, as fees have neither). With rules that split a fee in proportion to billed usage, the
 * usage of the range's first and last months outside the range is read too (basisOnly), as the basis.
 */
export async function readAllocationFacts(wh: Warehouse, f: ReportFilter, rules?: AllocationRules | null, detail: ReadonlySet<FactDetail> = ALL_DETAIL): Promise<AllocationFact[]> {
  const facts = await readSplitAware(wh, f, rules, detail);
  const filtered = Boolean(f.workspaceIds?.length || f.models?.length);
  // The engine takes facts in day order (a proportional split waits for its day's basis).
  if (filtered) return facts.sort(compareFacts);
  const fees = await readFeeFacts(wh, f);
  facts.push(...fees);
  if (fees.length > 0 && rules?.fees?.some((s) => s.split?.proportional_to)) {
    const monthFrom = `${f.from.slice(0, 7)}-01` as IsoDay;
    const monthTo = addDays(nextMonthStart(asIsoDay(f.to)), -1);
    const around: ReportFilter[] = [];
    if (monthFrom < f.from) around.push({ ...f, from: monthFrom, to: addDays(asIsoDay(f.from), -1) });
    if (monthTo > f.to) around.push({ ...f, from: addDays(asIsoDay(f.to), 1), to: monthTo });
    for (const r of around) for (const x of await readSplitAware(wh, r, rules, detail)) facts.push({ ...x, basisOnly: true });
  }
  return facts.sort(compareFacts);
}

/** Each configured fee's part of every day of the range, as facts (source configured). */
export async function readFeeFacts(wh: Warehouse, f: ReportFilter): Promise<AllocationFact[]> {
  const orgs = f.organizationIds ?? [];
  const fact = (x: Awaited<ReturnType<typeof fixedFeeDays>>[number], billed: bigint): AllocationFact => ({ ...FEE_FACT, day: x.day, organizationId: x.organizationId ?? (orgs.length === 1 ? orgs[0]! : null), billed, list: billed, fee: x.name });
  return (await fixedFeeDays(wh, f)).map((x) => fact(x, storableDecimal(canonicalDecimal(x.usd), USD_SCALE, null)));
}

/**
 * One product's usage facts (the value of Claude Code: its people; `report --by … --product`: the
 * `--by` columns), summed over what neither those nor the rules can tell apart; in the fixed order. No configured fees or cost_report days:
 * they have no product.
 */
export async function readProductFacts(wh: Warehouse, f: ReportFilter, rules: AllocationRules, product: string, by: readonly string[] = ['person']): Promise<AllocationFact[]> {
  const facts = await readSplitAware(wh, f, rules, factDetailFor(rules, [...by, 'product']), product, !by.some((b) => b === 'day' || b === 'month'));
  return facts.sort(compareFacts);
}

/** A configured fee as a fact: no actor, key, workspace, product, model or cost type (fee-parts.ts too). */
export const FEE_FACT: Omit<AllocationFact, 'day' | 'organizationId' | 'billed' | 'list'> = {
  source: 'configured',
  actorType: null,
  actorId: null,
  userEmail: null,
  serviceAccountName: null,
  apiKeyId: null,
  apiKeyName: null,
  workspaceId: null,
  workspaceName: null,
  product: null,
  model: null,
  costType: null,
};

/** More distinct values than this in a column of the split facts: that column is not narrowed (the grain's key still filters exactly). */
const NARROW_MAX = 200;

/**
 * Usage facts at the grain asked, except those a split rule matches, which are read again at the
 * finest grain and take the place of their sums (so every split apportions the same facts as with all
 * detail, to the sub-cent). Which facts a split matches is told from the summed facts: every
 * attribute a rule matches on is in the grain (factDetailFor), so a summed fact matches as its parts do.
 */
async function readSplitAware(wh: Warehouse, f: ReportFilter, rules: AllocationRules | null | undefined, asked: ReadonlySet<FactDetail>, product?: string, overDays = false): Promise<AllocationFact[]> {
  // One product's usage only (no cost_report days: they have no product).
  const only: FactQueryOptions = product === undefined ? {} : { narrow: { product: [product] } };
  const legacy = product === undefined;
  if (rules && ALL_DETAIL_KEYS.some((k) => !asked.has(k))) {
    const classify = await ruleClassSql(wh, f, rules);
    if (classify) return readClassified(wh, f, rules, asked, { ...only, classify, overDays }, legacy);
  }
  const detail = rules ? new Set([...asked, ...detailOf(ruleKeys(rules))]) : asked;
  const facts = await readUsageFacts(wh, f, detail, only, legacy);
  if (!rules?.rules.some((r) => r.split) || ALL_DETAIL_KEYS.every((k) => detail.has(k))) return facts;
  const match = cachedFirstMatch(compileRules(rules.rules));
  const split = new Set<string>();
  const kept: AllocationFact[] = [];
  for (const x of facts) {
    if (x.source === 'analytics' && match(x)?.rule.split) split.add(grainKey(x, detail));
    else kept.push(x);
  }
  if (split.size === 0) return facts;
  const hit = facts.filter((x) => x.source === 'analytics' && split.has(grainKey(x, detail)));
  const days = hit.map((x) => x.day).sort();
  const narrow: Narrowing = {};
  const columns: Array<[keyof Narrowing, (x: AllocationFact) => string | null, boolean]> = [
    ['workspace_id', (x) => x.workspaceId, true],
    ['api_key_id', (x) => x.apiKeyId, detail.has('api_key')],
    ['actor_id', (x) => x.actorId, detail.has('person')],
    ['product', (x) => x.product, detail.has('product')],
    ['model', (x) => x.model, detail.has('model')],
    ['cost_type', (x) => x.costType, detail.has('cost_type')],
  ];
  for (const [col, get, has] of columns) {
    if (!has) continue;
    const values = [...new Set(hit.map(get))].sort();
    if (values.length <= NARROW_MAX) narrow[col] = values;
  }
  const fine = await readUsageFacts(wh, { ...f, from: asIsoDay(days[0]!), to: asIsoDay(days.at(-1)!) }, ALL_DETAIL, { narrow: { ...narrow, ...only.narrow } }, false);
  for (const x of fine) if (split.has(grainKey(x, detail))) kept.push(x);
  return kept;
}

const ALL_DETAIL_KEYS: FactDetail[] = ['person', 'api_key', 'product', 'model', 'cost_type', 'workspace'];

/**
 * Usage facts summed per day, organization, the rule the warehouse tells each row goes to, and what
 * the caller shows; the rows of split rules at the finest grain, so each split apportions the same
 * facts as with all detail.
 */
async function readClassified(wh: Warehouse, f: ReportFilter, rules: AllocationRules, detail: ReadonlySet<FactDetail>, o: FactQueryOptions & { classify: RuleClassSql }, legacy: boolean): Promise<AllocationFact[]> {
  const splits = rules.rules.flatMap((r, k) => (r.split ? [k] : []));
  if (o.overDays) {
    // Without a split, a told rule needs no day (its dates are in the CASE); a split needs its day's basis: read per day then.
    const summed = await readUsageFacts(wh, f, detail, o, legacy);
    if (!summed.some((x) => x.rule !== undefined && splits.includes(x.rule))) return summed;
  }
  const facts = await readUsageFacts(wh, f, detail, { ...o, overDays: false }, legacy);
  if (!facts.some((x) => x.rule !== undefined && splits.includes(x.rule))) return facts;
  const kept = facts.filter((x) => x.rule === undefined || !splits.includes(x.rule));
  return [...kept, ...(await readUsageFacts(wh, f, ALL_DETAIL, { ...o, overDays: false, classes: splits }, false))];
}

/** A fact's identity at a grain: what its summed fact has in common with it. */
function grainKey(x: AllocationFact, detail: ReadonlySet<FactDetail>): string {
  return [
    x.day,
    x.organizationId,
    x.workspaceId,
    detail.has('person') ? `${x.actorType ?? ''}\u0002${x.actorId ?? ''}` : '',
    detail.has('api_key') ? x.apiKeyId : '',
    detail.has('product') ? x.product : '',
    detail.has('model') ? x.model : '',
    detail.has('cost_type') ? x.costType : '',
  ]
    .map((v) => v ?? '\u0001')
    .join('\u0000');
}

async function readUsageFacts(wh: Warehouse, f: ReportFilter, detail: ReadonlySet<FactDetail>, o: FactQueryOptions = {}, withLegacy = true): Promise<AllocationFact[]> {
  const q = allocationFactQueries(wh.dialect, f, detail, o);
  const run = (n: FactQueryName) => wh.query(q[n].sql, q[n].params);
  const [analytics, legacy, keyRows, workspaceRows, userRows, accountRows] = await Promise.all([run('analytics'), withLegacy ? run('legacy') : Promise.resolve([]), run('keys'), run('workspaces'), run('users'), run('accounts')]);
  const [keys, workspaces, users, accounts] = [keyRows, workspaceRows, userRows, accountRows].map(namesOf) as [Map<string, string>, Map<string, string>, Map<string, string>, Map<string, string>];
  const wsName = (id: string | null) => (id === null ? DEFAULT_WORKSPACE_NAME : (workspaces.get(id) ?? DEFAULT_WORKSPACE_NAME));
  const facts: AllocationFact[] = [];
  for (const r of analytics) {
    const actorType = text(r.actor_type);
    const actorId = text(r.actor_id);
    const apiKeyId = text(r.api_key_id);
    const workspaceId = text(r.workspace_id);
    facts.push({
      day: String(r.day),
      organizationId: text(r.org),
      source: 'analytics',
      actorType,
      actorId,
      userEmail: actorType === 'user_actor' && actorId !== null ? (users.get(actorId) ?? text(r.email)) : null,
      serviceAccountName: actorType === 'service_account_actor' && actorId !== null ? (accounts.get(actorId) ?? null) : null,
      apiKeyId,
      apiKeyName: apiKeyId === null ? null : (keys.get(apiKeyId) ?? null),
      workspaceId,
      workspaceName: wsName(workspaceId),
      product: text(r.product),
      model: text(r.model),
      costType: text(r.cost_type),
      billed: subCents(r.billed),
      list: subCents(r.list),
      ...(r.rule_class === undefined || r.rule_class === null ? {} : { rule: Number(r.rule_class) }),
    });
  }
  for (const r of legacy) {
    const workspaceId = text(r.workspace_id);
    const billed = subCents(r.billed);
    facts.push({
      day: String(r.day),
      organizationId: text(r.org),
      source: 'cost_report',
      actorType: null,
      actorId: null,
      userEmail: null,
      serviceAccountName: null,
      apiKeyId: null,
      apiKeyName: null,
      workspaceId,
      workspaceName: wsName(workspaceId),
      product: null,
      model: text(r.model),
      costType: text(r.cost_type),
      billed,
      list: billed,
    });
  }
  return facts;
}

const ORDER: Array<keyof AllocationFact> = ['day', 'organizationId', 'source', 'fee', 'workspaceId', 'apiKeyId', 'actorType', 'actorId', 'product', 'model', 'costType'];

export function compareFacts(a: AllocationFact, b: AllocationFact): number {
  for (const k of ORDER) {
    const x = (a[k] as string | null) ?? '';
    const y = (b[k] as string | null) ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Who a fact is for people: the user's email, the service account's name, the key's name for a key alone, else the actor id; hidden actors named as reports name them. */
export function personOf(f: AllocationFact): string | null {
  if (f.source === 'cost_report' || f.source === 'configured') return null;
  if (f.actorType === null) return HIDDEN_ACTOR;
  // A request made with a key alone (api_actor) is the key's: named like the api_key column.
  if (f.actorType === 'api_actor') return f.apiKeyName ?? f.actorId;
  return f.userEmail ?? f.serviceAccountName ?? f.actorId;
}
