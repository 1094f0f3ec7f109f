/**
 * Schema migrations of a BigQuery warehouse, numbered like DuckDB's (src/warehouse/duckdb/schema-version.ts):
 * migrations[n] turns a version n-1 dataset into version n; init runs them in order, then creates
 * the tables TABLES declares that are still missing, then the views, and records the new version last.
 *
 * BigQuery's multi-statement transactions cannot contain DDL, so a migration is not atomic. It is
 * made safe instead: every step is idempotent (ADD COLUMN IF NOT EXISTS, DROP COLUMN IF EXISTS,
 * tables created with "already exists" ignored) and the version row is written only after every
 * step succeeded. A crash or a failed step leaves the old version recorded, and the next init runs
 * the same steps again, skipping what is already done. Each step reads the table's current columns
 * first, so a step that has nothing to do sends no DDL (BigQuery limits table metadata updates to
 * about five per table every ten seconds, so one ALTER per table carries all of its columns).
 */
import { REMOVED_COLUMNS, TABLES, type ColumnDef, type TableName } from '../tables.js';
import { WarehouseSchemaError } from '../warehouse.js';
import { addColumnsSql, dropColumnsSql } from './bigquery-sql.js';

/** What a migration step may do to the dataset. */
export interface MigrationContext {
  /** The columns a table has right now, or null when the table does not exist. */
  columns(table: string): Promise<Set<string> | null>;
  /** Runs one DDL statement as a query job (serialised with the process's other writes). */
  ddl(purpose: string, sql: string): Promise<void>;
  /** Fully qualified, quoted table name. */
  ref(table: string): string;
}

export type BigQueryMigration = (m: MigrationContext) => Promise<void>;

/**
 * Adds every nullable column TABLES declares that an existing table lacks (missing tables are
 * created after the migrations, from TABLES). A required column cannot be added to a table with
 * rows, so its absence is an error that names it.
 */
export async function addMissingColumns(m: MigrationContext): Promise<void> {
  for (const def of Object.values(TABLES)) {
    const have = await m.columns(def.name);
    if (!have) continue;
    const missing: ColumnDef[] = def.columns.filter((c) => !have.has(c.name));
    const required = missing.find((c) => c.nullable === false);
    if (required) throw new WarehouseSchemaError(`cannot migrate ${def.name}: it lacks the required column ${required.name}`);
    if (missing.length) await m.ddl(`migrate ${def.name}: add ${missing.map((c) => c.name).join(', ')}`, addColumnsSql(m.ref(def.name), missing));
  }
}

/**
 * Drops columns a table no longer declares. Refuses to drop one TABLES still declares, so a typo
 * cannot destroy data the code reads.
 */
export async function dropColumns(m: MigrationContext, table: TableName | string, columns: readonly string[]): Promise<void> {
  const declared = TABLES[table as TableName]?.columns.map((c) => c.name) ?? [];
  const kept = columns.filter((c) => declared.includes(c));
  if (kept.length) throw new WarehouseSchemaError(`migration would drop ${table}.${kept.join(', ')}, which the table still declares`);
  const have = await m.columns(table);
  if (!have) return;
  const present = columns.filter((c) => have.has(c));
  if (present.length) await m.ddl(`migrate ${table}: drop ${present.join(', ')}`, dropColumnsSql(m.ref(table), present));
}

/**
 * Version 2 (see the DuckDB migration): drops is_remote, adds the nullable `extra`, scope/principal and
 * ledger columns. Money needs no change: BIGNUMERIC already holds 12 and 14 decimal places.
 */
async function toVersion2(m: MigrationContext): Promise<void> {
  const removed = REMOVED_COLUMNS[2] ?? [];
  for (const table of new Set(removed.map((r) => r.table))) {
    await dropColumns(m, table, removed.filter((r) => r.table === table).map((r) => r.column));
  }
  await addMissingColumns(m);
}

/**
 * Version 3 (see the DuckDB migration): adds the nullable `ordinal`, customer_type and
 * data_refreshed_at, and keys analytics users by the user_id an older version kept in `extra`.
 * Existing rows keep a NULL ordinal (BigQuery has no row id to number identical rows by): the
 * duplicates check names such rows, and rewriting their days stores each with its ordinal.
 */
async function toVersion3(m: MigrationContext): Promise<void> {
  await addMissingColumns(m);
  for (const def of Object.values(TABLES)) {
    if (!def.naturalKey.includes('ordinal') || !def.columns.some((c) => c.name === 'actor_id')) continue;
    if (!(await m.columns(def.name))) continue;
    const userId = `JSON_EXTRACT_SCALAR(\`extra\`, '$.group.actor.user_id')`;
    await m.ddl(
      `migrate ${def.name}: key users by user_id`,
      `UPDATE ${m.ref(def.name)} SET \`actor_id\` = ${userId}\nWHERE \`activity_date\` >= DATE '1970-01-01' AND \`actor_type\` = 'user_actor' AND ${userId} IS NOT NULL`,
    );
  }
}

export const migrations: Record<number, BigQueryMigration> = {
  // Version 1 is the first released schema; its step only fills in nullable columns a dataset from a
  // pre-release build (recorded as version 0: meta table without a version row) may lack.
  1: addMissingColumns,
  2: toVersion2,
  3: toVersion3,
  // Version 4 (issues 26 and 25): claude_fixed_costs gains period_start/period_end (prorated partial
  // months) and claude_cost_by_actor the nullable api_key_id.
  4: addMissingColumns,
};

/** Runs migrations from+1 .. to, in order. */
export async function migrate(m: MigrationContext, from: number, to: number, location: string, steps = migrations): Promise<void> {
  for (let v = from + 1; v <= to; v++) {
    const step = steps[v];
    if (!step) throw new WarehouseSchemaError(`no migration to schema ${v}: this claude-ingest cannot upgrade ${location}`);
    await step(m);
  }
}
