/**
 * Every BigQuery-specific SQL string and table resource lives here, generated from TABLES, so the
 * warehouse class only orchestrates jobs. Identifiers are always backtick-quoted; values are always
 * query parameters.
 */
import { TABLES, type ColumnDef, type ColumnType, type TableDef, type TableName } from '../tables.js';
import { allDaysPredicate } from '../all-days.js';
import type { SqlDialect } from '../warehouse.js';

/**
 * cents carry 12 fractional digits and usd 14, both past NUMERIC's scale of 9; BIGNUMERIC (scale 38) holds both exactly, and one type for every money column keeps
 * cents + usd arithmetic and SUMs free of implicit NUMERIC/BIGNUMERIC coercions. JSON columns are
 * STRING so the text round-trips byte for byte, as in DuckDB; PARSE_JSON / JSON_VALUE still work.
 */
const BQ_TYPES: Record<ColumnType, string> = {
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  string: 'STRING',
  int: 'INT64',
  bool: 'BOOL',
  cents: 'BIGNUMERIC',
  usd: 'BIGNUMERIC',
  json: 'STRING',
};

/** The tables API answers with legacy names; compare schemas through this. */
const TYPE_ALIASES: Record<string, string> = { INTEGER: 'INT64', BOOLEAN: 'BOOL', FLOAT: 'FLOAT64', BIGDECIMAL: 'BIGNUMERIC', DECIMAL: 'NUMERIC' };

export function bqType(type: ColumnType): string {
  return BQ_TYPES[type];
}

export function normalizeBqType(type: string): string {
  const upper = type.toUpperCase();
  return TYPE_ALIASES[upper] ?? upper;
}

/** Partitioned tables are the ones with an activity_date; the large facts also demand a filter on it. */
export const PARTITION_COLUMN = 'activity_date';

export function isPartitioned(def: TableDef): boolean {
  return def.kind === 'fact' || def.kind === 'totals';
}

/**
 * A full scan of a fact table is the one mistake that costs real money in BigQuery; requiring a
 * partition filter turns it into an error. Totals tables stay scannable: validation compares whole
 * ranges of them and they hold one row per day.
 */
export function requiresPartitionFilter(def: TableDef): boolean {
  return def.kind === 'fact';
}

export interface BqField {
  name: string;
  type: string;
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
}

export function schemaFields(def: TableDef): BqField[] {
  return def.columns.map((c) => ({
    name: c.name,
    type: bqType(c.type),
    mode: c.nullable === false ? 'REQUIRED' : 'NULLABLE',
    description: c.doc,
  }));
}

export interface TableResource {
  tableReference: { projectId: string; datasetId: string; tableId: string };
  description: string;
  schema: { fields: BqField[] };
  timePartitioning?: { type: 'DAY'; field: string };
  clustering?: { fields: string[] };
  requirePartitionFilter?: boolean;
  expirationTime?: string;
  labels?: Record<string, string>;
}

/** The tables.insert body of a warehouse table. */
export function tableResource(def: TableDef, projectId: string, datasetId: string): TableResource {
  const res: TableResource = {
    tableReference: { projectId, datasetId, tableId: def.name },
    description: def.doc,
    schema: { fields: schemaFields(def) },
    labels: { 'managed-by': 'claude-ingest' },
  };
  if (isPartitioned(def)) {
    res.timePartitioning = { type: 'DAY', field: PARTITION_COLUMN };
    if (def.clusterBy?.length) res.clustering = { fields: [...def.clusterBy] };
    if (requiresPartitionFilter(def)) res.requirePartitionFilter = true;
  }
  return res;
}

/** Staging tables expire on their own, so a job killed between load and drop leaves nothing for long. */
export const STAGING_TTL_MS = 24 * 60 * 60 * 1000;
export const STAGING_PREFIX = '_claude_ingest_stage_';

/**
 * One staging table per target table and window, named from the window so that a re-run after a
 * crash truncates the leftover instead of piling up new ones.
 */
export function stagingTableId(table: TableName, days: { from: string; to: string } | undefined): string {
  const span = days ? `${days.from}_${days.to}`.replace(/-/g, '') : 'snapshot';
  return `${STAGING_PREFIX}${table}_${span}`;
}

export function stagingResource(def: TableDef, projectId: string, datasetId: string, tableId: string, now: number): TableResource {
  return {
    tableReference: { projectId, datasetId, tableId },
    description: `claude-ingest staging for ${def.name}; dropped after the window commits, expires on its own otherwise.`,
    schema: { fields: schemaFields(def) },
    expirationTime: String(now + STAGING_TTL_MS),
    labels: { 'managed-by': 'claude-ingest', purpose: 'staging' },
  };
}

// ---------------------------------------------------------------------------------------------
// Quoting

const PROJECT_ID = /^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;

export function isValidProjectId(project: string): boolean {
  return PROJECT_ID.test(project);
}

export function isValidDatasetId(dataset: string): boolean {
  return DATASET_ID.test(dataset);
}

/** Backtick-quoted identifier; a backtick or backslash inside is escaped, never passed through. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
}

export function qualifiedTable(project: string, dataset: string, table: string): string {
  // Project and dataset were validated when the URL was parsed; the table name may come from callers.
  return quoteIdent(`${project}.${dataset}.${table}`);
}

/**
 * SUM over BIGNUMERIC stays BIGNUMERIC: exact to 38 fractional digits and ~38 integer digits,
 * and an overflow is an error, never a rounded answer.
 */
export function bigQueryDialect(project: string, dataset: string): SqlDialect {
  return {
    table: (name) => qualifiedTable(project, dataset, name),
    ident: (name) => quoteIdent(name),
    dateParam: () => 'CAST(? AS DATE)',
    sumExact: (expr) => `SUM(${expr})`,
    toText: (expr) => `CAST(${expr} AS STRING)`,
    // An explicit UTC: a session's @@time_zone never moves the hour.
    utcHourText: (expr) => `FORMAT_TIMESTAMP('%H', ${expr}, 'UTC')`,
    allDays: allDaysPredicate,
    // ISOWEEK starts on Monday like DuckDB's date_trunc('week'); plain WEEK would start on Sunday.
    dateTrunc: (expr, unit) => `DATE_TRUNC(${expr}, ${unit === 'week' ? 'ISOWEEK' : 'MONTH'})`,
    // DATE_ADD on a DATE stays a DATE; MONTH clamps to the month's last day, as DuckDB's interval does.
    dateAdd: (expr, n, unit) => `DATE_ADD(${expr}, INTERVAL ${wholeNumber(n)} ${unit === 'day' ? 'DAY' : 'MONTH'})`,
    // TIMESTAMP(date) with no zone argument is midnight UTC.
    dateToTimestamp: (expr) => `TIMESTAMP(${expr})`,
    jsonObject: (entries) => jsonObjectSql(entries),
    // The row as JSON text (every column type has one, NULLs kept) under FARM_FINGERPRINT's 64 bits.
    rowFingerprint: (columns) => `CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${columns.join(', ')})))) AS STRING)`,
    rowHash: (columns) => `FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${columns.join(', ')})))`,
    viewSqlQuery: (view) => ({ sql: `SELECT view_definition FROM ${qualifiedTable(project, dataset, 'INFORMATION_SCHEMA.VIEWS')} WHERE table_name = ?`, params: [view] }),
    decimal: (expr) => `CAST(${expr} AS BIGNUMERIC)`,
    columnsQuery: (table) => ({
      // Dataset-scoped INFORMATION_SCHEMA: the dataset's own region, no project-wide permission needed.
      sql: `SELECT column_name FROM ${qualifiedTable(project, dataset, 'INFORMATION_SCHEMA.COLUMNS')} WHERE table_name = ? ORDER BY ordinal_position`,
      params: [table],
    }),
  };
}

function wholeNumber(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`dateAdd: ${n} is not a whole number`);
  return n;
}

/**
 * TO_JSON_STRING of a STRUCT gives what DuckDB's CAST(json_object(...) AS VARCHAR) gives: compact
 * `{"k":v,...}` in the entries' order, NULL values kept as null. Keys become backtick-quoted field
 * names, so any text is safe; an empty object needs the STRUCT() form, which has no fields.
 */
function jsonObjectSql(entries: Array<[key: string, expr: string]>): string {
  if (entries.length === 0) return `TO_JSON_STRING(STRUCT())`;
  const keys = new Set<string>();
  for (const [k] of entries) {
    // Struct field names are case-insensitive and must be unique; JSON keys are not: refuse rather than rename.
    if (keys.has(k.toLowerCase())) throw new Error(`jsonObject: duplicate key "${k}" (BigQuery compares field names case-insensitively)`);
    keys.add(k.toLowerCase());
  }
  return `TO_JSON_STRING(STRUCT(${entries.map(([k, e]) => `${e} AS ${quoteIdent(k)}`).join(', ')}))`;
}

// ---------------------------------------------------------------------------------------------
// Statements

type TableRef = (name: string) => string;

function columnList(def: TableDef): string {
  return def.columns.map((c) => quoteIdent(c.name)).join(', ');
}

/** Parameter name of a column in the single-row MERGE statements. */
export function paramName(col: ColumnDef): string {
  return col.name;
}

/**
 * Upsert of one row keyed by the table's natural key, from named parameters (@<column>). Ledger and
 * meta volumes are tiny, so DML is the simple, transactional choice here.
 */
export function mergeRowSql(def: TableDef, ref: TableRef): string {
  const key = new Set(def.naturalKey);
  const select = def.columns.map((c) => `@${paramName(c)} AS ${quoteIdent(c.name)}`).join(', ');
  // NOT DISTINCT: a NULL key part (a run that could not read its organization) still matches itself.
  const on = def.naturalKey.map((k) => `t.${quoteIdent(k)} IS NOT DISTINCT FROM s.${quoteIdent(k)}`).join(' AND ');
  const update = def.columns
    .filter((c) => !key.has(c.name))
    .map((c) => `${quoteIdent(c.name)} = s.${quoteIdent(c.name)}`)
    .join(', ');
  const values = def.columns.map((c) => `s.${quoteIdent(c.name)}`).join(', ');
  return (
    `MERGE ${ref(def.name)} AS t USING (SELECT ${select}) AS s ON ${on} ` +
    `WHEN MATCHED THEN UPDATE SET ${update} ` +
    `WHEN NOT MATCHED THEN INSERT (${columnList(def)}) VALUES (${values})`
  );
}

export interface ReplaceTarget {
  table: TableName;
  /** Fully qualified staging table, or null when the window has no rows for this table. */
  staging: string | null;
}

/** Named parameters of the window bounds in replaceWindowScript. */
export const WINDOW_FROM_PARAM = 'window_from';
export const WINDOW_TO_PARAM = 'window_to';
export const WINDOW_ORG_PARAM = 'window_organization';

/**
 * The whole replacement of a window as one multi-statement transaction: every table's DELETE and
 * INSERT and the ledger MERGE commit together or not at all. If any statement fails, the script
 * ends with the transaction open and BigQuery rolls it back, so no exception handler is needed.
 * WRITE_TRUNCATE on partition decorators was rejected: it is one load job per partition and per
 * table, each committing on its own, so a window spanning days and tables (plus the ledger row)
 * could be left half-replaced by a crash between jobs.
 */
export function replaceWindowScript(targets: ReplaceTarget[], byDays: boolean, ref: TableRef): string {
  const lines = ['BEGIN TRANSACTION;'];
  for (const t of targets) {
    const def = TABLES[t.table];
    const mine = `${quoteIdent('organization_id')} = @${WINDOW_ORG_PARAM}`;
    const where = byDays ? `${quoteIdent(PARTITION_COLUMN)} BETWEEN @${WINDOW_FROM_PARAM} AND @${WINDOW_TO_PARAM} AND ${mine}` : mine;
    lines.push(`DELETE FROM ${ref(def.name)} WHERE ${where};`);
    if (t.staging) {
      lines.push(`INSERT INTO ${ref(def.name)} (${columnList(def)}) SELECT ${columnList(def)} FROM ${t.staging};`);
    }
  }
  lines.push(`${mergeRowSql(TABLES.ingest_windows, ref)};`);
  lines.push('COMMIT TRANSACTION;');
  return lines.join('\n');
}

export function schemaVersionSql(ref: TableRef): string {
  return `SELECT ${quoteIdent('value')} FROM ${ref('claude_ingest_meta')} WHERE ${quoteIdent('key')} = @key`;
}

/**
 * Latest row per window: the status filter applies after picking the latest, so a window that
 * failed and later succeeded is not reported as failed.
 */
export function listWindowsSql(ref: TableRef): string {
  const cols = columnList(TABLES.ingest_windows);
  return (
    `SELECT ${cols} FROM (` +
    `SELECT ${cols}, ROW_NUMBER() OVER (PARTITION BY ${quoteIdent('organization_id')}, ${quoteIdent('stream')}, ${quoteIdent('window_start')}, ${quoteIdent('window_end')} ` +
    `ORDER BY ${quoteIdent('started_at')} DESC, ${quoteIdent('run_id')} DESC) AS _rn ` +
    `FROM ${ref('ingest_windows')} WHERE (@stream IS NULL OR ${quoteIdent('stream')} = @stream)` +
    `) WHERE _rn = 1 AND (@status IS NULL OR ${quoteIdent('status')} = @status) ` +
    `ORDER BY ${quoteIdent('started_at')} DESC, ${quoteIdent('window_start')} DESC, ${quoteIdent('stream')}`
  );
}

export function listRunsSql(ref: TableRef): string {
  return `SELECT ${columnList(TABLES.ingest_runs)} FROM ${ref('ingest_runs')} ORDER BY ${quoteIdent('started_at')} DESC, ${quoteIdent('run_id')} DESC LIMIT @limit`;
}

/**
 * A view's DDL. The view is stored with the dialect's fully qualified table names, so it keeps
 * working when queried from another dataset or project.
 */
export function createViewSql(qualifiedView: string, selectSql: string): string {
  return `CREATE OR REPLACE VIEW ${qualifiedView} AS ${selectSql}`;
}

/**
 * BigQuery string literal of any text. JSON's escapes (\", \\, \n, \uXXXX) are BigQuery's too; DDL
 * options take no query parameters, so this is the one place text becomes a literal.
 */
export function stringLiteral(text: string): string {
  return JSON.stringify(text);
}

/** Adds nullable columns (the only kind BigQuery can add); IF NOT EXISTS makes a re-run harmless. */
export function addColumnsSql(qualified: string, columns: readonly ColumnDef[]): string {
  const clauses = columns.map(
    (c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${bqType(c.type)} OPTIONS(description = ${stringLiteral(c.doc)})`,
  );
  return `ALTER TABLE ${qualified}\n  ${clauses.join(',\n  ')}`;
}

/** Drops columns; IF EXISTS makes a re-run harmless. */
export function dropColumnsSql(qualified: string, columns: readonly string[]): string {
  return `ALTER TABLE ${qualified}\n  ${columns.map((c) => `DROP COLUMN IF EXISTS ${quoteIdent(c)}`).join(',\n  ')}`;
}
