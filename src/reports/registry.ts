/** Report names for `report --by` and `export <report>`, each mapped to its query builder. */
import type { SqlDialect, Warehouse, QueryRow } from '../warehouse/warehouse.js';
import type { ReportFilter } from './filter.js';
import { spendByOrganizationQuery } from './organization-queries.js';
import { fixedCostsQuery } from './fixed-cost-queries.js';
import { addFixedFees, type ReportTotals } from './fixed-fee-days.js';
import { apiKeyCostQuery, productCostQuery, userCostQuery } from './analytics-queries.js';
import { claudeCodeByUserQuery, spendByQuery, spendOverTimeQuery, sqlAndParams, type ReportColumn, type ReportQuery } from './queries.js';

export const REPORT_NAMES = ['day', 'week', 'month', 'workspace', 'model', 'cost_type', 'api_key', 'user', 'product', 'claude_code', 'organization', 'fixed_costs'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** `spend` is spend over time by day, the name `export` documents. */
export const REPORT_ALIASES: Record<string, ReportName> = { spend: 'day' };

export const REPORT_TITLES: Record<ReportName, string> = {
  day: 'Spend per day',
  week: 'Spend per ISO week (Monday start)',
  month: 'Spend per calendar month',
  workspace: 'Spend by workspace',
  model: 'Spend by model',
  cost_type: 'Spend by cost type',
  api_key: 'Billed cost (Analytics API) and tokens by API key',
  user: 'Billed cost per person across products (Analytics API), with the Claude Code ESTIMATE beside it (not billing data, never added)',
  product: 'Billed cost by product (Analytics API)',
  claude_code: 'Claude Code per user (estimated cost is an estimate, not billing data)',
  organization: 'Spend by organization',
  fixed_costs: 'Configured fees per month (claude-ingest.yaml fixed_costs: configured, not API data)',
};

export function resolveReportName(name: string): ReportName | undefined {
  const n = REPORT_ALIASES[name] ?? name;
  return (REPORT_NAMES as readonly string[]).includes(n) ? (n as ReportName) : undefined;
}

export function reportQuery(d: SqlDialect, name: ReportName, f: ReportFilter): ReportQuery {
  switch (name) {
    case 'day':
    case 'week':
    case 'month':
      return spendOverTimeQuery(d, f, name);
    case 'workspace':
    case 'model':
    case 'cost_type':
      return spendByQuery(d, f, name);
    case 'api_key':
      return apiKeyCostQuery(d, f);
    case 'user':
      return userCostQuery(d, f);
    case 'product':
      return productCostQuery(d, f);
    case 'claude_code':
      return claudeCodeByUserQuery(d, f);
    case 'organization':
      return spendByOrganizationQuery(d, f);
    case 'fixed_costs':
      return fixedCostsQuery(d, f);
  }
}

export interface ReportResult {
  /** A report of REPORT_NAMES, one of the limit reports (limit-reports.ts), an allocation report (allocation/report.ts) or a calendar period (local-spend.ts). */
  report: ReportName | 'rate_limit' | 'spend_limit' | 'allocation' | 'claude_code_value' | 'quarter' | 'fiscal_year';
  title: string;
  filter: ReportFilter;
  columns: ReportColumn[];
  rows: QueryRow[];
  /** Spend reports (day, week, month, workspace): what the figures add up to and what that includes. */
  totals?: ReportTotals;
}

/** Reports that show configured fees beside the API spend (fixed-fee-days.ts). */
export const WITH_FIXED_FEES = new Set<ReportName>(['day', 'week', 'month', 'workspace', 'organization']);

export async function runReport(wh: Warehouse, name: ReportName, f: ReportFilter): Promise<ReportResult> {
  const q = reportQuery(wh.dialect, name, f);
  const rows = await wh.query(...sqlAndParams(q));
  if (WITH_FIXED_FEES.has(name)) {
    const withFees = await addFixedFees(wh, name as 'day' | 'week' | 'month' | 'workspace' | 'organization', f, q.columns, rows);
    return { report: name, title: REPORT_TITLES[name], filter: f, ...withFees };
  }
  return { report: name, title: REPORT_TITLES[name], filter: f, columns: q.columns, rows };
}

/** The report's SELECT with each column renamed to its header, for `export` (headers become file columns). */
export function exportSql(d: SqlDialect, q: ReportQuery): string {
  return `SELECT ${q.columns.map((c) => `r.${d.ident(c.name)} AS ${d.ident(c.header)}`).join(', ')} FROM (${q.sql}) r`;
}
