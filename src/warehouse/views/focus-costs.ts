/**
 * claude_focus_costs: billed cost in FinOps FOCUS columns, so FOCUS-aware tools can read Claude
 * spend next to cloud bills. Created by each warehouse's init (see ./index.ts). Built from billed cost
 * only (claude_cost_by_key, else claude_costs): Claude Code's estimated costs are never billing data
 * (docs/reports.md, check no-double-count).
 */
import { TABLES } from '../tables.js';
import type { SqlDialect } from '../warehouse.js';

export const FOCUS_VIEW = 'claude_focus_costs';

/** SQL string literal for the constants below (never used for user input). */
function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * One FOCUS row per cost line, from exactly one source per day: claude_cost_by_key (Analytics API:
 * billed and list price, per API key) on days it holds, else claude_costs (cost_report). Never both
 * for a day, so a FOCUS tool summing the view counts each day's spend once (check focus-single-source).
 * The all-days WHEREs satisfy BigQuery's required partition filter, so FOCUS tools that know nothing
 * of partitions can read the view; a filter on x_ActivityDate still prunes.
 */
export function focusViewSql(d: SqlDialect): string {
  const i = (n: string) => d.ident(n);
  const ts = (expr: string) => d.dateToTimestamp(expr);
  const add = (expr: string, n: number, unit: 'day' | 'month') => d.dateAdd(expr, n, unit);
  const json = (entries: Array<[key: string, expr: string]>) => d.jsonObject(entries);
  const noText = d.toText('NULL');
  const branch = (alias: string, src: { billed: string; list: string; description: string; subAccountName: string; resourceId: string; resourceName: string; region: string; tagCols: string[] }) => {
    const c = (name: string) => `${alias}.${i(name)}`;
    const month = d.dateTrunc(c('activity_date'), 'month');
    // SkuId: one stable id per price point: what was charged (cost type, model, token type) at which tier and context size.
    const sku = ['cost_type', 'model', 'token_type', 'service_tier', 'context_window'].map((n) => `COALESCE(${c(n)}, '')`).join(` || '/' || `);
    const cols: Array<[string, string]> = [
      ['BilledCost', src.billed],
      ['EffectiveCost', src.billed],
      ['ListCost', src.list],
      ['ContractedCost', src.billed],
      ['BillingCurrency', c('currency')],
      ['ChargePeriodStart', ts(c('activity_date'))],
      ['ChargePeriodEnd', ts(add(c('activity_date'), 1, 'day'))],
      ['BillingPeriodStart', ts(month)],
      ['BillingPeriodEnd', ts(add(month, 1, 'month'))],
      ['ChargeCategory', lit('Usage')],
      ['ChargeFrequency', lit('Usage-Based')],
      ['ChargeDescription', src.description],
      ['ProviderName', lit('Anthropic')],
      ['PublisherName', lit('Anthropic')],
      ['InvoiceIssuerName', lit('Anthropic')],
      ['ServiceName', lit('Claude API')],
      ['ServiceCategory', lit('AI and Machine Learning')],
      // The organization is the billing account (each is invoiced on its own); its workspaces are sub-accounts.
      ['BillingAccountId', c('organization_id')],
      ['BillingAccountName', `COALESCE(og.${i('name')}, ${c('organization_id')})`],
      ['SubAccountId', `COALESCE(${c('workspace_id')}, ${lit('default')})`],
      ['SubAccountName', src.subAccountName],
      ['ResourceId', src.resourceId],
      ['ResourceName', src.resourceName],
      ['SkuId', sku],
      ['RegionId', src.region],
      ['Tags', json(src.tagCols.map((n) => [n, c(n)]))],
      // Custom column (x_ prefix per FOCUS): the partition column, for cheap day filters.
      ['x_ActivityDate', c('activity_date')],
    ];
    return cols.map(([name, expr]) => `${expr} AS ${i(name)}`).join(',\n       ');
  };
  const k = (n: string) => `k.${i(n)}`;
  const c = (n: string) => `c.${i(n)}`;
  // The organization snapshot holds one row per organization (its own organization_id = id).
  const orgJoin = (orgId: string) => `LEFT JOIN ${d.table('claude_organization')} og ON og.${i('id')} = ${orgId}`;
  const tags = ['model', 'service_tier', 'token_type', 'context_window', 'cost_type'];
  const analytics = branch('k', {
    billed: k('amount_usd'),
    list: k('list_amount_usd'),
    // The Analytics API has no description text: the cost line is named by its dimensions.
    description: `${['cost_type', 'model', 'token_type'].map((n) => `COALESCE(${k(n)}, '')`).join(` || ' ' || `)}`,
    // The Analytics API names the default workspace by its id, which the workspaces list never holds.
    subAccountName: `CASE WHEN ${k('workspace_id')} IS NULL OR w.${i('id')} IS NULL THEN ${lit('Default')} ELSE w.${i('name')} END`,
    resourceId: k('api_key_id'),
    resourceName: `COALESCE(ak.${i('name')}, ${k('api_key_id')})`,
    region: noText,
    tagCols: [...tags, 'api_key_id'],
  });
  const legacy = branch('c', {
    // The cost report carries no list prices or discounts: billed, effective and list cost are the same figure.
    billed: c('amount_usd'),
    list: c('amount_usd'),
    description: c('description'),
    subAccountName: `CASE WHEN ${c('workspace_id')} IS NULL THEN ${lit('Default')} ELSE COALESCE(w.${i('name')}, ${c('workspace_id')}) END`,
    resourceId: noText,
    resourceName: noText,
    // not_available means the API could not say where inference ran: FOCUS wants NULL for unknown.
    region: `CASE WHEN ${c('inference_geo')} = ${lit('not_available')} THEN NULL ELSE ${c('inference_geo')} END`,
    tagCols: tags,
  });
  // A day (of an organization, where rows carry one) that claude_cost_by_key holds is taken from it alone.
  const byOrg = TABLES.claude_costs.columns.some((col) => col.name === 'organization_id')
    ? ` AND x.${i('organization_id')} IS NOT DISTINCT FROM ${c('organization_id')}`
    : '';
  return `SELECT ${analytics}
  FROM ${d.table('claude_cost_by_key')} k
  LEFT JOIN ${d.table('claude_workspaces')} w ON w.${i('id')} = ${k('workspace_id')}
  LEFT JOIN ${d.table('claude_api_keys')} ak ON ak.${i('id')} = ${k('api_key_id')}
  ${orgJoin(k('organization_id'))}
 WHERE ${d.allDays(k('activity_date'))}
UNION ALL
SELECT ${legacy}
  FROM ${d.table('claude_costs')} c
  LEFT JOIN ${d.table('claude_workspaces')} w ON w.${i('id')} = ${c('workspace_id')}
  ${orgJoin(c('organization_id'))}
 WHERE ${d.allDays(c('activity_date'))}
   AND NOT EXISTS (SELECT 1 FROM ${d.table('claude_cost_by_key')} x WHERE ${d.allDays(`x.${i('activity_date')}`)} AND x.${i('activity_date')} = ${c('activity_date')}${byOrg})`;
}
