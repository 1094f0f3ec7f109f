/**
 * `report --by fixed_costs`: the fees configured in claude-ingest.yaml (claude_fixed_costs), per month,
 * labelled configured. Never added to the API-data reports; reconcile, the FOCUS view and the
 * dashboard's bridge add them where a bill is being explained.
 */
import type { SqlDialect } from '../warehouse/warehouse.js';
import { checkFilter, ReportInputError, type ReportFilter } from './filter.js';
import type { ReportQuery } from './queries.js';

export function fixedCostsQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  checkFilter(f);
  if (f.workspaceIds?.length || f.models?.length) throw new ReportInputError('configured fees have no workspace or model: drop those filters');
  const i = (n: string) => d.ident(n);
  const trunc = d.dateTrunc?.(d.dateParam(), 'month') ?? d.dateParam();
  const orgs = f.organizationIds ?? [];
  // A fee without an organization is billed to whichever one is shown.
  const org = orgs.length > 0 ? ` AND (${i('organization_id')} IN (${orgs.map(() => '?').join(', ')}) OR ${i('organization_id')} IS NULL)` : '';
  return {
    sql: `SELECT ${i('month')} AS ${i('month')}, ${i('name')} AS ${i('name')}, ${i('kind')} AS ${i('kind')}, ${i('quantity')} AS ${i('quantity')}, ${i('unit')} AS ${i('unit')},
                 ${i('unit_price_usd')} AS ${i('unit_price_usd')}, ${i('amount_usd')} AS ${i('usd')}, ${i('allocate_to')} AS ${i('allocate_to')},
                 COALESCE(${i('period_start')}, ${i('month')}) AS ${i('period_start')}, ${i('period_end')} AS ${i('period_end')}, ${i('source')} AS ${i('source')}
            FROM ${d.table('claude_fixed_costs')}
           WHERE ${i('active')} AND ${i('month')} BETWEEN ${trunc} AND ${d.dateParam()}${org}
           ORDER BY 1, 2`,
    params: [f.from, f.to, ...orgs],
    columns: [
      { name: 'month', header: 'month', kind: 'date' },
      { name: 'name', header: 'fee (configured)', kind: 'text' },
      { name: 'kind', header: 'kind', kind: 'text' },
      { name: 'quantity', header: 'quantity', kind: 'int' },
      { name: 'unit', header: 'unit', kind: 'text' },
      { name: 'unit_price_usd', header: 'unit_price_usd', kind: 'usd' },
      { name: 'usd', header: 'amount_usd', kind: 'usd' },
      { name: 'allocate_to', header: 'allocate_to', kind: 'text' },
      { name: 'period_start', header: 'charged_from', kind: 'date' },
      { name: 'period_end', header: 'charged_to', kind: 'date' },
      { name: 'source', header: 'source', kind: 'text' },
    ],
  };
}
