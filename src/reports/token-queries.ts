/**
 * Tokens by type per workspace or model (usage report, claude_usage_keys: the rows
 * `report --by api_key` sums, so the groups add up to the same totals) or per product (Usage and
 * Cost Analytics API, claude_usage_by_actor: the API `report --by product` reads cost from). The
 * metrics' token breakdowns read these; keys are labelled as the cost breakdowns label them (the
 * default workspace as `default`, no product as "(code execution)") so both keep the same keys.
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import { CODE_EXECUTION } from './analytics-queries.js';
import { int } from './cells.js';
import { DEFAULT_WORKSPACE, filterWhere, type ReportFilter } from './filter.js';
import { TOKEN_COLUMNS } from './queries.js';

export type TokenDimension = 'workspace' | 'model' | 'product';

export interface TokensByRow {
  key: string;
  tokens: Record<string, number>;
}

const SOURCES: Record<TokenDimension, { table: 'claude_usage_keys' | 'claude_usage_by_actor'; column: string; nullKey: string }> = {
  workspace: { table: 'claude_usage_keys', column: 'workspace_id', nullKey: DEFAULT_WORKSPACE },
  model: { table: 'claude_usage_keys', column: 'model', nullKey: '(no model)' },
  product: { table: 'claude_usage_by_actor', column: 'product', nullKey: CODE_EXECUTION },
};

export async function tokensBy(wh: Warehouse, f: ReportFilter, dim: TokenDimension): Promise<TokensByRow[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const src = SOURCES[dim];
  const where = filterWhere(d, f, 'u', { workspace: true, model: true }, src.table);
  const rows = await wh.query(
    `SELECT COALESCE(u.${i(src.column)}, ?) AS ${i('key')}, ${TOKEN_COLUMNS.map((c) => `SUM(u.${i(c)}) AS ${i(c)}`).join(', ')}
       FROM ${d.table(src.table)} u WHERE ${where.sql} GROUP BY 1 ORDER BY 1`,
    [src.nullKey, ...where.params],
  );
  return rows.map((r) => ({ key: String(r.key), tokens: Object.fromEntries(TOKEN_COLUMNS.map((c) => [c, int(r[c])])) }));
}
