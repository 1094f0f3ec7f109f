/**
 * Every warehouse table, defined once. Each warehouse maps these logical types to its own SQL types
 * (see src/warehouse/<name>/); nothing else in the code base spells out a column list.
 */
import { ALLOCATION_TABLES, type AllocationTableName } from './allocation-tables.js'; // derived from the rules and facts
import { ANALYTICS_TABLES, type AnalyticsTableName } from './analytics-tables.js';
import { BILLING_TABLES, type BillingTableName } from './billing-tables.js';
import { NAME_TABLES, type NameTableName } from './name-tables.js';
import { LIMIT_TABLES, type LimitTableName } from './limit-tables.js';
import { activityDate, actorColumns, bucketStart, extra, lineage, organizationId, tokenColumns, type ColumnDef, type ColumnValues } from './columns.js';

import type { TableKind, TableSpec } from './table-spec.js';

export type { ColumnDef, ColumnType } from './columns.js';
export type { TableKind, TableSpec } from './table-spec.js';

export interface TableDef {
  name: TableName;
  kind: TableKind;
  doc: string;
  columns: ColumnDef[];
  /** Columns that identify one row; validation's duplicate check uses them. */
  naturalKey: string[];
  /** BigQuery clustering (fact tables are partitioned by activity_date). */
  clusterBy?: string[];
}

export type TableName =
  | 'claude_costs'
  | 'claude_cost_daily_totals'
  | 'claude_usage_keys'
  | 'claude_usage_daily_totals'
  | 'claude_code_productivity'
  | 'claude_code_model_usage'
  | 'claude_api_keys'
  | 'claude_workspaces'
  | 'claude_users'
  | NameTableName
  | 'claude_organization'
  | 'ingest_runs'
  | 'ingest_windows'
  | 'claude_ingest_meta'
  | 'alert_events'
  | 'validation_proofs'
  | AnalyticsTableName | AllocationTableName
  | BillingTableName
  | LimitTableName;

const ownsOrganization = (def: TableSpec): boolean => def.kind === 'fact' || def.kind === 'totals' || def.kind === 'snapshot' || def.name === 'ingest_windows';

/** Adds organization_id first to every fact, totals and snapshot table and the window ledger, and to their keys. */
function withOrganization(tables: Record<TableName, TableSpec>): Record<TableName, TableDef> {
  const out = {} as Record<TableName, TableDef>;
  for (const [name, spec] of Object.entries(tables) as Array<[TableName, TableSpec]>) {
    // Fresh arrays: the declared definitions stay as declared (RowOf's source of truth).
    const { clusterBy, ...declared } = spec;
    const def: TableDef = { ...declared, name, columns: [...spec.columns], naturalKey: [...spec.naturalKey] };
    if (clusterBy) def.clusterBy = [...clusterBy];
    out[name] = def;
    if (!ownsOrganization(def) || def.columns.some((c) => c.name === 'organization_id')) continue;
    def.columns = [organizationId, ...def.columns];
    def.naturalKey = ['organization_id', ...def.naturalKey];
    // BigQuery clusters on at most four columns; the organization goes first (every query filters on it).
    if (def.kind === 'fact') def.clusterBy = ['organization_id', ...(def.clusterBy ?? [])].slice(0, 4);
  }
  return out;
}

const DECLARED_TABLES = {
  claude_costs: {
    name: 'claude_costs',
    kind: 'fact',
    doc: 'Billed cost, one row per day × workspace × cost line (cost_report grouped by workspace_id and description). Exact cents and dollars.',
    columns: [
      activityDate,
      { name: 'workspace_id', type: 'string', doc: 'Workspace; NULL is the default workspace.' },
      { name: 'description', type: 'string', doc: 'Cost line as the API names it, e.g. "Claude Sonnet 4 Usage - Input Tokens".' },
      { name: 'cost_type', type: 'string', doc: 'tokens, web_search, code_execution, session_usage (new values kept as sent).' },
      { name: 'model', type: 'string', doc: 'Model, for token costs; NULL otherwise.' },
      { name: 'service_tier', type: 'string', doc: 'standard or batch, for token costs; NULL otherwise.' },
      { name: 'token_type', type: 'string', doc: 'uncached_input_tokens, output_tokens, cache_read_input_tokens, cache_creation.ephemeral_5m_input_tokens, cache_creation.ephemeral_1h_input_tokens; NULL for non-token costs.' },
      { name: 'context_window', type: 'string', doc: '0-200k or 200k-1M, for token costs.' },
      { name: 'inference_geo', type: 'string', doc: 'global, us or not_available.' },
      { name: 'currency', type: 'string', doc: 'ISO currency code, USD.', nullable: false },
      { name: 'amount_cents', type: 'cents', doc: 'Cost in cents exactly as the API string (fractional cents kept; beyond 12 decimal places rounded half-even and counted in ingest_windows.rounded_values).', nullable: false },
      { name: 'amount_usd', type: 'usd', doc: 'amount_cents / 100, exact.', nullable: false },
      extra,
      ...lineage,
    ],
    naturalKey: ['activity_date', 'workspace_id', 'description', 'cost_type', 'model', 'service_tier', 'token_type', 'context_window', 'inference_geo'],
    clusterBy: ['workspace_id', 'model'],
  },
  claude_cost_daily_totals: {
    name: 'claude_cost_daily_totals',
    kind: 'totals',
    doc: 'The ungrouped cost_report total per day, as the API computes it: the yardstick that proves claude_costs is complete.',
    columns: [
      activityDate,
      { name: 'currency', type: 'string', doc: 'ISO currency code, USD.', nullable: false },
      { name: 'amount_cents', type: 'cents', doc: 'Total cost in cents, exact.', nullable: false },
      { name: 'amount_usd', type: 'usd', doc: 'amount_cents / 100, exact.', nullable: false },
      extra,
      ...lineage,
    ],
    naturalKey: ['activity_date', 'currency'],
  },
  claude_usage_keys: {
    name: 'claude_usage_keys',
    kind: 'fact',
    doc: 'Token usage per time bucket × API key × workspace × model × service tier × context window (usage_report/messages).',
    columns: [
      activityDate,
      bucketStart,
      { name: 'api_key_id', type: 'string', doc: 'API key; NULL is Console/Workbench usage without a key.' },
      { name: 'workspace_id', type: 'string', doc: 'Workspace; NULL is the default workspace.' },
      { name: 'model', type: 'string', doc: 'Model id.' },
      { name: 'service_tier', type: 'string', doc: 'standard, batch, priority, priority_on_demand, flex, flex_discount (new values kept).' },
      { name: 'context_window', type: 'string', doc: '0-200k or 200k-1M.' },
      ...tokenColumns,
      extra,
      ...lineage,
    ],
    naturalKey: ['bucket_start', 'api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'],
    clusterBy: ['api_key_id', 'model'],
  },
  claude_usage_daily_totals: {
    name: 'claude_usage_daily_totals',
    kind: 'totals',
    doc: 'The ungrouped usage_report/messages totals per bucket: the yardstick for claude_usage_keys.',
    columns: [activityDate, bucketStart, ...tokenColumns, extra, ...lineage],
    naturalKey: ['bucket_start'],
  },
  claude_code_productivity: {
    name: 'claude_code_productivity',
    kind: 'fact',
    doc: 'Claude Code activity per actor per day (one record per actor and day, as the API reports it). Deliberately has no cost columns.',
    columns: [
      activityDate,
      ...actorColumns('Who'),
      { name: 'organization_id', type: 'string', doc: 'Organization id.' },
      { name: 'customer_type', type: 'string', doc: 'api or subscription.' },
      { name: 'subscription_type', type: 'string', doc: 'enterprise or team for subscription customers; NULL when the API omits it (API customers).' },
      { name: 'terminal_type', type: 'string', doc: 'Terminal the sessions ran in, e.g. vscode.' },
      { name: 'num_sessions', type: 'int', doc: 'Sessions started.', nullable: false },
      { name: 'lines_added', type: 'int', doc: 'Lines of code added.', nullable: false },
      { name: 'lines_removed', type: 'int', doc: 'Lines of code removed.', nullable: false },
      { name: 'commits', type: 'int', doc: 'Commits made by Claude Code.', nullable: false },
      { name: 'pull_requests', type: 'int', doc: 'Pull requests made by Claude Code.', nullable: false },
      { name: 'edit_tool_accepted', type: 'int', doc: 'Edit tool suggestions accepted.', nullable: false },
      { name: 'edit_tool_rejected', type: 'int', doc: 'Edit tool suggestions rejected.', nullable: false },
      { name: 'multi_edit_tool_accepted', type: 'int', doc: 'Multi-edit tool suggestions accepted.', nullable: false },
      { name: 'multi_edit_tool_rejected', type: 'int', doc: 'Multi-edit tool suggestions rejected.', nullable: false },
      { name: 'write_tool_accepted', type: 'int', doc: 'Write tool suggestions accepted.', nullable: false },
      { name: 'write_tool_rejected', type: 'int', doc: 'Write tool suggestions rejected.', nullable: false },
      { name: 'notebook_edit_tool_accepted', type: 'int', doc: 'Notebook edit tool suggestions accepted.', nullable: false },
      { name: 'notebook_edit_tool_rejected', type: 'int', doc: 'Notebook edit tool suggestions rejected.', nullable: false },
      { name: 'tool_actions', type: 'json', doc: 'Every tool\'s {accepted, rejected} as sent, including tools unknown to this version.', nullable: false },
      extra,
      ...lineage,
    ],
    naturalKey: ['activity_date', 'actor_type', 'actor_id', 'customer_type'],
    clusterBy: ['actor_id'],
  },
  claude_code_model_usage: {
    name: 'claude_code_model_usage',
    kind: 'fact',
    doc: 'Claude Code tokens and ESTIMATED cost per actor × day × model. An estimate only: never add it to claude_costs, which already bills API-customer Claude Code usage.',
    columns: [
      activityDate,
      ...actorColumns('Who'),
      { name: 'customer_type', type: 'string', doc: 'api or subscription, as on the record (one actor can have one record of each on a day); NULL on rows written before schema 3.' },
      { name: 'model', type: 'string', doc: 'Model id.', nullable: false },
      { name: 'input_tokens', type: 'int', doc: 'Input tokens.', nullable: false },
      { name: 'output_tokens', type: 'int', doc: 'Output tokens.', nullable: false },
      { name: 'cache_read_tokens', type: 'int', doc: 'Cache read tokens.', nullable: false },
      { name: 'cache_creation_tokens', type: 'int', doc: 'Cache creation tokens.', nullable: false },
      { name: 'estimated_cost_currency', type: 'string', doc: 'Currency of the estimate.' },
      { name: 'estimated_cost_cents', type: 'cents', doc: 'ESTIMATED cost in cents (not billing data); the API sends a JSON number, stored as its shortest exact decimal rounded half-even to 12 places.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['activity_date', 'actor_type', 'actor_id', 'customer_type', 'model'],
    clusterBy: ['actor_id'],
  },
  claude_api_keys: {
    name: 'claude_api_keys',
    kind: 'snapshot',
    doc: 'Latest snapshot of the organization\'s API keys (all statuses), for names.',
    columns: [
      { name: 'id', type: 'string', doc: 'apikey_… id.', nullable: false },
      { name: 'name', type: 'string', doc: 'Key name.' },
      { name: 'workspace_id', type: 'string', doc: 'Workspace as the API\'s deprecated workspace_id field says: NULL for the default workspace AND for a principal-bound key with no workspace (scope_type tells them apart).' },
      { name: 'scope_type', type: 'string', doc: 'Where the key belongs: workspace, or organization (a principal-bound key with no workspace); NULL when the API did not send scope.' },
      { name: 'scope_workspace_id', type: 'string', doc: 'scope.workspace_id: the workspace\'s real id, also for the default workspace.' },
      { name: 'principal_type', type: 'string', doc: 'The principal the key acts as: user_actor, service_account_actor (or a newer type); NULL when not bound to a principal.' },
      { name: 'principal_id', type: 'string', doc: 'principal.user_id or principal.service_account_id (or the identifying field of a newer principal type).' },
      { name: 'status', type: 'string', doc: 'active, inactive, archived, expired.' },
      { name: 'created_at', type: 'timestamp', doc: 'Created.' },
      { name: 'created_by_id', type: 'string', doc: 'Creator id.' },
      { name: 'created_by_type', type: 'string', doc: 'Creator type.' },
      { name: 'partial_key_hint', type: 'string', doc: 'Redacted hint the API returns (never the key).' },
      { name: 'expires_at', type: 'timestamp', doc: 'Expiry, if any.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
  claude_workspaces: {
    name: 'claude_workspaces',
    kind: 'snapshot',
    doc: 'Latest snapshot of workspaces, including archived ones, for names.',
    columns: [
      { name: 'id', type: 'string', doc: 'wrkspc_… id.', nullable: false },
      { name: 'name', type: 'string', doc: 'Workspace name.' },
      { name: 'display_color', type: 'string', doc: 'Console colour.' },
      { name: 'created_at', type: 'timestamp', doc: 'Created.' },
      { name: 'archived_at', type: 'timestamp', doc: 'Archived, or NULL.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
  claude_users: {
    name: 'claude_users',
    kind: 'snapshot',
    doc: 'Latest snapshot of organization members, for names.',
    columns: [
      { name: 'id', type: 'string', doc: 'user_… id.', nullable: false },
      { name: 'email', type: 'string', doc: 'Email address.' },
      { name: 'name', type: 'string', doc: 'Display name.' },
      { name: 'role', type: 'string', doc: 'Organization role.' },
      { name: 'added_at', type: 'timestamp', doc: 'Joined.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
  claude_organization: {
    name: 'claude_organization',
    kind: 'snapshot',
    doc: 'The organization the admin key belongs to (GET /v1/organizations/me), refreshed by the org stream.',
    columns: [
      { name: 'id', type: 'string', doc: 'Organization id.', nullable: false },
      { name: 'name', type: 'string', doc: 'Organization name.' },
      { name: 'type', type: 'string', doc: 'Object type, "organization".' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
  ingest_runs: {
    name: 'ingest_runs',
    kind: 'ledger',
    doc: 'One row per command that wrote to the warehouse.',
    columns: [
      { name: 'run_id', type: 'string', doc: 'Run id.', nullable: false },
      { name: 'command', type: 'string', doc: 'backfill, run, retry.', nullable: false },
      { name: 'args', type: 'json', doc: 'Options the run was started with (never the key).' },
      { name: 'tool_version', type: 'string', doc: 'claude-ingest version.' },
      { name: 'status', type: 'string', doc: 'running, ok, failed.', nullable: false },
      { name: 'organization_id', type: 'string', doc: 'The organization the admin key belongs to (GET /v1/organizations/me); NULL when it could not be read.' },
      { name: 'organization_name', type: 'string', doc: 'Its name at the time of the run.' },
      { name: 'windows_ok', type: 'int', doc: 'Windows written.' },
      { name: 'windows_failed', type: 'int', doc: 'Windows that failed.' },
      { name: 'started_at', type: 'timestamp', doc: 'Started.', nullable: false },
      { name: 'finished_at', type: 'timestamp', doc: 'Finished.' },
    ],
    naturalKey: ['run_id'],
  },
  ingest_windows: {
    name: 'ingest_windows',
    kind: 'ledger',
    doc: 'One row per stream window a run attempted: the ledger that backfill resumes from and retry reads.',
    columns: [
      { name: 'run_id', type: 'string', doc: 'Run id.', nullable: false },
      { name: 'stream', type: 'string', doc: 'cost, usage, claude_code, analytics_cost, analytics_usage, org, limits, rate_limit_peaks (on demand).', nullable: false },
      { name: 'window_start', type: 'date', doc: 'First day of the window (inclusive).', nullable: false },
      { name: 'window_end', type: 'date', doc: 'Last day of the window (inclusive).', nullable: false },
      { name: 'status', type: 'string', doc: 'running, ok, failed, or unavailable (the endpoint answered 403/404 to the window\'s first request: not open to this organization; not a failure, asked again next run).', nullable: false },
      { name: 'complete', type: 'bool', doc: 'ok and fetched after window_end had ended: the days are final and a backfill skips them.', nullable: false },
      { name: 'rows', type: 'int', doc: 'Rows written for the window (all its tables).' },
      { name: 'requests', type: 'int', doc: 'HTTP requests made.' },
      { name: 'retries', type: 'int', doc: 'Retried requests.' },
      { name: 'rate_limited', type: 'int', doc: '429 answers received.' },
      { name: 'cents_total', type: 'cents', doc: 'Sum of amount_cents written (cost stream).' },
      { name: 'rounded_values', type: 'int', doc: 'Billed cent amounts with more than 12 decimal places, rounded half-even to fit (validate WARNs).' },
      { name: 'unknown_measures', type: 'json', doc: 'Numbers the API sent in fields this version has no column for, per day: {"YYYY-MM-DD": {"table: field": "total"}} (validate WARNs).' },
      { name: 'error', type: 'string', doc: 'Why it failed, in one line.' },
      { name: 'data_refreshed_at', type: 'timestamp', doc: 'The newest data_refreshed_at the window\'s Analytics API pages carried: the API\'s data was complete up to then when read (status and the freshness check use it); NULL for the other streams.' },
      { name: 'started_at', type: 'timestamp', doc: 'Started.', nullable: false },
      { name: 'finished_at', type: 'timestamp', doc: 'Finished.' },
    ],
    naturalKey: ['run_id', 'stream', 'window_start', 'window_end'],
  },
  claude_ingest_meta: {
    name: 'claude_ingest_meta',
    kind: 'meta',
    doc: 'Warehouse metadata: the schema version (key schema_version), the organization that rows written before organization ids existed were attributed to (organizations_attributed) and, in DuckDB, when a bulk write last had its row groups compacted (row_groups_compacted_at).',
    columns: [
      { name: 'key', type: 'string', doc: 'Setting name.', nullable: false },
      { name: 'value', type: 'string', doc: 'Setting value.', nullable: false },
    ],
    naturalKey: ['key'],
  },
  alert_events: {
    name: 'alert_events',
    kind: 'ledger',
    doc: 'Alerts per delivery channel (claude-ingest alerts): what fired, with which figures, and whether it was delivered. A sent row is never sent again; a failed one is retried by the next run.',
    columns: [
      { name: 'event_key', type: 'string', doc: 'rule|subject|period|level: one event, e.g. budget|Search team|2026-11|80.', nullable: false },
      { name: 'channel', type: 'string', doc: 'Delivery channel: slack, webhook or email and a fingerprint of its destination (never the URL).', nullable: false },
      { name: 'organization_id', type: 'string', doc: 'Organization the alert is about; NULL for a single-organization warehouse.' },
      { name: 'rule', type: 'string', doc: 'budget, budget_forecast, spend_limit, rate_limit_headroom, daily_spend, new_spender, cache_hit_rate_drop, data_health.', nullable: false },
      { name: 'subject', type: 'string', doc: 'Budget name, API key or model id, or organization.', nullable: false },
      { name: 'period', type: 'string', doc: 'Month (YYYY-MM) for budgets, day (YYYY-MM-DD) for anomalies and data health.', nullable: false },
      { name: 'level', type: 'string', doc: 'Threshold percent, forecast, anomaly, fail or stale.', nullable: false },
      { name: 'title', type: 'string', doc: 'One-line summary as sent.', nullable: false },
      { name: 'figures', type: 'json', doc: 'The exact figures behind the message (dollars as decimal text) and the event as rendered.', nullable: false },
      { name: 'status', type: 'string', doc: 'sending (recorded before the attempt), sent, failed, or uncertain (an attempt a crash cut short on Slack or email: not sent again).', nullable: false },
      { name: 'attempts', type: 'int', doc: 'Delivery attempts so far, over all runs.', nullable: false },
      { name: 'error', type: 'string', doc: 'Why the last delivery failed, in one line (no secrets).' },
      { name: 'first_attempt_at', type: 'timestamp', doc: 'First delivery attempt.', nullable: false },
      { name: 'sent_at', type: 'timestamp', doc: 'When it was delivered; NULL while failed.' },
      { name: 'updated_at', type: 'timestamp', doc: 'Last delivery attempt.', nullable: false },
    ],
    naturalKey: ['event_key', 'channel'],
  },
  ...NAME_TABLES,
  validation_proofs: {
    name: 'validation_proofs',
    kind: 'ledger',
    doc: 'What claude-ingest validate proved, kept so the next validate proves only the days whose rows changed (docs/reports.md): per check and organization, each day\'s findings under a fingerprint of that day\'s rows. Safe to empty: validate then proves every day again.',
    columns: [
      { name: 'organization_key', type: 'string', doc: 'Organization id; * for a warehouse proved as a whole, empty for rows without an organization.', nullable: false },
      { name: 'check_id', type: 'string', doc: 'The check (completeness, cents, duplicates, …).', nullable: false },
      { name: 'proofs', type: 'json', doc: '{"version": …, "days": {"YYYY-MM-DD": [fingerprint, findings or null]}}.', nullable: false },
      { name: 'proved_at', type: 'timestamp', doc: 'When validate last proved a day of it.', nullable: false },
    ],
    naturalKey: ['organization_key', 'check_id'],
  },
  ...ANALYTICS_TABLES, ...ALLOCATION_TABLES,
  ...BILLING_TABLES,
  ...LIMIT_TABLES,
} as const satisfies Record<TableName, TableSpec>;

export const TABLES: Record<TableName, TableDef> = withOrganization(DECLARED_TABLES);

/** Bump when a table changes, and add a migration in each warehouse. */
export const SCHEMA_VERSION = 4;

/** Columns a schema version removed: each warehouse's migration to that version drops them. */
export const REMOVED_COLUMNS: Readonly<Record<number, ReadonlyArray<{ table: TableName; column: string }>>> = {
  // The Claude Code report has no is_remote field: an early contract page listed one by mistake.
  2: [
    { table: 'claude_code_productivity', column: 'is_remote' },
    { table: 'claude_code_model_usage', column: 'is_remote' },
  ],
};

export const FACT_TABLES = Object.values(TABLES).filter((t) => t.kind === 'fact' || t.kind === 'totals');

/** A row to write: column name → value. Dates 'YYYY-MM-DD', timestamps ISO strings, cents/usd decimal strings, json as text. */
export type Row = Record<string, string | number | bigint | boolean | null>;

type Declared = typeof DECLARED_TABLES;
type DeclaredColumn<N extends TableName> = Declared[N]['columns'][number];
/** Column name → value, NULL allowed unless the column is declared `nullable: false` (spelled out, not an alias, so errors show plain types). */
type ColumnsRow<N extends TableName, Left extends string> = {
  [C in DeclaredColumn<N> as C['name'] extends Left ? never : C['name']]: ColumnValues[C['type']] | (C extends { readonly nullable: false } ? never : null);
};

/** Columns equal on every row of a window, stamped by the window writer (window-writer.ts), never carried by a row. */
export const STAMPED_COLUMNS = ['organization_id', 'run_id', 'ingested_at'] as const;
export type StampedColumn = (typeof STAMPED_COLUMNS)[number];

/** The tables a window replaces (fact, totals and snapshot tables): their rows come from streams. */
export type WindowTableName = { [N in TableName]: Declared[N]['kind'] extends 'fact' | 'totals' | 'snapshot' ? N : never }[TableName];

/**
 * A row of table N, from its declared columns: every column present (null for NULL) with its type's
 * value (ColumnValues in columns.ts). A missing, misspelled or mistyped column is a compile error.
 * A window table's row leaves out the stamped columns (the window writer writes them); a ledger row
 * has organization_id optional.
 */
export type RowOf<N extends TableName> = N extends WindowTableName
  ? { [K in keyof ColumnsRow<N, StampedColumn>]: ColumnsRow<N, StampedColumn>[K] }
  : N extends TableName
    ? HasOrganization<N> extends true
      ? { [K in keyof (ColumnsRow<N, 'organization_id'> & { organization_id?: string | null })]: (ColumnsRow<N, 'organization_id'> & { organization_id?: string | null })[K] }
      : ColumnsRow<N, 'organization_id'>
    : never;

/** The tables of kind 'ledger' (runs, windows, alert events): the only ones upsertLedgerRow writes. */
export type LedgerTableName = { [N in TableName]: Declared[N]['kind'] extends 'ledger' ? N : never }[TableName];

/** The six token count columns that every usage table shares (tokenColumns in columns.ts). */
export type TokenCounts = { [C in (typeof tokenColumns)[number]['name']]: number };

/** Whether a ledger table N has organization_id at runtime: declared, or added by withOrganization (ownsOrganization). */
type HasOrganization<N extends TableName> = 'organization_id' extends DeclaredColumn<N>['name'] ? true : N extends 'ingest_windows' ? true : false;
