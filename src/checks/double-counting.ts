/**
 * No double counting. Claude Code usage by API customers is already billed in the cost report, so
 * its per-actor estimates must never reach cost figures: the productivity table must hold no
 * cost-like column (read from the actual table, not from TABLES), and no cost SQL this tool
 * generates (the cost reports, the FOCUS view) may read claude_code_model_usage.
 */
import { VIEWS } from '../warehouse/views/index.js';
import type { ReportFilter } from '../reports/filter.js';
import { spendByQuery, spendOverTimeQuery, type Period, type SpendDimension } from '../reports/queries.js';
import type { SqlDialect } from '../warehouse/warehouse.js';
import { type Check } from './check.js';

export const COST_LIKE = /cost|amount|usd|cents|price/i;
const ESTIMATES_TABLE = 'claude_code_model_usage';

/** Every cost-bearing SQL text the tool generates, by name. */
export function costSqlTexts(d: SqlDialect): Array<{ name: string; sql: string }> {
  const f: ReportFilter = { from: '2000-01-01', to: '2000-01-01' };
  const periods: Period[] = ['day', 'week', 'month'];
  const dims: SpendDimension[] = ['workspace', 'model', 'cost_type'];
  return [
    ...periods.map((p) => ({ name: `report --by ${p}`, sql: spendOverTimeQuery(d, f, p).sql })),
    ...dims.map((dim) => ({ name: `report --by ${dim}`, sql: spendByQuery(d, f, dim).sql })),
    ...VIEWS.map((v) => ({ name: `view ${v.name}`, sql: v.sql(d) })),
  ];
}

export const doubleCountingCheck: Check = {
  id: 'no-double-count',
  title: 'Claude Code estimates kept out of costs',
  scope: 'warehouse',
  async run(ctx) {
    const d = ctx.wh.dialect;
    const q = d.columnsQuery('claude_code_productivity');
    const columns = (await ctx.wh.query(q.sql, q.params)).map((r) => String(r.column_name));
    const costLike = columns.filter((c) => COST_LIKE.test(c));
    const leaking = costSqlTexts(d).filter((s) => s.sql.includes(ESTIMATES_TABLE)).map((s) => s.name);
    const problems: string[] = [];
    if (costLike.length > 0) problems.push(`claude_code_productivity has cost-like column(s) ${costLike.join(', ')}`);
    if (leaking.length > 0) problems.push(`${leaking.join(', ')} read ${ESTIMATES_TABLE}`);
    if (columns.length === 0) problems.push('claude_code_productivity was not found');
    if (problems.length === 0) {
      return {
        id: this.id,
        status: 'PASS',
        figure: '0 cost columns',
        detail: `claude_code_productivity (${columns.length} columns) has no cost column, and no cost report or the FOCUS view reads ${ESTIMATES_TABLE}.`,
      };
    }
    return {
      id: this.id,
      status: 'FAIL',
      figure: `${costLike.length} cost column${costLike.length === 1 ? '' : 's'}${leaking.length ? `, ${leaking.length} leaking quer${leaking.length === 1 ? 'y' : 'ies'}` : ''}`,
      detail: `${problems.join('; ')}. Claude Code cost is already billed in claude_costs: adding its estimate counts it twice.`,
      action: costLike.length > 0 ? `Drop the column(s) (ALTER TABLE claude_code_productivity DROP COLUMN ${costLike[0]}) and use claude_costs for spend` : 'Report this as a claude-ingest bug',
    };
  },
};
