/**
 * The allocation engine's lines, kept (claude_cost_allocation_lines, written by materialise.ts beside
 * claude_cost_allocation): each day's usage lines summed per dimension values, rule and the columns
 * allocation reports show. Summing the same exact sub-cents in SQL gives every group the engine's sum
 * to the last digit, so `report --by`, `chargeback` and /api/allocation answer from a GROUP BY while
 * the kept lines are current for the range (made with these rules and these names, after the facts
 * were last written, for every organization-day that has facts), and from the engine otherwise.
 * Configured fees are not kept: they are allocated when read, from the kept usage as their basis.
 */
import { createHash } from 'node:crypto';
import { addDays, asIsoDay, type IsoDay } from '../../util/dates.js';
import { nextMonthStart } from '../../util/fee-proration.js';
import { formatScaled, parseCents } from '../../util/money.js';
import type { RowOf } from '../../warehouse/tables.js';
import type { QueryRow, Warehouse } from '../../warehouse/warehouse.js';
import { filterWhere, type ReportFilter } from '../filter.js';
import { allocate, type AllocatedLine } from './engine.js';
import { factDetailFor, readAllocationFacts, readFeeFacts, subCents, type AllocationFact } from './facts.js';
import { allocateFees } from './fee-allocation.js';
import type { AllocationRules } from './rules.js';
import { columnValue } from './summary.js';
import { ALLOCATION_DAYS_TABLE, keptDaysTable, keptLinesStale } from './kept-days.js';

export { ALLOCATION_DAYS_TABLE, keptDayRows, keptDaysTable, keptLinesStale } from './kept-days.js';

export const ALLOCATION_LINES_TABLE = 'claude_cost_allocation_lines';

/** The columns a reader may group the kept lines by, besides day, organization, source and the dimension values. */
export type LineColumn = 'api_key' | 'person' | 'product' | 'model' | 'workspace' | 'cost_type' | 'rule';
const LINE_COLUMNS: readonly LineColumn[] = ['api_key', 'person', 'product', 'model', 'workspace', 'cost_type', 'rule'];

const text = (v: QueryRow[string] | undefined): string | null => (v === null || v === undefined ? null : String(v));
const dimensionsText = (rules: AllocationRules, values: readonly string[]) => JSON.stringify(Object.fromEntries(rules.dimensions.map((d, k) => [d, values[k]])));

/** One day's usage lines (no configured fee: those are allocated when read) summed into the kept rows. */
export function keptLineRows(rules: AllocationRules, lines: readonly AllocatedLine[], names: string, day: IsoDay): Array<RowOf<'claude_cost_allocation_lines'>> {
  const show = (['api_key', 'person', 'product', 'workspace'] as const).map((c) => columnValue(rules, c));
  const rows = new Map<string, RowOf<'claude_cost_allocation_lines'> & { billed: bigint; list: bigint }>();
  for (const l of lines) {
    const f = l.fact;
    if (f.source === 'configured' || f.basisOnly) continue;
    const [apiKey, person, product, workspace] = show.map((g) => g(l)) as [string | null, string | null, string | null, string | null];
    const dimensions = dimensionsText(rules, l.values);
    const key = [f.source, dimensions, l.rule, apiKey, person, product, f.model, f.workspaceId, workspace, f.costType].map((v) => v ?? '\u0001').join('\u0000');
    const had = rows.get(key);
    if (had) {
      had.billed += l.billed;
      had.list += l.list;
      continue;
    }
    rows.set(key, {
      activity_date: day,
      source: f.source,
      dimensions,
      rule: l.rule,
      api_key: apiKey,
      person,
      product,
      model: f.model,
      workspace_id: f.workspaceId,
      workspace,
      cost_type: f.costType,
      amount_cents: parseCents('0'),
      list_amount_cents: parseCents('0'),
      rules_hash: rules.hash,
      names_hash: names,
      billed: l.billed,
      list: l.list,
    });
  }
  return [...rows.values()].map(({ billed, list, ...r }) => ({ ...r, amount_cents: parseCents(formatScaled(billed, 12)), list_amount_cents: parseCents(formatScaled(list, 12)) }));
}

/** A hash of the names rules match against (keys, workspaces, users, service accounts): renaming one re-allocates. */
export async function namesHash(wh: Warehouse): Promise<string> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const tables = [['claude_api_keys', 'name'], ['claude_workspaces', 'name'], ['claude_users', 'email'], ['claude_service_accounts', 'name']] as const;
  // One query for the four tables (each table's rows in the order they always had: the hash is the one kept).
  const rows = await wh.query(tables.map(([table, col], n) => `SELECT ${n} AS ${i('t')}, ${i('id')} AS ${i('id')}, ${i(col)} AS ${i('v')} FROM ${d.table(table)}`).join(' UNION ALL ') + ' ORDER BY 1, 2, 3');
  let hashed = '';
  let at = 0;
  tables.forEach(([table], n) => {
    hashed += `${table}\n`;
    for (; at < rows.length && Number(rows[at]!.t) === n; at++) hashed += `${String(rows[at]!.id)}\t${text(rows[at]!.v) ?? ''}\n`;
  });
  return createHash('sha256').update(hashed).digest('hex').slice(0, 16);
}

/**
 * Whether the kept lines answer for the range exactly as the engine would: every organization-day
 * with facts (claude_cost_by_actor, claude_costs) has kept lines and none other, all made with these
 * rules and these names, after the day's facts were last written. Read from the kept days (written in
 * the same transaction as the lines, so their hashes and time are the lines'): a day whose lines were
 * kept by a build before the kept days has none, and is not current until the next allocate or run.
 */
export async function keptLinesCurrent(wh: Warehouse, rules: AllocationRules, f: ReportFilter, names: string): Promise<string | null> {
  const stale = await keptLinesStale(wh, rules, f, names, true);
  return stale.size === 0 ? null : [...stale.values()][0]!;
}

/**
 * The range's allocated lines from the kept lines, summed per organization, day (or month, when
 * `days` is false), source, dimension values and the columns asked, plus the configured fees allocated
 * now; null when the kept lines cannot answer exactly (a workspace or model filter: the engine's
 * splits and fees see only the filtered facts then), with the reason in `why`.
 */
export async function readKeptLines(wh: Warehouse, rules: AllocationRules, f: ReportFilter, columns: readonly string[], names: string | Promise<string>, why?: (reason: string) => void, current?: Promise<string | null>): Promise<AllocatedLine[] | null> {
  if (filtered(f, why)) return null;
  const proportionalFees = Boolean(rules.fees?.some((s) => s.split?.proportional_to));
  const checked = checkedRange(rules, f);
  const wanted = LINE_COLUMNS.filter((c) => columns.includes(c));
  // Read while the currency is checked (the reads are thrown away when the kept lines cannot answer).
  const days = columns.includes('day');
  // Detail read from the lines is checked against the kept days the currency was proved on (both are
  // written in one transaction; an older build rewriting the lines alone would leave them apart).
  const against = wanted.length > 0 && keptDaysTable(wh) === ALLOCATION_DAYS_TABLE;
  const [reason, usage, fees, basis, sums] = await Promise.all([
    current ?? Promise.resolve(names).then((n) => keptLinesCurrent(wh, rules, checked, n)),
    readGrouped(wh, rules, f, wanted, days),
    readFeeFacts(wh, f),
    proportionalFees ? readGrouped(wh, rules, checked, [], false) : Promise.resolve([]),
    against ? readGrouped(wh, rules, f, [], days) : Promise.resolve(null),
  ]);
  const apart = reason === null && sums !== null ? linesApart(usage, sums) : null;
  if (reason !== null || apart !== null) {
    why?.((reason ?? apart)!);
    return null;
  }
  if (fees.length === 0) return usage;
  const base = rules.dimensions.map((d) => rules.unallocated[d] ?? 'Unallocated');
  return [...usage, ...allocateFees(rules, fees, basis, base)];
}

/** Where the lines read differ from the kept days' sums (per organization, day or month, source and values), or null. */
function linesApart(lines: readonly AllocatedLine[], days: readonly AllocatedLine[]): string | null {
  const sums = new Map<string, { day: string; billed: bigint; list: bigint }>();
  const add = (l: AllocatedLine, sign: bigint) => {
    const k = `${l.fact.organizationId ?? ''}\u0000${l.fact.day}\u0000${l.fact.source}\u0000${JSON.stringify(l.values)}`;
    const e = sums.get(k) ?? { day: l.fact.day, billed: 0n, list: 0n };
    e.billed += sign * l.billed;
    e.list += sign * l.list;
    sums.set(k, e);
  };
  for (const l of lines) add(l, 1n);
  for (const l of days) add(l, -1n);
  for (const e of sums.values()) if (e.billed !== 0n || e.list !== 0n) return `the kept lines do not add up to the kept days (${ALLOCATION_DAYS_TABLE}) on ${e.day}`;
  return null;
}

/** A workspace or model filter: the engine's splits and fees see only the filtered facts, which the kept lines cannot. */
function filtered(f: ReportFilter, why?: (reason: string) => void): boolean {
  if (!f.workspaceIds?.length && !f.models?.length) return false;
  why?.('a workspace or model filter');
  return true;
}

/** The range the kept lines must be current for to answer for `f`: a proportional fee's basis is its whole month, so the months it touches. */
export function checkedRange(rules: AllocationRules, f: ReportFilter): ReportFilter {
  return rules.fees?.some((s) => s.split?.proportional_to) ? { ...f, from: asIsoDay(`${f.from.slice(0, 7)}-01`), to: addDays(nextMonthStart(asIsoDay(f.to)), -1) } : f;
}

/** Whether the kept lines answer for `f` and everything it needs (null), or why not; one check shared by the readers of one answer. */
export function keptCurrency(wh: Warehouse, rules: AllocationRules, f: ReportFilter): Promise<string | null> {
  return namesHash(wh).then((n) => keptLinesCurrent(wh, rules, checkedRange(rules, f), n));
}

/**
 * One product's kept lines summed per dimension values, person and rule over the range (the value
 * of Claude Code), or null with the reason when they would not be what the engine gives over that
 * product's facts alone: a proportional split's basis is then only the product's usage, so a line
 * of the product that went to such a split (or a rule of the same name) sends it to the engine;
 * and, with `byPerson`, one person kept in two spellings (the engine keeps the first it meets).
 * `current`: the currency of a range holding this one.
 */
export async function readKeptProductLines(wh: Warehouse, rules: AllocationRules, f: ReportFilter, product: string, byPerson: boolean, why?: (reason: string) => void, current?: Promise<string | null>): Promise<AllocatedLine[] | null> {
  if (filtered(f, why)) return null;
  const [reason, rows] = await Promise.all([current ?? keptCurrency(wh, rules, f), readProductGrouped(wh, f, product)]);
  if (reason !== null) {
    why?.(reason);
    return null;
  }
  const proportional = new Set(rules.rules.filter((r) => r.split?.proportional_to).map((r) => r.name));
  const split = rows.find((r) => r.rule !== null && proportional.has(String(r.rule)));
  if (split) {
    why?.(`${product} cost went to the proportional split ${String(split.rule)}, whose basis is then ${product}'s usage alone`);
    return null;
  }
  if (byPerson) {
    const spelt = new Map<string, string>();
    for (const r of rows) {
      const person = text(r.person) ?? '';
      const id = `${String(r.dimensions)}\u0000${person.toLowerCase()}`;
      if ((spelt.get(id) ?? person) !== person) {
        why?.(`a person spelt two ways (${person})`);
        return null;
      }
      spelt.set(id, person);
    }
  }
  const values = dimensionValues(rules);
  return rows.map((r): AllocatedLine => {
    const fact: AllocationFact = { ...PRODUCT_FACT, day: f.from, userEmail: text(r.person), product, billed: subCents(r.billed), list: subCents(r.list) };
    return { fact, values: values(String(r.dimensions)), rule: text(r.rule), note: null, billed: fact.billed, list: fact.list };
  });
}

/** A kept product line as a fact: a user (so personOf gives the person kept), the product, nothing else. */
const PRODUCT_FACT: Omit<AllocationFact, 'day' | 'userEmail' | 'product' | 'billed' | 'list'> = {
  organizationId: null,
  source: 'analytics',
  actorType: 'user_actor',
  actorId: null,
  serviceAccountName: null,
  apiKeyId: null,
  apiKeyName: null,
  workspaceId: null,
  workspaceName: null,
  model: null,
  costType: null,
};

/** One product's kept lines summed per dimension values, person and rule (exported for the BigQuery SQL check). */
export async function readProductGrouped(wh: Warehouse, f: ReportFilter, product: string): Promise<QueryRow[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const w = filterWhere(d, { from: f.from, to: f.to, ...(f.organizationIds ? { organizationIds: f.organizationIds } : {}) }, 'k', { workspace: false, model: false }, ALLOCATION_LINES_TABLE);
  return wh.query(
    `SELECT k.${i('dimensions')} AS ${i('dimensions')}, k.${i('person')} AS ${i('person')}, k.${i('rule')} AS ${i('rule')},
            ${d.sumExact(`k.${i('amount_cents')}`)} AS ${i('billed')}, ${d.sumExact(`k.${i('list_amount_cents')}`)} AS ${i('list')}
       FROM ${d.table(ALLOCATION_LINES_TABLE)} k WHERE ${w.sql} AND k.${i('product')} = ? GROUP BY 1, 2, 3`,
    [...w.params, product],
  );
}

/** Dimension values of the kept JSON text, parsed once per distinct text. */
function dimensionValues(rules: AllocationRules): (json: string) => string[] {
  const valuesOf = new Map<string, string[]>();
  return (json) => {
    let v = valuesOf.get(json);
    if (!v) {
      const o = JSON.parse(json) as Record<string, string>;
      valuesOf.set(json, (v = rules.dimensions.map((dim) => o[dim]!)));
    }
    return v;
  };
}

/**
 * The kept lines summed per organization, day or month, source, dimension values and `wanted`
 * (exported for the BigQuery SQL check): from the kept days when nothing but the dimension values is
 * wanted (`table` may force the lines), else from the lines.
 */
export async function readGrouped(wh: Warehouse, rules: AllocationRules, f: ReportFilter, wanted: readonly LineColumn[], days: boolean, table = wanted.length === 0 ? keptDaysTable(wh) : ALLOCATION_LINES_TABLE): Promise<AllocatedLine[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const w = filterWhere(d, { from: f.from, to: f.to, ...(f.organizationIds ? { organizationIds: f.organizationIds } : {}) }, 'k', { workspace: false, model: false }, table);
  // Months are grouped as dates and turned into text after: a cast per kept line cost more than the sums.
  const day = days ? `k.${i('activity_date')}` : d.dateTrunc(`k.${i('activity_date')}`, 'month');
  const names = ['org', 'day', 'source', 'dimensions', ...wanted];
  const keys = [`k.${i('organization_id')}`, day, `k.${i('source')}`, `k.${i('dimensions')}`, ...wanted.map((c) => `k.${i(c)}`)].map((e, n) => `${e} AS ${i(names[n]!)}`);
  const rows = await wh.query(
    `SELECT ${names.map((n) => (n === 'day' && !days ? `${d.toText(`g.${i(n)}`)} AS ${i(n)}` : `g.${i(n)}`)).join(', ')}, g.${i('billed')}, g.${i('list')}
       FROM (SELECT ${keys.join(', ')}, ${d.sumExact(`k.${i('amount_cents')}`)} AS ${i('billed')}, ${d.sumExact(`k.${i('list_amount_cents')}`)} AS ${i('list')}
               FROM ${d.table(table)} k WHERE ${w.sql} GROUP BY ${keys.map((_, n) => n + 1).join(', ')}) g`,
    w.params,
  );
  const values = dimensionValues(rules);
  return rows.map((r): AllocatedLine => {
    const source = String(r.source) as AllocationFact['source'];
    const person = wanted.includes('person') ? text(r.person) : null;
    // A fact whose attributes give, through summary.ts's columnValue, the values kept (already as reports show them).
    const fact: AllocationFact = {
      day: String(r.day).slice(0, 10),
      organizationId: text(r.org),
      source,
      actorType: wanted.includes('person') ? 'user_actor' : null,
      actorId: null,
      userEmail: person,
      serviceAccountName: null,
      apiKeyId: null,
      apiKeyName: wanted.includes('api_key') ? text(r.api_key) : null,
      workspaceId: null,
      workspaceName: wanted.includes('workspace') ? text(r.workspace) : null,
      product: wanted.includes('product') ? text(r.product) : null,
      model: wanted.includes('model') ? text(r.model) : null,
      costType: wanted.includes('cost_type') ? text(r.cost_type) : null,
      billed: subCents(r.billed),
      list: subCents(r.list),
    };
    return { fact, values: values(String(r.dimensions)), rule: wanted.includes('rule') ? text(r.rule) : null, note: null, billed: fact.billed, list: fact.list };
  });
}

/**
 * The range's allocated lines, enough for grouping by `columns` (dimensions, fact columns): from the
 * kept lines when they answer exactly, else from the engine over the facts (`slow` is told why).
 */
export async function allocatedLines(wh: Warehouse, rules: AllocationRules, f: ReportFilter, columns: readonly string[], slow?: (reason: string) => void, current?: Promise<string | null>): Promise<AllocatedLine[]> {
  const kept = await readKeptLines(wh, rules, f, columns, current ? '' : namesHash(wh), slow, current);
  if (kept) return kept;
  return allocate(rules, await readAllocationFacts(wh, f, rules, factDetailFor(rules, columns))).lines;
}

/** What a command says when the kept lines could not answer (it still answers, from the engine). */
export function slowAllocationNote(why: string): string {
  return `allocation: computed from the facts (slower), not from the kept allocation: ${why}; claude-ingest allocate (or the next run) keeps it for these rules`;
}

/**
 * The days on which the kept lines (and the kept days) differ from the engine's `lines` (usage only),
 * per organization and dimension values, billed and list to the sub-cent; null when the kept lines
 * are not current for the range (the readers then compute from the facts, so there is nothing to prove).
 */
export async function keptLinesDiffer(wh: Warehouse, rules: AllocationRules, f: ReportFilter, lines: readonly AllocatedLine[]): Promise<string[] | null> {
  if ((await keptLinesCurrent(wh, rules, f, await namesHash(wh))) !== null) return null;
  return keptDaysDiffer(wh, rules, f, lines);
}

/** The days of the range on which either kept form differs from the engine's `lines` (whether or not the kept lines are current). */
export async function keptDaysDiffer(wh: Warehouse, rules: AllocationRules, f: ReportFilter, lines: readonly AllocatedLine[]): Promise<string[]> {
  const sums = new Map<string, { day: string; billed: bigint; list: bigint }>();
  const add = (day: string, org: string | null, values: readonly string[], billed: bigint, list: bigint, sign: bigint) => {
    const k = `${day}\u0000${org ?? ''}\u0000${JSON.stringify(values)}`;
    const e = sums.get(k) ?? { day, billed: 0n, list: 0n };
    e.billed += sign * billed;
    e.list += sign * list;
    sums.set(k, e);
  };
  for (const l of lines) if (l.fact.source !== 'configured' && !l.fact.basisOnly) add(l.fact.day, l.fact.organizationId, l.values, l.billed, l.list, 1n);
  const usage = new Map(sums);
  const differ = new Set<string>();
  // Both kept forms readers answer from: the lines (details) and the kept days (dimension values).
  for (const table of new Set([ALLOCATION_LINES_TABLE, keptDaysTable(wh)])) {
    sums.clear();
    for (const [k, e] of usage) sums.set(k, { ...e });
    for (const l of await readGrouped(wh, rules, f, [], true, table)) add(l.fact.day, l.fact.organizationId, l.values, l.billed, l.list, -1n);
    for (const e of sums.values()) if (e.billed !== 0n || e.list !== 0n) differ.add(e.day);
  }
  return [...differ].sort();
}
