/**
 * The bridge between the two cost APIs: which part of the Analytics API's cost (claude_cost_by_actor)
 * the legacy cost_report (claude_costs) bills, and what lies outside it. Kept here, in one place, so the
 * `cross-api` check, `reconcile` and the dashboard's waterfall all draw the same line.
 *
 * The mapping and its evidence (docs/reconcile.md repeats it):
 * - In cost_report: the products `messages_api`, `message_batches_api`, `managed_agents_api`,
 *   `claude_console`, product NULL (code execution: the reference documents "Code execution rows have
 *   `product: null`"), and `claude_code` used with an API key. Evidence: the reference lists cost_report's
 *   cost types (tokens, web_search, code_execution, session_usage) and its billing of API-key and
 *   Console/Workbench usage; the Analytics API's reference names `product` (API, Claude Code, claude.ai
 *   chat, Cowork, …) as the new split of the same cost.
 * - Outside cost_report: the claude.ai subscription products (`chat`, `cowork`, `chat_cowork_unified`,
 *   `claude_in_chrome`, `claude_design`, `claude_tag`, `office_agent`, `cc_security_autopatch`, `other`)
 *   and `claude_code` on a subscription. Any product not listed above counts as outside, so a new
 *   subscription product never breaks the bridge (and a new API product shows as a WARN that names it).
 * - Where the reference is silent: it does not say in so many words which products cost_report bills,
 *   nor how to tell Claude Code on a subscription from Claude Code with a key in analytics/cost (whose
 *   product grouping cannot also group by api_key_id within the 5 dimensions we spend). We take a
 *   `claude_code` row without a workspace as subscription use: API keys always belong to a workspace,
 *   and the reference says workspace_id is set even for a Console organization's default workspace.
 *   The emulator (src/emulator/analytics-events.ts) builds its data on exactly this rule, and the check
 *   proves it day by day: a wrong rule shows as a WARN naming the day and product.
 * - @anthropic-ai/sdk's BetaAnalyticsCostItem says product may also be null for usage "that cannot be
 *   attributed to a known surface" (and some unattributed usage is "other"); admin-api.md names only
 *   code execution. We count product NULL as in cost_report (the documented code-execution case); if
 *   the real API sends unattributed non-API usage with product NULL, cross-api WARNs on that day's
 *   "tokens and web search" component, naming "code execution" as the product: read it as "no product".
 * - Priority Tier is in neither cost total (the reference: "Priority Tier costs are not in the cost
 *   report"; analytics/cost likewise has no cost for it in the emulator), so it does not enter the bridge.
 *
 * To name the product when a day does not bridge, both sides are split into the same components:
 * code execution and agent sessions (by cost_type), Batch API tokens (product message_batches_api vs
 * service_tier batch), and the rest (tokens of the Messages API, Claude Code with a key and the Console,
 * and every web search, which cost_report does not split by tier).
 */
import { addDecimal, canonicalDecimal, compareDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** Cents as canonical decimal text (util/money): equal amounts are equal strings. */
type Dec = string;

/** Products cost_report bills whatever the authentication (besides claude_code with a key). */
export const COST_REPORT_PRODUCTS = ['messages_api', 'message_batches_api', 'managed_agents_api', 'claude_console'] as const;

/** How the bridge names the parts outside cost_report; other products are named as sent. */
const OUTSIDE_LABELS: Record<string, string> = {
  chat: 'chat',
  cowork: 'Cowork',
  chat_cowork_unified: 'chat and Cowork',
  claude_in_chrome: 'Claude in Chrome',
  claude_design: 'Claude Design',
  claude_code: 'Claude Code on subscription',
};

export const BRIDGE_COMPONENTS = ['code_execution', 'session_usage', 'batch', 'standard'] as const;
export type BridgeComponent = (typeof BRIDGE_COMPONENTS)[number];
export const COMPONENT_LABELS: Record<BridgeComponent, string> = {
  code_execution: 'code execution',
  session_usage: 'agent sessions',
  batch: 'Batch API tokens',
  standard: 'tokens and web search',
};

export interface BridgeDay {
  day: string;
  /** Analytics cost that cost_report bills, per component, cents. */
  api: Map<BridgeComponent, Dec>;
  /** The same, per component and product label ("messages_api", "claude_code (API key)", "code execution"). */
  apiProducts: Map<BridgeComponent, Map<string, Dec>>;
  /** cost_report per component, cents. */
  costReport: Map<BridgeComponent, Dec>;
  /** Analytics cost outside cost_report, per label, cents. */
  outside: Map<string, Dec>;
}

export interface BridgeFilter {
  from: string;
  to: string;
  /** Extra predicate on each table's own columns (organization), with `{t}` standing for the table alias. */
  and?: { sql: (alias: string) => string; params: unknown[] };
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** SQL: is this claude_cost_by_actor row (alias a) billed by cost_report? */
export function billedByCostReportSql(wh: Pick<Warehouse, 'dialect'>, a: string): string {
  const i = (n: string) => `${a}.${wh.dialect.ident(n)}`;
  return `(${i('product')} IS NULL OR ${i('product')} IN (${COST_REPORT_PRODUCTS.map(lit).join(', ')}) OR (${i('product')} = 'claude_code' AND ${i('workspace_id')} IS NOT NULL))`;
}

function analyticsComponentSql(wh: Warehouse, a: string): string {
  const i = (n: string) => `${a}.${wh.dialect.ident(n)}`;
  return `CASE WHEN ${i('cost_type')} IN ('code_execution', 'session_usage') THEN ${i('cost_type')} WHEN ${i('cost_type')} = 'tokens' AND ${i('product')} = 'message_batches_api' THEN 'batch' ELSE 'standard' END`;
}

function costReportComponentSql(wh: Warehouse, a: string): string {
  const i = (n: string) => `${a}.${wh.dialect.ident(n)}`;
  return `CASE WHEN ${i('cost_type')} IN ('code_execution', 'session_usage') THEN ${i('cost_type')} WHEN ${i('cost_type')} = 'tokens' AND ${i('service_tier')} = 'batch' THEN 'batch' ELSE 'standard' END`;
}

/** The product label of a row: API products as sent, claude_code split by key, NULL as code execution. */
export function bridgeLabel(product: string | null, billed: boolean): string {
  if (product === null) return 'code execution';
  if (product === 'claude_code') return billed ? 'claude_code (API key)' : OUTSIDE_LABELS.claude_code!;
  return billed ? product : OUTSIDE_LABELS[product] ?? product;
}

const add = <K>(m: Map<K, Dec>, k: K, v: Dec) => m.set(k, addDecimal(m.get(k) ?? '0', v));

/**
 * Per day held by both APIs (a row in claude_analytics_daily_totals and in claude_cost_daily_totals),
 * the bridge's figures, in cents. Days only one API holds have nothing to bridge.
 */
export async function bridgeDays(wh: Warehouse, f: BridgeFilter): Promise<BridgeDay[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const where = (alias: string) => ({
    sql: `${alias}.${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${f.and ? f.and.sql(alias) : ''}`,
    params: [f.from, f.to, ...(f.and?.params ?? [])],
  });
  const dayRows = async (table: string) => {
    const w = where('t');
    const rows = await wh.query(`SELECT DISTINCT ${d.toText(`t.${i('activity_date')}`)} AS ${i('day')} FROM ${d.table(table)} t WHERE ${w.sql}`, w.params);
    return new Set(rows.map((r) => String(r.day)));
  };
  const analyticsDays = await dayRows('claude_analytics_daily_totals');
  const legacyDays = await dayRows('claude_cost_daily_totals');
  const days = [...analyticsDays].filter((x) => legacyDays.has(x)).sort();
  if (days.length === 0) return [];

  const out = new Map<string, BridgeDay>(days.map((day) => [day, { day, api: new Map(), apiProducts: new Map(), costReport: new Map(), outside: new Map() }]));
  const wa = where('a');
  const analytics = await wh.query(
    `SELECT ${d.toText(`a.${i('activity_date')}`)} AS ${i('day')}, a.${i('product')} AS ${i('product')}, ${billedByCostReportSql(wh, 'a')} AS ${i('billed')},
            ${analyticsComponentSql(wh, 'a')} AS ${i('component')}, ${d.toText(d.sumExact(`a.${i('amount_cents')}`))} AS ${i('cents')}
       FROM ${d.table('claude_cost_by_actor')} a WHERE ${wa.sql} GROUP BY 1, 2, 3, 4`,
    wa.params,
  );
  for (const r of analytics) {
    const b = out.get(String(r.day));
    if (!b) continue;
    const product = r.product === null || r.product === undefined ? null : String(r.product);
    const billed = r.billed === true || r.billed === 1 || r.billed === 'true';
    const cents = canonicalDecimal(r.cents);
    const label = bridgeLabel(product, billed);
    if (!billed) {
      add(b.outside, label, cents);
      continue;
    }
    const component = String(r.component) as BridgeComponent;
    add(b.api, component, cents);
    let m = b.apiProducts.get(component);
    if (!m) b.apiProducts.set(component, (m = new Map()));
    add(m, label, cents);
  }
  const wc = where('c');
  const legacy = await wh.query(
    `SELECT ${d.toText(`c.${i('activity_date')}`)} AS ${i('day')}, ${costReportComponentSql(wh, 'c')} AS ${i('component')}, ${d.toText(d.sumExact(`c.${i('amount_cents')}`))} AS ${i('cents')}
       FROM ${d.table('claude_costs')} c WHERE ${wc.sql} GROUP BY 1, 2`,
    wc.params,
  );
  for (const r of legacy) {
    const b = out.get(String(r.day));
    if (b) add(b.costReport, String(r.component) as BridgeComponent, canonicalDecimal(r.cents));
  }
  return [...out.values()];
}

export interface BridgeDifference {
  day: string;
  component: BridgeComponent;
  api: Dec;
  costReport: Dec;
  products: Map<string, Dec>;
}

/** The components of a day whose API part differs from cost_report (empty: the day bridges). */
export function bridgeDifferences(b: BridgeDay): BridgeDifference[] {
  const zero = '0';
  return BRIDGE_COMPONENTS.flatMap((component) => {
    const api = b.api.get(component) ?? zero;
    const costReport = b.costReport.get(component) ?? zero;
    return compareDecimal(api, costReport) === 0 ? [] : [{ day: b.day, component, api, costReport, products: b.apiProducts.get(component) ?? new Map<string, Dec>() }];
  });
}

/** Σ over components (cents). */
export function sumMap<K>(m: Map<K, Dec>): Dec {
  return sumDecimals(m.values());
}
