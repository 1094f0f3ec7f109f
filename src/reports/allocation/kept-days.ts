/**
 * The kept days (claude_cost_allocation_days): the kept lines summed per day, source and dimension
 * values, written with them (same window, same transaction: materialise.ts), about 2,000 rows a year
 * against a million lines. They answer the currency check of every reader of the kept allocation and
 * `report --by <dimensions>`; a warehouse that lacks the table (a read-only open of a file made
 * before it) is read from the lines instead.
 */
import { formatScaled, parseCents } from '../../util/money.js';
import type { RowOf } from '../../warehouse/tables.js';
import type { QueryRow, Warehouse } from '../../warehouse/warehouse.js';
import { filterWhere, type ReportFilter } from '../filter.js';
import { subCents } from './facts.js';
import type { AllocationRules } from './rules.js';

export const ALLOCATION_DAYS_TABLE = 'claude_cost_allocation_days';
const ALLOCATION_LINES_TABLE = 'claude_cost_allocation_lines';

const text = (v: QueryRow[string] | undefined): string | null => (v === null || v === undefined ? null : String(v));

/** One day's kept lines summed per source and dimension values: the day's claude_cost_allocation_days rows. */
export function keptDayRows(lines: ReadonlyArray<RowOf<'claude_cost_allocation_lines'>>): Array<RowOf<'claude_cost_allocation_days'>> {
  const rows = new Map<string, { row: RowOf<'claude_cost_allocation_days'>; billed: bigint; list: bigint }>();
  for (const l of lines) {
    const key = `${l.source}\u0000${l.dimensions}`;
    const had = rows.get(key);
    if (had) {
      had.billed += subCents(l.amount_cents);
      had.list += subCents(l.list_amount_cents);
      had.row.line_count++;
      continue;
    }
    const row = { activity_date: l.activity_date, source: l.source, dimensions: l.dimensions, amount_cents: l.amount_cents, list_amount_cents: l.list_amount_cents, line_count: 1, rules_hash: l.rules_hash, names_hash: l.names_hash };
    rows.set(key, { row, billed: subCents(l.amount_cents), list: subCents(l.list_amount_cents) });
  }
  return [...rows.values()].map(({ row, billed, list }) => ({ ...row, amount_cents: parseCents(formatScaled(billed, 12)), list_amount_cents: parseCents(formatScaled(list, 12)) }));
}

/**
 * Where the kept lines' per-day sums are read: claude_cost_allocation_days, written with the lines
 * (about 2,000 rows a year), unless the warehouse lacks it (a read-only open of a file made before
 * it), then the lines themselves.
 */
export function keptDaysTable(wh: Warehouse): string {
  return wh.lacks?.(ALLOCATION_DAYS_TABLE) ? ALLOCATION_LINES_TABLE : ALLOCATION_DAYS_TABLE;
}

/**
 * Per organization-day of the range (key: organization id, NUL, day) whose kept lines do not answer
 * as the engine would, why not (keptLinesCurrent's reasons); `first`: stop at the first found.
 */
export async function keptLinesStale(wh: Warehouse, rules: AllocationRules, f: ReportFilter, names: string, first = false): Promise<Map<string, string>> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const where = (a: string, table: string) => filterWhere(d, { from: f.from, to: f.to, ...(f.organizationIds ? { organizationIds: f.organizationIds } : {}) }, a, { workspace: false, model: false }, table);
  const src = (table: string) => {
    const w = where('s', table);
    return { sql: `SELECT s.${i('organization_id')} AS ${i('org')}, s.${i('activity_date')} AS ${i('day')}, ${d.toText(`MAX(s.${i('ingested_at')})`)} AS ${i('latest')} FROM ${d.table(table)} s WHERE ${w.sql} GROUP BY 1, 2`, params: w.params };
  };
  const a = src('claude_cost_by_actor');
  const c = src('claude_costs');
  const table = keptDaysTable(wh);
  const k = where('k', table);
  const [sources, kept] = await Promise.all([
    wh.query(`${a.sql} UNION ALL ${c.sql}`, [...a.params, ...c.params]),
    wh.query(
      `SELECT k.${i('organization_id')} AS ${i('org')}, k.${i('activity_date')} AS ${i('day')}, ${d.toText(`MIN(k.${i('ingested_at')})`)} AS ${i('built')},
              MIN(k.${i('rules_hash')}) AS ${i('h1')}, MAX(k.${i('rules_hash')}) AS ${i('h2')}, MIN(k.${i('names_hash')}) AS ${i('n1')}, MAX(k.${i('names_hash')}) AS ${i('n2')}
         FROM ${d.table(table)} k WHERE ${k.sql} GROUP BY 1, 2`,
      k.params,
    ),
  ]);
  const key = (r: QueryRow) => `${text(r.org) ?? ''}\u0000${String(r.day).slice(0, 10)}`;
  const latest = new Map<string, number>();
  for (const r of sources) latest.set(key(r), Math.max(latest.get(key(r)) ?? 0, Date.parse(String(r.latest))));
  const built = new Map(kept.map((r) => [key(r), r]));
  const stale = new Map<string, string>();
  for (const [day, at] of latest) {
    const b = built.get(day);
    const shown = day.replace('\u0000', ' ');
    let why: string | null = null;
    if (!b) why = `no allocation kept for ${shown}`;
    else if (b.h1 !== rules.hash || b.h2 !== rules.hash) why = `the allocation kept for ${shown} was made with other rules (${String(b.h1)}; now ${rules.hash})`;
    else if (b.n1 !== names || b.n2 !== names) why = `the allocation kept for ${shown} was made before keys, workspaces or people were renamed`;
    else if (Date.parse(String(b.built)) < at) why = `${shown} was ingested again after its allocation was kept`;
    if (why !== null) {
      stale.set(day, why);
      if (first) return stale;
    }
  }
  for (const day of built.keys()) {
    if (latest.has(day)) continue;
    stale.set(day, `the allocation kept for ${day.replace('\u0000', ' ')} has no facts any more`);
    if (first) return stale;
  }
  return stale;
}
