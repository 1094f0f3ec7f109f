/**
 * `report --by organization`: billed spend per organization, named from claude_organization. From
 * claude_costs like every other spend report, so the organizations add up to `report --by day`.
 */
import type { SqlDialect } from '../warehouse/warehouse.js';
import { filterWhere, type ReportFilter } from './filter.js';
import type { ReportQuery } from './queries.js';

export function spendByOrganizationQuery(d: SqlDialect, f: ReportFilter): ReportQuery {
  const i = (n: string) => d.ident(n);
  const where = filterWhere(d, f, 'c', { workspace: true, model: true }, 'claude_costs');
  const k = `s.${i('k')}`;
  // Aggregate first, then join names: the snapshot holds one row per organization, so no cost row doubles.
  return {
    sql: `SELECT ${k} AS ${i('organization_id')},
                 CASE WHEN ${k} IS NULL THEN '(no organization)' ELSE COALESCE(o.${i('name')}, ${k}) END AS ${i('name')},
                 s.${i('usd')} AS ${i('usd')}
            FROM (SELECT c.${i('organization_id')} AS ${i('k')}, ${d.sumExact(`c.${i('amount_usd')}`)} AS ${i('usd')}
                    FROM ${d.table('claude_costs')} c WHERE ${where.sql} GROUP BY 1) s
            LEFT JOIN ${d.table('claude_organization')} o ON o.${i('id')} = ${k}
           ORDER BY s.${i('usd')} DESC, 2`,
    params: where.params,
    columns: [
      { name: 'organization_id', header: 'organization_id', kind: 'text' },
      { name: 'name', header: 'name', kind: 'text' },
      { name: 'usd', header: 'cost_usd', kind: 'usd' },
    ],
  };
}
