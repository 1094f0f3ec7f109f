/**
 * Column definitions and the columns several tables share, declared `as const` so each column's name,
 * type and nullability survive as literal types: tables.ts derives RowOf<table> from them, and a row
 * with a misspelled or missing column does not compile.
 */
import type { IsoDay } from '../util/dates.js';
import type { Cents, Usd } from '../util/money.js';

export type ColumnType =
  | 'date' // calendar day (UTC)
  | 'timestamp' // UTC instant
  | 'string'
  | 'int' // 64-bit integer
  | 'bool'
  | 'cents' // exact DECIMAL(38,12) / BigQuery BIGNUMERIC: cents with fractional digits
  | 'usd' // exact DECIMAL(38,14) / BigQuery BIGNUMERIC: dollars
  | 'json'; // JSON text

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** What the column means, for the README and the BigQuery schema descriptions. */
  doc: string;
  nullable?: boolean; // default true
}

/** The value a row holds for each column type (NULL aside). */
export interface ColumnValues {
  date: IsoDay;
  timestamp: string;
  string: string;
  json: string;
  int: number | bigint;
  bool: boolean;
  cents: Cents;
  usd: Usd;
}


/** The same columns with every one nullable (the array keeps its order and length, so the cast holds). */
export function allNullable<const T extends readonly ColumnDef[]>(columns: T): { readonly [I in keyof T]: Omit<T[I], 'nullable'> & { readonly nullable: true } } {
  return columns.map((c) => ({ ...c, nullable: true })) as unknown as { readonly [I in keyof T]: Omit<T[I], 'nullable'> & { readonly nullable: true } };
}

/** Columns every fact and totals row carries. */
export const lineage = [
  { name: 'run_id', type: 'string', doc: 'The ingest run that wrote this row (ingest_runs.run_id).', nullable: false },
  { name: 'ingested_at', type: 'timestamp', doc: 'When this row was written.', nullable: false },
] as const satisfies readonly ColumnDef[];

/** Fields of the API record that no column maps, as sent (see src/transform/extra.ts). */
export const extra = {
  name: 'extra',
  type: 'json',
  doc: 'Every field of the API record that no column maps, as sent (nested objects keep their shape); NULL when there is none.',
} as const satisfies ColumnDef;

export const actorColumns = (what: string) =>
  [
    { name: 'actor_type', type: 'string', doc: 'Actor type as sent: user_actor, api_actor, or a type this version does not know.', nullable: false },
    {
      name: 'actor_id',
      type: 'string',
      doc: `${what}: the email address (user_actor), the API key name (api_actor), the actor's identifying field for other known types, or "#" and 32 hex digits derived from the whole actor object for a shape this version does not know.`,
      nullable: false,
    },
  ] as const satisfies readonly ColumnDef[];

export const activityDate = {
  name: 'activity_date',
  type: 'date',
  doc: 'UTC calendar day the activity happened on (partition column).',
  nullable: false,
} as const satisfies ColumnDef;

export const tokenColumns = [
  { name: 'uncached_input_tokens', type: 'int', doc: 'Input tokens not served from cache.', nullable: false },
  { name: 'cache_read_input_tokens', type: 'int', doc: 'Input tokens read from the prompt cache.', nullable: false },
  { name: 'cache_creation_5m_input_tokens', type: 'int', doc: 'Input tokens written to the 5-minute cache (cache_creation.ephemeral_5m_input_tokens).', nullable: false },
  { name: 'cache_creation_1h_input_tokens', type: 'int', doc: 'Input tokens written to the 1-hour cache (cache_creation.ephemeral_1h_input_tokens).', nullable: false },
  { name: 'output_tokens', type: 'int', doc: 'Output tokens.', nullable: false },
  { name: 'web_search_requests', type: 'int', doc: 'Server-side web search requests (server_tool_use.web_search_requests).', nullable: false },
] as const satisfies readonly ColumnDef[];

export const bucketStart = {
  name: 'bucket_start',
  type: 'timestamp',
  doc: 'Start of the time bucket: midnight UTC for daily buckets, the hour for --usage-bucket 1h.',
  nullable: false,
} as const satisfies ColumnDef;

/**
 * Every data row and every window belongs to one organization (one admin key = one organization):
 * windows replace only their own organization's days, so several organizations share a warehouse.
 * The warehouse writes it from the window (WindowWrite.organizationId) into every row.
 */
export const organizationId = {
  name: 'organization_id',
  type: 'string',
  doc: 'The organization the row belongs to (GET /v1/organizations/me of the key that read it). NULL only on rows from before version 2 that no run has attributed yet.',
} as const satisfies ColumnDef;
