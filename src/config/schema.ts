/**
 * The `claude-ingest.yaml` schema, defined once: the loader validates with it and
 * docs/config.schema.json is generated from it (src/config/json-schema.ts), so editors complete the
 * same keys the tool accepts. Objects are strict: a misspelt key is an error, never silently ignored.
 */
import { z } from 'zod';

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
  .refine((s) => s.workspace !== undefined || s.api_key !== undefined || s.model !== undefined, 'expected at least one of workspace, api_key, model')
  .describe('What the budget counts; omitted = the whole organization. Several keys narrow it further (AND).');

const budgetSchema = z.strictObject({
  name: z.string().min(1).describe('Shown in every message, e.g. "Search team".'),
  monthly_usd: dollars('Budget per calendar month (UTC), in dollars.', true),
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

const notifySchema = z
  .strictObject({
    slack: z.strictObject({ webhook_url: z.url().describe('Slack incoming webhook URL; use "${SLACK_WEBHOOK_URL}".') }).optional(),
    webhook: z
      .strictObject({
        url: z.url().describe('Receives a versioned JSON body (docs/alerts.md).'),
        secret: z.string().min(1).optional().describe('HMAC-SHA256 key for the X-Claude-Ingest-Signature header; use "${ALERT_WEBHOOK_SECRET}".'),
      })
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

export const alertsSchema = z.strictObject({
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

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Editors: point at docs/config.schema.json.'),
    alerts: alertsSchema.optional(),
    organizations: z
      .array(organizationSchema)
      .min(1)
      .optional()
      .describe(
        'One entry per Anthropic organization (one admin key each), ingested into the one warehouse: backfill, run and retry read them all, --org NAME|ID one. Without it, ANTHROPIC_ADMIN_KEY alone is one organization. See docs/configuration.md.',
      ),
  })
  .describe('claude-ingest.yaml: organizations (docs/configuration.md) and alerts (docs/alerts.md)');

export type ConfigFile = z.output<typeof configSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type BudgetConfig = AlertsConfig['budgets'][number];
export type NotifyConfig = AlertsConfig['notify'][number];
