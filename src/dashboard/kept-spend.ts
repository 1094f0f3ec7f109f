/**
 * The billed-spend figures of claude_costs the default view asks for over a whole range — the total
 * (`report`'s totalSpend) and the spend per workspace, model or cost type (spendBy) — from month
 * parts kept beside the DuckDB file (day-parts.ts), so a first start after a daily run reads only the
 * months it rewrote. Each month's part is the same aggregate over that month's days (an exact sum
 * per key; the count of days with cost, which are distinct across months); the months are added
 * exactly (decimal text, never floats), and names and order are those of the report query: the
 * workspace's name (its id where unnamed, `default` for the default workspace), `(no model)`,
 * `(none)`; largest first, then by name. Where no parts are kept, the report queries run as before.
 */
import { DEFAULT_WORKSPACE, filterWhere, type ReportFilter } from '../reports/filter.js';
import { exact } from '../reports/cells.js';
import { spendBy, totalSpend, type SpendByRow, type SpendDimension, type SpendTotal } from '../reports/queries.js';
import { canonicalDecimal, compareDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { DayParts } from './day-parts.js';

const COSTS_DIMS = { workspace: true, model: true };

/** totalSpend(wh, f), from kept month parts where there are any. */
export async function keptTotalSpend(parts: DayParts | undefined, wh: Warehouse, f: ReportFilter): Promise<SpendTotal> {
  const months = parts ? await parts.monthly(wh, 'totalSpend', ['claude_costs'], f, (g) => totalSpend(wh, g)) : null;
  if (!months) return totalSpend(wh, f);
  return {
    usd: canonicalDecimal(sumDecimals(months.map((m) => m.usd))),
    cents: canonicalDecimal(sumDecimals(months.map((m) => m.cents))),
    // Days with cost: each month counts its own, so they add up.
    days: months.reduce((a, m) => a + m.days, 0),
  };
}

interface KeySums {
  /** [key, exact dollars] per key with cost rows in the month. */
  sums: Array<[string | null, string]>;
}

async function monthSums(wh: Warehouse, f: ReportFilter, dim: SpendDimension): Promise<KeySums> {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'c', COSTS_DIMS, 'claude_costs');
  const keyCol = dim === 'workspace' ? 'workspace_id' : dim;
  const rows = await wh.query(
    `SELECT c.${d.ident(keyCol)} AS ${d.ident('k')}, ${d.sumExact(`c.${d.ident('amount_usd')}`)} AS ${d.ident('usd')}
       FROM ${d.table('claude_costs')} c WHERE ${where.sql} GROUP BY 1`,
    where.params,
  );
  return { sums: rows.map((r) => [r.k === null ? null : String(r.k), exact(r.usd)]) };
}

/** Byte order of UTF-8 text: how DuckDB orders VARCHAR. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** spendBy(wh, f, dim), from kept month parts where there are any. */
export async function keptSpendBy(parts: DayParts | undefined, wh: Warehouse, f: ReportFilter, dim: SpendDimension): Promise<SpendByRow[]> {
  const months = parts ? await parts.monthly(wh, `spendBy:${dim}`, ['claude_costs'], f, (g) => monthSums(wh, g, dim)) : null;
  if (!months) return spendBy(wh, f, dim);
  const byKey = new Map<string | null, string[]>();
  for (const m of months) {
    for (const [k, usd] of m.sums) {
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.push(usd);
    }
  }
  let names: Map<string, string | null> | undefined;
  if (dim === 'workspace') {
    const d = wh.dialect;
    const rows = await wh.query(`SELECT ${d.ident('id')} AS ${d.ident('id')}, ${d.ident('name')} AS ${d.ident('name')} FROM ${d.table('claude_workspaces')}`);
    names = new Map(rows.map((r) => [String(r.id), r.name === null ? null : String(r.name)]));
    // Two rows for one id would repeat the report's rows (a LEFT JOIN): leave that to the report's query.
    if (names.size !== rows.length) return spendBy(wh, f, dim);
  }
  const nameOf = (k: string | null): string => {
    if (dim === 'workspace') return k === null ? DEFAULT_WORKSPACE : (names!.get(k) ?? k);
    return k ?? (dim === 'model' ? '(no model)' : '(none)');
  };
  const rows = [...byKey].map(([key, list]) => ({ key, name: nameOf(key), usd: canonicalDecimal(sumDecimals(list)) }));
  return rows.sort((a, b) => compareDecimal(b.usd, a.usd) || byBytes(a.name, b.name) || byBytes(a.key ?? '', b.key ?? ''));
}
