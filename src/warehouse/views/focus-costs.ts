/**
 * claude_focus_costs: claude_costs in FinOps FOCUS columns, so FOCUS-aware tools can read Claude
 * spend next to cloud bills. Created by each warehouse's init (see ./index.ts). Built from claude_costs
 * only: Claude Code's estimated costs are never billing data (docs/reports.md, check no-double-count).
 */
import { feature } from '../dialect-features.js';
import type { SqlDialect } from '../warehouse.js';

export const FOCUS_VIEW = 'claude_focus_costs';

/** SQL string literal for the constants below (never used for user input). */
function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The all-days WHERE satisfies BigQuery's required partition filter on claude_costs, so FOCUS tools
 * that know nothing of partitions can read the view; a filter on x_ActivityDate still prunes.
 */
export function focusViewSql(d: SqlDialect): string {
  const c = (name: string) => `c.${d.ident(name)}`;
  const ts = feature(d, 'dateToTimestamp');
  const add = feature(d, 'dateAdd');
  const month = feature(d, 'dateTrunc')(c('activity_date'), 'month');
  const json = feature(d, 'jsonObject');
  // SkuId: one stable id per price point: what was charged (cost type, model, token type) at which tier and context size.
  const sku = ['cost_type', 'model', 'token_type', 'service_tier', 'context_window'].map((n) => `COALESCE(${c(n)}, '')`).join(` || '/' || `);
  const cols: Array<[string, string]> = [
    // The cost report carries no list prices or discounts: billed, effective and list cost are the same figure.
    ['BilledCost', c('amount_usd')],
    ['EffectiveCost', c('amount_usd')],
    ['ListCost', c('amount_usd')],
    ['ContractedCost', c('amount_usd')],
    ['BillingCurrency', c('currency')],
    ['ChargePeriodStart', ts(c('activity_date'))],
    ['ChargePeriodEnd', ts(add(c('activity_date'), 1, 'day'))],
    ['BillingPeriodStart', ts(month)],
    ['BillingPeriodEnd', ts(add(month, 1, 'month'))],
    ['ChargeCategory', lit('Usage')],
    ['ChargeFrequency', lit('Usage-Based')],
    ['ChargeDescription', c('description')],
    ['ProviderName', lit('Anthropic')],
    ['PublisherName', lit('Anthropic')],
    ['InvoiceIssuerName', lit('Anthropic')],
    ['ServiceName', lit('Claude API')],
    ['ServiceCategory', lit('AI and Machine Learning')],
    ['SubAccountId', `COALESCE(${c('workspace_id')}, ${lit('default')})`],
    ['SubAccountName', `CASE WHEN ${c('workspace_id')} IS NULL THEN ${lit('Default')} ELSE COALESCE(w.${d.ident('name')}, ${c('workspace_id')}) END`],
    ['SkuId', sku],
    // not_available means the API could not say where inference ran: FOCUS wants NULL for unknown.
    ['RegionId', `CASE WHEN ${c('inference_geo')} = ${lit('not_available')} THEN NULL ELSE ${c('inference_geo')} END`],
    ['Tags', json(['model', 'service_tier', 'token_type', 'context_window', 'cost_type'].map((n) => [n, c(n)]))],
    // Custom column (x_ prefix per FOCUS): the partition column, for cheap day filters.
    ['x_ActivityDate', c('activity_date')],
  ];
  return `SELECT ${cols.map(([name, expr]) => `${expr} AS ${d.ident(name)}`).join(',\n       ')}
  FROM ${d.table('claude_costs')} c
  LEFT JOIN ${d.table('claude_workspaces')} w ON w.${d.ident('id')} = ${c('workspace_id')}
 WHERE ${d.allDays(c('activity_date'))}`;
}
