/**
 * The dashboard's Analytics API queries beyond the reports in analytics-queries.ts (whose per-key,
 * per-person and per-product figures it shows as they are): billed cost per day × product, for the
 * stacked chart, and whether the warehouse holds any analytics cost at all. Per-product cost comes
 * only from claude_cost_by_actor, as in productCostQuery, and is never added to another cost table.
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import { CODE_EXECUTION } from './analytics-queries.js';
import { exact } from './cells.js';
import { filterWhere, type ReportFilter } from './filter.js';

export interface ProductDayRow {
  day: string;
  /** The product as sent; CODE_EXECUTION for a NULL product, named as `report --by product` names it. */
  product: string;
  /** Exact billed dollars. */
  usd: string;
}

/** SQL: billed dollars per day × product (claude_cost_by_actor); exported for the BigQuery parity test. */
export function productCostByDayQuery(wh: Pick<Warehouse, 'dialect'>, f: ReportFilter): { sql: string; params: unknown[] } {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const w = filterWhere(d, f, 'b', { workspace: true, model: true }, 'claude_cost_by_actor');
  return {
    sql: `SELECT b.${i('activity_date')} AS ${i('day')}, COALESCE(b.${i('product')}, ?) AS ${i('product')}, ${d.sumExact(`b.${i('amount_usd')}`)} AS ${i('usd')}
       FROM ${d.table('claude_cost_by_actor')} b WHERE ${w.sql}
      GROUP BY 1, 2 ORDER BY 1, 2`,
    params: [CODE_EXECUTION, ...w.params],
  };
}

export async function productCostByDay(wh: Warehouse, f: ReportFilter): Promise<ProductDayRow[]> {
  const q = productCostByDayQuery(wh, f);
  const rows = await wh.query(q.sql, q.params);
  return rows.map((r) => ({ day: String(r.day), product: String(r.product), usd: exact(r.usd) }));
}

/** Whether either analytics cost table holds a row on any day (the dashboard hides its analytics sections otherwise). */
export async function hasAnalyticsCost(wh: Warehouse): Promise<boolean> {
  const d = wh.dialect;
  const day = d.ident('activity_date');
  for (const t of ['claude_cost_by_key', 'claude_cost_by_actor']) {
    if ((await wh.query(`SELECT 1 AS ${d.ident('x')} FROM ${d.table(t)} WHERE ${d.allDays(day)} LIMIT 1`)).length > 0) return true;
  }
  return false;
}
