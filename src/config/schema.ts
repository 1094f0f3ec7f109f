/**
 * The `claude-ingest.yaml` schema, defined once: the loader validates with it and
 * docs/config.schema.json is generated from it (src/config/json-schema.ts), so editors complete the
 * same keys the tool accepts. Objects are strict: a misspelt key is an error, never silently ignored.
 */
import { z } from 'zod';
import { checkTimeZone } from '../util/calendar.js';
import { destinationProblem } from '../util/destination.js';
import { ALLOCATION_MATCH_KEYS } from './allocation-keys.js';

/** Dollars as a number or decimal text: kept exact by converting the text, never by float arithmetic. */
const dollars = (what: string, positive = false) =>
  z
    .union([
      positive ? z.number().positive() : z.number().nonnegative(),
      z.string().regex(positive ? /^(?!0*(\.0*)?$)\d+(\.\d+)?$/ : /^\d+(\.\d+)?$/, `expected ${positive ? 'a positive' : 'an'} amount of dollars such as 3000 or 2412.50`),
    ])
    .describe(what);

const scopeSchema = z
  .strictObject({
    workspace: z.string().min(1).optional().describe('Workspace name or id (wrkspc_…); "default" is the default workspace.'),
    api_key: z.string().min(1).optional().describe('API key name or id (apikey_…). Spend per key is allocated from token shares (see docs/alerts.md).'),
    model: z.string().min(1).optional().describe('Model id, e.g. claude-sonnet-4-20250514.'),
  })
  // Issue 25: any other key is an allocation dimension (allocation.dimensions) and its value, e.g. team: Search.
  .catchall(z.string().min(1).describe('An allocation dimension and its value, e.g. team: Search (docs/allocation.md).'))
  .refine((s) => Object.values(s).some((v) => v !== undefined), 'expected at least one of workspace, api_key, model or an allocation dimension')
  .describe('What the budget counts; omitted = the whole organization. Several keys narrow it further (AND).');

const budgetSchema = z.strictObject({
  name: z.string().min(1).describe('Shown in every message, e.g. "Search team".'),
  monthly_usd: dollars('Budget per calendar month in the configured time zone (timezone:, default UTC), in dollars.', true),
  thresholds_pct: z
    .array(z.number().int().min(1).max(1000))
    .min(1)
    .default([50, 80, 100])
    .describe('Percentages of the budget; each fires once per month.'),
  forecast: z.boolean().default(false).describe('Also fire once per month when the month-end forecast crosses 100 %.'),
  scope: scopeSchema.optional(),
});

const dailySpendSchema = z.strictObject({
  min_usd: dollars('A day must be at least this many dollars above its baseline to fire (default 50).').default(50),
  sensitivity: z.number().positive().max(100).default(3).describe('Robust z-score: how many scaled MADs above the median a day must be (default 3).'),
});

const newSpenderSchema = z.strictObject({
  min_usd: dollars('Ignore a new key or model that spent less than this on the day (default 0).').default(0),
});

const cacheDropSchema = z.strictObject({
  points: z.number().positive().max(100).default(20).describe('Fire when the day\'s cache hit rate is this many percentage points below its 28-day median.'),
});

const anomaliesSchema = z.strictObject({
  daily_spend: z.union([z.boolean(), dailySpendSchema]).default(true).describe('A complete day far above the trailing 28-day baseline (true = defaults).'),
  new_spender: z.union([z.boolean(), newSpenderSchema]).default(true).describe('An API key or model with spend that had none in the previous 28 days.'),
  cache_hit_rate_drop: z.union([z.boolean(), cacheDropSchema]).default(false).describe('The organization\'s prompt cache hit rate fell sharply.'),
});

const dataHealthSchema = z.strictObject({
  max_age_days: z.number().int().min(1).max(90).default(2).describe('Fire when the last complete day is older than this many days.'),
});

const allowPrivateNetwork = z
  .boolean()
  .default(false)
  .describe('Allow a receiver at a private or link-local address (10.x, 192.168.x, fc00::/7, …). Cloud metadata addresses stay refused.');

/** A channel URL that may receive alerts (util/destination.ts): checked here, before any lookup or connection. */
function guardDestination<T extends { allow_private_network: boolean }>(url: (c: T) => string, key: string) {
  return (c: T, ctx: z.core.$RefinementCtx<T>) => {
    const problem = destinationProblem(url(c), c.allow_private_network);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  };
}

const notifySchema = z
  .strictObject({
    slack: z
      .strictObject({
        webhook_url: z.url().describe('Slack incoming webhook URL (https); use "${SLACK_WEBHOOK_URL}".'),
        allow_private_network: allowPrivateNetwork,
      })
      .superRefine(guardDestination((c) => c.webhook_url, 'webhook_url'))
      .optional(),
    webhook: z
      .strictObject({
        url: z.url().describe('Receives a versioned JSON body (docs/alerts.md); https, or http to loopback only.'),
        secret: z.string().min(1).optional().describe('HMAC-SHA256 key for the X-Claude-Ingest-Signature header; use "${ALERT_WEBHOOK_SECRET}".'),
        allow_private_network: allowPrivateNetwork,
      })
      .superRefine(guardDestination((c) => c.url, 'url'))
      .optional(),
    email: z
      .strictObject({
        smtp_url: z.string().regex(/^smtps?:\/\//, 'expected smtp://user:pass@host:587 or smtps://…').describe('SMTP server; use "${SMTP_URL}".'),
        from: z.email(),
        to: z.array(z.email()).min(1),
      })
      .optional(),
  })
  .refine((n) => [n.slack, n.webhook, n.email].filter(Boolean).length === 1, 'expected exactly one of slack, webhook, email')
  .describe('One delivery channel.');

// ---------------------------------------------------------------- limits (issue 28)
// Spend limits judged as budgets and rate-limit headroom: kept together here so other additions to
// the alerts section merge beside them. See docs/limits.md.

const spendLimitAlertsSchema = z.strictObject({
  thresholds_pct: z
    .array(z.number().int().min(1).max(1000))
    .min(1)
    .default([80, 90, 100])
    .describe('Percentages of each spend limit; each fires at most once per limit and period.'),
});

const rateLimitHeadroomSchema = z.strictObject({
  pct: z.number().positive().max(1000).default(80).describe('Fire when a day\'s busiest minute reaches this share of a rate limit (per model group and limiter).'),
});

export const limitAlertsShape = {
  spend_limits: z
    .union([z.boolean(), spendLimitAlertsSchema])
    .default(true)
    .describe('The spend limits the limits stream stores (usage-tier cap, organization, workspaces), judged like budgets at 80/90/100 % (rule spend_limit). true = defaults; false = off.'),
  rate_limit_headroom: z
    .union([z.boolean(), rateLimitHeadroomSchema])
    .default(false)
    .describe('A day\'s peak minute against a rate limit (rule rate_limit_headroom), e.g. { pct: 80 }; true = 80. Judges the cached days: run --alerts reads yesterday and today, report --by rate_limit the days asked.'),
};

// ---------------------------------------------------------------- alerts

export const alertsSchema = z.strictObject({
  ...limitAlertsShape,
  budgets: z.array(budgetSchema).default([]),
  anomalies: anomaliesSchema.default({ daily_spend: true, new_spender: true, cache_hit_rate_drop: false }),
  data_health: z.union([z.boolean(), dataHealthSchema]).default(true).describe('validate FAIL, or data older than max_age_days.'),
  notify: z.array(notifySchema).default([]).describe('Where alerts go; every alert goes to every channel.'),
  dashboard_url: z.url().optional().describe('Link line in messages (also --dashboard-url).'),
});

/**
 * Several organizations (issue 14): one admin key each, read by backfill, run and retry
 * (src/config/organization-keys.ts). See docs/configuration.md.
 */
const organizationSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('Optional; the API\'s organization name is used otherwise.'),
    admin_key: z.string().min(1).optional().describe('Use "${ANTHROPIC_ADMIN_KEY_PROD}": never the key itself.'),
    admin_key_file: z.string().min(1).optional().describe('A mounted secret file holding the admin key.'),
  })
  .refine((o) => (o.admin_key === undefined) !== (o.admin_key_file === undefined), 'expected exactly one of admin_key, admin_key_file');

// ---- fixed_costs (issue 26): configured fees, never API data. Kept in its own block to ease merges. ----

const isoDay = (what: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day such as 2026-10-01').describe(what);

export const FIXED_COST_KINDS = ['seats', 'plan', 'support', 'credit', 'discount', 'other'] as const;

const fixedCostSchema = z
  .strictObject({
    name: z.string().min(1).describe('Shown wherever the fee appears (labelled "configured"), and matched against invoice lines by reconcile, e.g. "Team plan seats".'),
    kind: z.enum(FIXED_COST_KINDS).default('other').describe('credit and discount reduce the bill (FOCUS ChargeCategory Credit); the rest are purchases (Purchase).'),
    monthly_usd: dollars('Per month: the whole fee, or the unit price when quantity is given. Always positive; credits and discounts are subtracted.', true),
    quantity: z.number().int().positive().optional().describe('Units billed (seats, …): the monthly amount is monthly_usd × quantity.'),
    unit: z.string().min(1).optional().describe('What quantity counts (FOCUS PricingUnit), default "Seats" with a quantity, else "Months".'),
    from: isoDay('First day the fee applies (a month it starts inside is prorated by days: docs/reconcile.md); default: the first month holding cost data.').optional(),
    to: isoDay('Last day the fee applies (a month it ends inside is prorated by days); default: open-ended.').optional(),
    organization: z.string().min(1).optional().describe('Organization id (or name) it is billed to; default: the warehouse\'s only organization.'),
    allocate_to: z
      .string()
      .min(1)
      .optional()
      .describe('The older single-label form of allocate: with an allocation: section it means allocate: { <first dimension>: <value> }; without one, a label carried in report --by fixed_costs and the FOCUS Tags.'),
    allocate: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe('Who pays: values for allocation.dimensions, e.g. { team: Platform, cost_center: CC-1 }; dimensions not given take the unallocated value (docs/allocation.md "Fixed fees").'),
    split: z
      .strictObject({
        by: z.string().min(1).describe('The allocation dimension the parts differ in, e.g. team.'),
        percent: z.record(z.string().min(1), z.number().positive().max(100)).optional().describe('Fixed shares per value, adding up to 100, e.g. { Search: 60, Research: 40 }.'),
        proportional_to: z.enum(['billed']).optional().describe("Each value's share of the month's billed usage the allocation rules gave it (unallocated usage left out)."),
      })
      .refine((s) => (s.proportional_to === undefined) !== (s.percent === undefined), 'expected exactly one of proportional_to, percent')
      .refine((s) => s.percent === undefined || Math.abs(Object.values(s.percent).reduce((a, b) => a + b, 0) - 100) < 1e-9, { message: 'expected percentages adding up to 100', path: ['percent'] })
      .optional()
      .describe('Share the fee between values of one allocation dimension, apportioned in whole sub-cents (largest remainder) so the parts add up exactly to the fee.'),
  })
  .refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, 'expected from on or before to')
  .refine((f) => [f.allocate_to, f.allocate, f.split].filter((v) => v !== undefined).length <= 1, 'expected at most one of allocate_to, allocate, split');

export const fixedCostsSchema = z
  .array(fixedCostSchema)
  .describe('Fees the APIs do not report (seat licences and plans, support, credits, discounts): added per month to totals, reports, the FOCUS view and the dashboard, labelled "configured" (docs/reconcile.md).');

// ---- end fixed_costs ----

// ---- allocation (issue 25): who pays. Rules from config and CSV files (src/config/allocation-rules.ts);
// the engine is src/reports/allocation/. Kept in its own block to ease merges. See docs/allocation.md. ----

export { ALLOCATION_MATCH_KEYS };
/** Names a dimension may not take: report columns and match keys would become ambiguous in --by, and the FOCUS view's own Tags keys would repeat in Tags. */
export const RESERVED_DIMENSIONS = [...ALLOCATION_MATCH_KEYS, 'person', 'actor', 'day', 'month', 'organization', 'source', 'fee', 'rule', 'share', 'billed_usd', 'list_usd', 'service_tier', 'token_type', 'context_window', 'api_key_id'] as const;
const DIMENSION_NAME = /^[a-z][a-z0-9_]{0,39}$/;

const effectiveDay = (what: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day such as 2026-10-01').describe(what);
const pattern = (what: string) => z.string().min(1).describe(`${what} * matches any run of characters, ? one character.`);

const allocationMatchSchema = z
  .strictObject({
    api_key: pattern('API key name or id (apikey_…).').optional(),
    workspace: pattern('Workspace name or id (wrkspc_…).').optional(),
    user: pattern('User email (case-insensitive) or user id (user_…).').optional(),
    service_account: pattern('Service account name or id (svac_…).').optional(),
    product: pattern('Analytics API product: messages_api, claude_code, chat, cowork, ….').optional(),
    model: pattern('Model id, e.g. claude-sonnet-4-*.').optional(),
    cost_type: pattern('tokens, web_search, code_execution, session_usage.').optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), `expected at least one of ${ALLOCATION_MATCH_KEYS.join(', ')}`)
  .describe('Every key given must match (AND). A cost row with no such attribute (a key-less request) does not match a rule on it.');

const allocationSplitSchema = z
  .strictObject({
    by: z.string().min(1).describe('The dimension the parts differ in, e.g. team.'),
    proportional_to: z.enum(['billed', 'list']).optional().describe('Each value\'s share of the day\'s cost that other rules allocated (billed or list price).'),
    percent: z.record(z.string().min(1), z.number().positive().max(100)).optional().describe('Fixed shares per value, adding up to 100, e.g. { Search: 60, ML: 40 }.'),
  })
  .refine((s) => (s.proportional_to === undefined) !== (s.percent === undefined), 'expected exactly one of proportional_to, percent')
  .refine((s) => s.percent === undefined || Math.abs(Object.values(s.percent).reduce((a, b) => a + b, 0) - 100) < 1e-9, { message: 'expected percentages adding up to 100', path: ['percent'] })
  .describe('Share a matched cost between several values of one dimension, apportioned in whole sub-cents (largest remainder) so the parts add up exactly.');

const allocationRuleSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('Named in warnings and chargeback lines; default "rules[N]".'),
    match: allocationMatchSchema,
    set: z.record(z.string(), z.string().min(1)).default({}).describe('Dimension values given to a matched cost row, e.g. { team: Search, cost_center: CC-104 }.'),
    split: allocationSplitSchema.optional(),
    from: effectiveDay('First day the rule applies (inclusive); default: always.').optional(),
    to: effectiveDay('Day the rule stops applying (exclusive); default: open-ended.').optional(),
  })
  .refine((r) => r.from === undefined || r.to === undefined || r.from < r.to, { message: 'expected from before to (to is exclusive)', path: ['to'] });

export const allocationSchema = z
  .strictObject({
    dimensions: z.array(z.string().regex(DIMENSION_NAME, 'expected a lower-case name such as team or cost_center')).min(1).describe('What costs are allocated to, e.g. [team, cost_center]: any names.'),
    rules: z.array(allocationRuleSchema).default([]).describe('The first rule that matches a cost row (and whose dates hold) wins.'),
    files: z
      .array(z.strictObject({ path: z.string().min(1).describe('CSV with columns kind, match, <dimension…>, from, to; relative to this config file.') }))
      .default([])
      .describe('Rules as CSV (e.g. exported from an identity provider), tried after rules, in file and line order.'),
    unallocated: z.record(z.string(), z.string().min(1)).optional().describe('Values for costs no rule matches; default "Unallocated" for each dimension.'),
  })
  .superRefine((a, ctx) => {
    const dims = new Set<string>();
    a.dimensions.forEach((d, i) => {
      if (dims.has(d)) ctx.addIssue({ code: 'custom', path: ['dimensions', i], message: `"${d}" is listed twice` });
      if ((RESERVED_DIMENSIONS as readonly string[]).includes(d)) ctx.addIssue({ code: 'custom', path: ['dimensions', i], message: `"${d}" is a reserved name (${RESERVED_DIMENSIONS.join(', ')}): pick another, e.g. team_${d}` });
      dims.add(d);
    });
    const unknown = (k: string) => `"${k}" is not one of dimensions (${a.dimensions.join(', ')})`;
    a.rules.forEach((r, i) => {
      for (const k of Object.keys(r.set)) if (!dims.has(k)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'set', k], message: unknown(k) });
      if (r.split && !dims.has(r.split.by)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'split', 'by'], message: unknown(r.split.by) });
      if (r.split && r.set[r.split.by] !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'set', r.split.by], message: `"${r.split.by}" is what the split decides: remove it from set` });
      if (!r.split && Object.keys(r.set).length === 0) ctx.addIssue({ code: 'custom', path: ['rules', i, 'set'], message: 'expected at least one dimension value (or a split)' });
    });
    for (const k of Object.keys(a.unallocated ?? {})) if (!dims.has(k)) ctx.addIssue({ code: 'custom', path: ['unallocated', k], message: unknown(k) });
  })
  .describe('Who pays: allocation rules from API keys, workspaces, people, products and models to teams, cost centers, projects (docs/allocation.md).');

// ---- end allocation ----
// ---- calendar (issue 27): the organization's time zone and fiscal calendar. Own block to ease merges. ----

export const calendarShape = {
  timezone: z
    .string()
    .min(1)
    .superRefine((v, ctx) => {
      try {
        checkTimeZone(v, ''); // the loader names the key
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional()
    .describe('IANA time zone whose days, weeks, months and fiscal years reports, budgets and the dashboard use, e.g. America/Los_Angeles; default UTC (--tz overrides). A zone other than UTC makes backfill and run also keep hourly billed cost (stream analytics_cost_hourly). See docs/time-zones.md.'),
  fiscal_year_start_month: z.number().int().min(1).max(12).optional().describe('First month of the fiscal year, 1 = January (default) … 12; fiscal quarters start with it (report --by quarter|fiscal_year).'),
  week_start: z.enum(['monday', 'sunday']).optional().describe('First day of the week for report --by week (default monday).'),
};

// ---- end calendar ----

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Editors: point at docs/config.schema.json.'),
    alerts: alertsSchema.optional(),
    allocation: allocationSchema.optional(),
    fixed_costs: fixedCostsSchema.optional(),
    ...calendarShape,
    organizations: z
      .array(organizationSchema)
      .min(1)
      .optional()
      .describe(
        'One entry per Anthropic organization (one admin key each), ingested into the one warehouse: backfill, run and retry read them all, --org NAME|ID one. Without it, ANTHROPIC_ADMIN_KEY alone is one organization. See docs/configuration.md.',
      ),
  })
  .superRefine((c, ctx) => {
    // Budgets scoped to an allocation dimension (issue 25) need that dimension declared.
    const dims = new Set(c.allocation?.dimensions ?? []);
    // Fee allocations (issue 25 × 26) name allocation dimensions.
    c.fixed_costs?.forEach((f, i) => {
      const where = (...rest: Array<string | number>) => ['fixed_costs', i, ...rest];
      const dimsText = dims.size > 0 ? ` (${[...dims].join(', ')})` : ' (no allocation: section)';
      for (const k of Object.keys(f.allocate ?? {})) if (!dims.has(k)) ctx.addIssue({ code: 'custom', path: where('allocate', k), message: `"${k}" is not one of allocation.dimensions${dimsText}` });
      if (f.split && !dims.has(f.split.by)) ctx.addIssue({ code: 'custom', path: where('split', 'by'), message: `"${f.split.by}" is not one of allocation.dimensions${dimsText}` });
    });
    c.alerts?.budgets.forEach((b, i) => {
      for (const k of Object.keys(b.scope ?? {})) {
        if (['workspace', 'api_key', 'model'].includes(k) || dims.has(k)) continue;
        ctx.addIssue({ code: 'custom', path: ['alerts', 'budgets', i, 'scope', k], message: `"${k}" is not workspace, api_key, model or one of allocation.dimensions${dims.size > 0 ? ` (${[...dims].join(', ')})` : ' (no allocation: section)'}` });
      }
    });
  })
  .describe('claude-ingest.yaml: organizations (docs/configuration.md), alerts (docs/alerts.md), allocation (docs/allocation.md), fixed_costs (docs/reconcile.md) and the calendar: timezone, fiscal_year_start_month, week_start (docs/time-zones.md)');

export type ConfigFile = z.output<typeof configSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type BudgetConfig = AlertsConfig['budgets'][number];
export type NotifyConfig = AlertsConfig['notify'][number];
export type FixedCostConfig = z.output<typeof fixedCostSchema>;
export type AllocationConfig = z.output<typeof allocationSchema>;
