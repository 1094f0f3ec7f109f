/**
 * claude_focus_costs: billed cost in FinOps FOCUS 1.2 columns, so FOCUS-aware tools can read Claude
 * spend next to cloud bills. Created by each warehouse's init (see ./index.ts). Built from billed cost
 * only (claude_cost_by_key, else claude_costs) plus the fees configured in claude-ingest.yaml
 * (claude_fixed_costs, labelled x_Source = 'configured'): Claude Code's estimated costs are never
 * billing data (docs/reports.md, check no-double-count). The columns and their rules follow the spec's
 * column files at tag v1.2 (test/warehouse/focus-spec-columns.ts lists them; focus-spec.test.ts checks).
 * Usage rows carry the allocation's dimensions in Tags: the view LEFT JOINs claude_cost_allocation
 * (written by `claude-ingest allocate` from the rules and the facts), one FOCUS row per part of a row
 * shared among several dimension values, and a row nobody allocated (yet) exactly as before.
 */
import { TABLES } from '../tables.js';
import type { SqlDialect } from '../warehouse.js';

export const FOCUS_VIEW = 'claude_focus_costs';
/** Who pays each usage row: the allocation's parts (src/warehouse/allocation-tables.ts). */
const ALLOCATION_TABLE = 'claude_cost_allocation';

/** SQL string literal for the constants below (never used for user input). */
function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Usage token types → the usage column that counts them (claude_usage_keys). */
const TOKEN_USAGE: Array<[string, string]> = [
  ['uncached_input_tokens', 'uncached_input_tokens'],
  ['output_tokens', 'output_tokens'],
  ['cache_read_input_tokens', 'cache_read_input_tokens'],
  ['cache_creation.ephemeral_5m_input_tokens', 'cache_creation_5m_input_tokens'],
  ['cache_creation.ephemeral_1h_input_tokens', 'cache_creation_1h_input_tokens'],
];

/** Every column of the view, in order; each branch gives an expression for each. */
const COLUMNS = [
  'BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency',
  'ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart', 'BillingPeriodEnd',
  'ChargeCategory', 'ChargeClass', 'ChargeFrequency', 'ChargeDescription',
  'PricingQuantity', 'PricingUnit', 'PricingCategory', 'ListUnitPrice', 'ContractedUnitPrice',
  'ConsumedQuantity', 'ConsumedUnit',
  'ProviderName', 'PublisherName', 'InvoiceIssuerName', 'InvoiceId',
  'ServiceName', 'ServiceCategory', 'ServiceSubcategory',
  'BillingAccountId', 'BillingAccountName', 'SubAccountId', 'SubAccountName', 'SubAccountType',
  'ResourceId', 'ResourceName', 'SkuId', 'SkuPriceId', 'RegionId', 'Tags',
  'x_ActivityDate', 'x_Source',
] as const;
type Column = (typeof COLUMNS)[number];

/**
 * One FOCUS row per cost line, from exactly one source per day: claude_cost_by_key (Analytics API:
 * billed and list price, per API key) on days it holds, else claude_costs (cost_report). Never both
 * for a day, so a FOCUS tool summing the view counts each day's spend once (check focus-single-source).
 * Then one row per configured fee and month. The all-days WHEREs satisfy BigQuery's required
 * partition filter, so FOCUS tools that know nothing of partitions can read the view; a filter on
 * x_ActivityDate still prunes.
 */
export function focusViewSql(d: SqlDialect): string {
  const i = (n: string) => d.ident(n);
  const ts = (expr: string) => d.dateToTimestamp(expr);
  const add = (expr: string, n: number, unit: 'day' | 'month') => d.dateAdd(expr, n, unit);
  const json = (entries: Array<[key: string, expr: string]>) => d.jsonObject(entries);
  const dec = (expr: string) => d.decimal(expr);
  const trunc = (expr: string, unit: 'week' | 'month') => d.dateTrunc(expr, unit);
  const noText = d.toText('NULL');
  const noNumber = dec('NULL');
  const select = (cols: Record<Column, string>) => COLUMNS.map((name) => `${cols[name]} AS ${i(name)}`).join(',\n       ');
  const period = (day: string) => ({
    ChargePeriodStart: ts(day),
    ChargePeriodEnd: ts(add(day, 1, 'day')),
    BillingPeriodStart: ts(trunc(day, 'month')),
    BillingPeriodEnd: ts(add(trunc(day, 'month'), 1, 'month')),
  });
  const constants = {
    ProviderName: lit('Anthropic'),
    PublisherName: lit('Anthropic'),
    InvoiceIssuerName: lit('Anthropic'),
    ServiceCategory: lit('AI and Machine Learning'),
    ServiceSubcategory: lit('Generative AI'),
  };
  // The month's invoice, once `reconcile` has checked one for the organization (InvoiceId, Recommended).
  const invoice = (alias: string, month: string, org: string) =>
    `LEFT JOIN ${d.table('claude_invoices')} ${alias} ON ${alias}.${i('month')} = ${month} AND ${alias}.${i('organization_id')} IS NOT DISTINCT FROM ${org}`;
  const orgJoin = (orgId: string) => `LEFT JOIN ${d.table('claude_organization')} og ON og.${i('id')} = ${orgId}`;

  const usageRow = (alias: string, src: { billed: string; list: string; description: string; subAccountName: string; resourceId: string; resourceName: string; region: string; tagCols: string[]; quantity: string | null; source: string }) => {
    const c = (name: string) => `${alias}.${i(name)}`;
    const al = (name: string) => `al.${i(name)}`;
    const allocated = `${al('part')} IS NOT NULL`;
    // An allocated row shows its part: the part's exact share of the cost (and of the quantity, so price × quantity still gives the cost).
    const billed = `CASE WHEN ${allocated} THEN ${al('amount_usd')} ELSE ${src.billed} END`;
    const listCost = `CASE WHEN ${allocated} THEN ${al('list_amount_usd')} ELSE ${src.list} END`;
    const quantity = src.quantity === null ? null : `CASE WHEN ${allocated} THEN ${dec(`${dec(al('quantity_micro'))} * ${dec("'0.000001'")}`)} ELSE ${dec(src.quantity)} END`;
    const baseTags = json(src.tagCols.map((n) => [n, c(n)]));
    // The part's dimensions (a JSON object the allocation wrote) joined onto the row's own tags: {"model":…,"team":…}.
    const tagsSql = `CASE WHEN ${allocated} THEN SUBSTR(${baseTags}, 1, LENGTH(${baseTags}) - 1) || ',' || SUBSTR(${al('dimensions')}, 2) ELSE ${baseTags} END`;
    // SkuId: one stable id per price point: what was charged (cost type, model, token type) at which tier and context size.
    const sku = ['cost_type', 'model', 'token_type', 'service_tier', 'context_window'].map((n) => `COALESCE(${c(n)}, '')`).join(` || '/' || `);
    const web = `${c('cost_type')} = 'web_search'`;
    // Prices are quoted per million tokens and per thousand web searches: PricingQuantity is in that unit.
    const q = quantity;
    const pricingQty = q === null ? noNumber : `CASE WHEN ${q} IS NULL THEN ${noNumber} WHEN ${web} THEN ${dec(q)} * ${dec("'0.001'")} ELSE ${dec(q)} * ${dec("'0.000001'")} END`;
    const unitPrice = (cost: string) => (q === null ? noNumber : `CASE WHEN ${q} IS NULL OR ${q} = 0 THEN ${noNumber} ELSE ${dec(`${cost} * CASE WHEN ${web} THEN 1000 ELSE 1000000 END / ${q}`)} END`);
    const ifQuantity = (unit: string, webUnit: string) => (q === null ? noText : `CASE WHEN ${q} IS NULL THEN ${noText} WHEN ${web} THEN '${webUnit}' ELSE '${unit}' END`);
    return select({
      BilledCost: billed,
      EffectiveCost: billed,
      ListCost: listCost,
      ContractedCost: billed,
      BillingCurrency: c('currency'),
      ...period(c('activity_date')),
      ChargeCategory: lit('Usage'),
      ChargeClass: noText,
      ChargeFrequency: lit('Usage-Based'),
      ChargeDescription: src.description,
      PricingQuantity: pricingQty,
      PricingUnit: ifQuantity('1000000 Tokens', '1000 Requests'),
      PricingCategory: lit('Standard'),
      ListUnitPrice: unitPrice(listCost),
      ContractedUnitPrice: unitPrice(billed),
      ConsumedQuantity: q === null ? noNumber : dec(q),
      ConsumedUnit: ifQuantity('Tokens', 'Requests'),
      ...constants,
      InvoiceId: `inv.${i('invoice_id')}`,
      ServiceName: lit('Claude API'),
      // The organization is the billing account (each is invoiced on its own); its workspaces are sub-accounts.
      BillingAccountId: c('organization_id'),
      BillingAccountName: `COALESCE(og.${i('name')}, ${c('organization_id')})`,
      SubAccountId: `COALESCE(${c('workspace_id')}, ${lit('default')})`,
      SubAccountName: src.subAccountName,
      SubAccountType: lit('Workspace'),
      ResourceId: src.resourceId,
      ResourceName: src.resourceName,
      SkuId: sku,
      SkuPriceId: sku,
      RegionId: src.region,
      Tags: tagsSql,
      // Custom columns (x_ prefix per FOCUS): the partition column, for cheap day filters, and where the row came from.
      x_ActivityDate: c('activity_date'),
      x_Source: lit(src.source),
    });
  };
  const k = (n: string) => `k.${i(n)}`;
  const c = (n: string) => `c.${i(n)}`;
  const tags = ['model', 'service_tier', 'token_type', 'context_window', 'cost_type'];
  const analytics = usageRow('k', {
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
    quantity: analyticsQuantity(d),
    source: 'Analytics API',
  });
  const legacy = usageRow('c', {
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
    // cost_report lines are split by inference geo, which usage_report rows here are not: no exact quantity (docs/reports.md).
    quantity: null,
    source: 'cost_report',
  });
  const f = (n: string) => `f.${i(n)}`;
  const credit = `${f('charge_category')} = 'Credit'`;
  const feeCost = `COALESCE(fp.${i('amount_usd')}, ${f('amount_usd')})`;
  const fixed = select({
    // A fee allocated in parts (claude_fixed_cost_parts: allocate / split) is one row per part.
    BilledCost: feeCost,
    EffectiveCost: feeCost,
    ListCost: feeCost,
    ContractedCost: feeCost,
    BillingCurrency: lit('USD'),
    // A fee starting or ending inside the month is charged (prorated) for the days it covers only.
    ChargePeriodStart: ts(`COALESCE(${f('period_start')}, ${f('month')})`),
    ChargePeriodEnd: `COALESCE(${ts(add(f('period_end'), 1, 'day'))}, ${ts(add(f('month'), 1, 'month'))})`,
    BillingPeriodStart: ts(f('month')),
    BillingPeriodEnd: ts(add(f('month'), 1, 'month')),
    ChargeCategory: f('charge_category'),
    ChargeClass: noText,
    ChargeFrequency: lit('Recurring'),
    ChargeDescription: `${f('name')} || ' (configured)'`,
    PricingQuantity: dec(`COALESCE(fp.${i('pricing_quantity')}, ${f('quantity')})`),
    PricingUnit: f('unit'),
    PricingCategory: `CASE WHEN ${credit} THEN ${noText} ELSE 'Standard' END`,
    // A unit price is non-negative and × quantity = cost: a credit's (negative cost) has none.
    ListUnitPrice: `CASE WHEN ${credit} THEN ${noNumber} ELSE ${dec(f('unit_price_usd'))} END`,
    ContractedUnitPrice: `CASE WHEN ${credit} THEN ${noNumber} ELSE ${dec(f('unit_price_usd'))} END`,
    ConsumedQuantity: noNumber,
    ConsumedUnit: noText,
    ...constants,
    InvoiceId: `inv.${i('invoice_id')}`,
    ServiceName: lit('Claude plans and fees'),
    BillingAccountId: `COALESCE(${f('organization_id')}, ${lit('configured')})`,
    BillingAccountName: `COALESCE(og.${i('name')}, ${f('organization_id')}, ${lit('configured')})`,
    SubAccountId: noText,
    SubAccountName: noText,
    SubAccountType: noText,
    ResourceId: noText,
    ResourceName: noText,
    SkuId: `'configured/' || ${f('name')}`,
    SkuPriceId: `'configured/' || ${f('name')}`,
    RegionId: noText,
    // A part's Tags carry the allocation dimension values it went to (computed when the fees were synced).
    Tags: `COALESCE(fp.${i('tags')}, ${json([['kind', f('kind')], ['allocate_to', f('allocate_to')], ['source', f('source')]])})`,
    x_ActivityDate: f('month'),
    x_Source: lit('configured'),
  });
  // The allocation's parts of a row (claude_cost_allocation), while the row still has the amounts it was allocated with.
  const allocation = (source: 'analytics' | 'cost_report', row: string, identity: string[], amounts: [string, string]) =>
    `LEFT JOIN (SELECT * FROM ${d.table(ALLOCATION_TABLE)} WHERE ${d.allDays(i('activity_date'))} AND ${i('source')} = ${lit(source)}) al
    ON al.${i('activity_date')} = ${row}.${i('activity_date')} AND al.${i('organization_id')} IS NOT DISTINCT FROM ${row}.${i('organization_id')}
   AND ${identity.map((n) => `al.${i(n)} IS NOT DISTINCT FROM ${row}.${i(n)}`).join(' AND ')}
   AND al.${i('row_amount_usd')} = ${amounts[0]} AND al.${i('row_list_amount_usd')} = ${amounts[1]}`;
  return `SELECT ${analytics}
  ${analyticsFrom(d)}
  ${allocation('analytics', 'k', ANALYTICS_IDENTITY, [k('amount_usd'), k('list_amount_usd')])}
  ${orgJoin(k('organization_id'))}
  ${invoice('inv', trunc(k('activity_date'), 'month'), k('organization_id'))}
 WHERE ${d.allDays(k('activity_date'))}
UNION ALL
SELECT ${legacy}
  FROM ${d.table('claude_costs')} c
  LEFT JOIN ${d.table('claude_workspaces')} w ON w.${i('id')} = ${c('workspace_id')}
  ${allocation('cost_report', 'c', COST_REPORT_IDENTITY, [c('amount_usd'), c('amount_usd')])}
  ${orgJoin(c('organization_id'))}
  ${invoice('inv', trunc(c('activity_date'), 'month'), c('organization_id'))}
 WHERE ${d.allDays(c('activity_date'))}
   AND ${noCostByKeyDay(d, 'c')}
UNION ALL
SELECT ${fixed}
  FROM ${d.table('claude_fixed_costs')} f
  LEFT JOIN ${d.table('claude_fixed_cost_parts')} fp ON fp.${i('active')} AND fp.${i('month')} = ${f('month')} AND fp.${i('name')} = ${f('name')}
   AND fp.${i('organization_id')} IS NOT DISTINCT FROM ${f('organization_id')}
  ${orgJoin(f('organization_id'))}
  ${invoice('inv', f('month'), f('organization_id'))}
 WHERE ${f('active')}`;
}

/** The columns that tell one claude_cost_by_key row (one analytics FOCUS row) from another. */
export const ANALYTICS_IDENTITY = ['bucket_start', 'workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'cost_type', 'token_type', 'ordinal'];
/** The columns that tell one claude_costs row (one cost_report FOCUS row) from another. */
export const COST_REPORT_IDENTITY = ['workspace_id', 'description', 'cost_type', 'model', 'service_tier', 'token_type', 'context_window', 'inference_geo'];

/** A claude_costs row (alias) on a day claude_cost_by_key does not hold (for its organization): the view's cost_report rows. */
export function noCostByKeyDay(d: SqlDialect, alias: string): string {
  const i = (n: string) => d.ident(n);
  // A day (of an organization, where rows carry one) that claude_cost_by_key holds is taken from it alone.
  const byOrg = TABLES.claude_costs.columns.some((col) => col.name === 'organization_id')
    ? ` AND x.${i('organization_id')} IS NOT DISTINCT FROM ${alias}.${i('organization_id')}`
    : '';
  return `NOT EXISTS (SELECT 1 FROM ${d.table('claude_cost_by_key')} x WHERE ${d.allDays(`x.${i('activity_date')}`)} AND x.${i('activity_date')} = ${alias}.${i('activity_date')}${byOrg})`;
}

/**
 * claude_cost_by_key (alias k) with what its usage quantity is read from: the workspace (w), the
 * usage_report row at the same bucket, key, workspace, model, tier and context (u), and for claude.ai
 * rows (no key, no workspace) claude_usage_by_actor's keyless, workspaceless tokens per model (s).
 */
function analyticsFrom(d: SqlDialect): string {
  const i = (n: string) => d.ident(n);
  const k = (n: string) => `k.${i(n)}`;
  const usageSums = ['web_search_requests', ...TOKEN_USAGE.map(([, col]) => col)].map((col) => `SUM(${i(col)}) AS ${i(col)}`).join(', ');
  // Every ON condition below compares a right-side column with a left-side expression: a condition on
  // one side alone (k.workspace_id IS NOT NULL) or an OR makes DuckDB fall back to a nested-loop join,
  // which took 20 s per day on a large organization. So what decides whether a row can match at all is
  // folded into a key that is NULL (matching nothing) when it cannot.
  // usage_report: the key's workspace, or the default workspace (NULL there) for an id the workspaces
  // list does not hold (the Analytics API names the default workspace by its id); a row with no
  // workspace has no usage_report row.
  const usageWs = `CASE WHEN w.${i('id')} IS NOT NULL THEN ${k('workspace_id')} END`;
  const usageModel = `CASE WHEN ${k('workspace_id')} IS NOT NULL THEN ${k('model')} END`;
  // claude.ai rows (no key, no workspace): claude_usage_by_actor's keyless, workspaceless tokens.
  const keylessModel = `CASE WHEN ${k('api_key_id')} IS NULL AND ${k('workspace_id')} IS NULL THEN ${k('model')} END`;
  return `FROM ${d.table('claude_cost_by_key')} k
  LEFT JOIN ${d.table('claude_workspaces')} w ON w.${i('id')} = ${k('workspace_id')}
  LEFT JOIN ${d.table('claude_api_keys')} ak ON ak.${i('id')} = ${k('api_key_id')}
  LEFT JOIN (SELECT ${i('organization_id')}, ${i('activity_date')}, ${i('bucket_start')}, ${i('api_key_id')}, ${i('workspace_id')}, ${i('model')}, ${i('service_tier')}, ${i('context_window')}, ${usageSums}
               FROM ${d.table('claude_usage_keys')} WHERE ${d.allDays(i('activity_date'))} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) u
    ON u.${i('activity_date')} = ${k('activity_date')} AND u.${i('bucket_start')} = ${k('bucket_start')}
   AND u.${i('organization_id')} IS NOT DISTINCT FROM ${k('organization_id')}
   AND u.${i('api_key_id')} IS NOT DISTINCT FROM ${k('api_key_id')}
   AND u.${i('model')} = ${usageModel} AND u.${i('service_tier')} = ${k('service_tier')} AND u.${i('context_window')} = ${k('context_window')}
   AND u.${i('workspace_id')} IS NOT DISTINCT FROM ${usageWs}
  LEFT JOIN (SELECT ${i('organization_id')}, ${i('activity_date')}, ${i('bucket_start')}, ${i('model')}, ${usageSums}
               FROM ${d.table('claude_usage_by_actor')} WHERE ${d.allDays(i('activity_date'))} AND ${i('api_key_id')} IS NULL AND ${i('workspace_id')} IS NULL GROUP BY 1, 2, 3, 4) s
    ON s.${i('activity_date')} = ${k('activity_date')} AND s.${i('bucket_start')} = ${k('bucket_start')}
   AND s.${i('organization_id')} IS NOT DISTINCT FROM ${k('organization_id')} AND s.${i('model')} = ${keylessModel}`;
}

/**
 * The usage a token or web-search line of claude_cost_by_key (alias k, under analyticsFrom) bills:
 * usage_report at the same bucket, key, workspace, model, tier and context; claude.ai rows (no key,
 * no workspace) have no usage_report row, so theirs is claude_usage_by_actor's keyless,
 * workspaceless tokens per model. NULL where none is known.
 */
function analyticsQuantity(d: SqlDialect): string {
  const i = (n: string) => d.ident(n);
  const k = (n: string) => `k.${i(n)}`;
  const qty = (col: string) => `COALESCE(u.${i(col)}, s.${i(col)})`;
  return `CASE WHEN ${k('cost_type')} = 'web_search' THEN ${qty('web_search_requests')} ${TOKEN_USAGE.map(([tt, col]) => `WHEN ${k('token_type')} = ${lit(tt)} THEN ${qty(col)}`).join(' ')} END`;
}

/**
 * The FOCUS view's usage rows of a day range and organization (parameters: from, to, organization
 * id), each with what tells it apart (its identity columns), its amounts and its usage quantity (the
 * same joins as the view): what the allocation apportions (src/reports/allocation/materialise.ts).
 */
export function focusUsageRowsQueries(d: SqlDialect): { analytics: string; costReport: string } {
  const i = (n: string) => d.ident(n);
  const p = d.dateParam();
  const cols = (alias: string, identity: string[], list: string, quantity: string) =>
    [
      `${alias}.${i('activity_date')} AS ${i('activity_date')}`,
      ...identity.map((n) => `${alias}.${i(n)} AS ${i(n)}`),
      `${alias}.${i('amount_cents')} AS ${i('amount_cents')}`,
      `${alias}.${i('amount_usd')} AS ${i('amount_usd')}`,
      `${alias}.${i(`${list}_cents`)} AS ${i('list_amount_cents')}`,
      `${alias}.${i(`${list}_usd`)} AS ${i('list_amount_usd')}`,
      `${quantity} AS ${i('quantity')}`,
    ].join(', ');
  return {
    analytics: `SELECT ${cols('k', ANALYTICS_IDENTITY, 'list_amount', analyticsQuantity(d))}
  ${analyticsFrom(d)}
 WHERE k.${i('activity_date')} BETWEEN ${p} AND ${p} AND k.${i('organization_id')} = ?`,
    // The cost report carries no list price (the view shows the billed cost as list cost) and no exact quantity.
    costReport: `SELECT ${cols('c', COST_REPORT_IDENTITY, 'amount', 'NULL')}
  FROM ${d.table('claude_costs')} c
 WHERE c.${i('activity_date')} BETWEEN ${p} AND ${p} AND c.${i('organization_id')} = ? AND ${noCostByKeyDay(d, 'c')}`,
  };
}
