/**
 * The schema version stored in claude_ingest_meta, and migrations that bring an older warehouse
 * forward. migrations[n] turns a version n-1 warehouse into version n; init runs them in order inside
 * the same transaction that records the new version, so a crash leaves the old version intact.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { READER_OPTIONAL_TABLES } from '../allocation-tables.js';
import { REMOVED_COLUMNS, SCHEMA_VERSION, TABLES } from '../tables.js';
import { WarehouseSchemaError } from '../warehouse.js';
import { VIEWS } from '../views/index.js';
import { allCreateTableSql, columnSql, sqlType } from './ddl.js';
import { duckDbDialect } from './duckdb-dialect.js';
import { quoteIdent } from './sql.js';

export type Migration = (conn: DuckDBConnection) => Promise<void>;

const META = TABLES.claude_ingest_meta.name;
const VERSION_KEY = 'schema_version';
/** The key under which init keeps a hash of the views' SQL it created (see ensureViews). */
export const VIEWS_KEY = 'views_sql_sha256';

/** Adds every nullable column TABLES declares that a table lacks (version 0 was the pre-release layout). */
async function addMissingColumns(conn: DuckDBConnection): Promise<void> {
  const existing = await conn.runAndReadAll(
    `SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'`,
  );
  const have = new Set(existing.getRows().map(([t, c]) => `${String(t)}.${String(c)}`));
  for (const def of Object.values(TABLES)) {
    const tableExists = existing.getRows().some(([t]) => t === def.name);
    if (!tableExists) continue; // created afterwards by CREATE TABLE IF NOT EXISTS
    for (const col of def.columns) {
      if (have.has(`${def.name}.${col.name}`)) continue;
      if (col.nullable === false) {
        throw new WarehouseSchemaError(`cannot migrate ${def.name}: it lacks the required column ${col.name}`);
      }
      await conn.run(`ALTER TABLE ${quoteIdent(def.name)} ADD COLUMN ${columnSql(col)}`);
    }
  }
}

/**
 * Version 2: the real Claude Code record has no is_remote (dropped), every fact and snapshot table
 * keeps unmapped fields in `extra`, API keys gain scope/principal, the ledger gains the organization,
 * rounded values and unknown measures (all added as nullable columns), and money widens to
 * DECIMAL(38,12) cents / DECIMAL(38,14) dollars, which holds every old value exactly.
 */
async function toVersion2(conn: DuckDBConnection): Promise<void> {
  for (const { table, column } of REMOVED_COLUMNS[2] ?? []) {
    await conn.run(`ALTER TABLE IF EXISTS ${quoteIdent(table)} DROP COLUMN IF EXISTS ${quoteIdent(column)}`);
  }
  await addMissingColumns(conn);
  const existing = await conn.runAndReadAll(
    `SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'`,
  );
  const typeOf = new Map(existing.getRows().map(([t, c, type]) => [`${String(t)}.${String(c)}`, String(type)]));
  for (const def of Object.values(TABLES)) {
    for (const col of def.columns) {
      if (col.type !== 'cents' && col.type !== 'usd') continue;
      const have = typeOf.get(`${def.name}.${col.name}`);
      if (have === undefined || have === sqlType(col.type)) continue;
      await conn.run(`ALTER TABLE ${quoteIdent(def.name)} ALTER COLUMN ${quoteIdent(col.name)} TYPE ${sqlType(col.type)}`);
    }
  }
}

/**
 * Version 3 (issue 24): analytics rows gain `ordinal` (rows with identical groups are distinct facts),
 * Claude Code model rows gain customer_type, the window ledger data_refreshed_at. Users in the
 * analytics tables are keyed by user_id instead of their (changeable) email: the user_id an older
 * version kept in `extra` becomes the actor_id. Existing rows are then numbered within their bucket
 * and group, so identical rows an older version stored are told apart as the new ones are.
 */
async function toVersion3(conn: DuckDBConnection): Promise<void> {
  await addMissingColumns(conn);
  const present = await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'`);
  const have = new Set(present.getRows().map(([t]) => String(t)));
  for (const def of Object.values(TABLES)) {
    if (!have.has(def.name) || !def.naturalKey.includes('ordinal')) continue;
    const t = quoteIdent(def.name);
    if (def.columns.some((c) => c.name === 'actor_id')) {
      await conn.run(
        `UPDATE ${t} SET actor_id = json_extract_string(extra, '$.group.actor.user_id')
          WHERE actor_type = 'user_actor' AND json_extract_string(extra, '$.group.actor.user_id') IS NOT NULL`,
      );
    }
    const group = def.naturalKey.filter((k) => k !== 'ordinal').map(quoteIdent).join(', ');
    await conn.run(
      `UPDATE ${t} SET ordinal = n.o FROM (SELECT rowid AS r, row_number() OVER (PARTITION BY ${group} ORDER BY rowid) - 1 AS o FROM ${t}) AS n
        WHERE ${t}.rowid = n.r`,
    );
  }
}

export const migrations: Record<number, Migration> = {
  1: addMissingColumns,
  2: toVersion2,
  3: toVersion3,
  // Version 4 (issues 26 and 25): claude_fixed_costs gains period_start/period_end (prorated partial
  // months) and claude_cost_by_actor api_key_id (NULL on older rows until their days are backfilled again).
  4: addMissingColumns,
};

export type SchemaState =
  | { kind: 'empty' }
  | { kind: 'foreign'; tables: string[] }
  | { kind: 'versioned'; version: number; tables: string[] };

export async function readSchemaState(conn: DuckDBConnection, location: string): Promise<SchemaState> {
  const reader = await conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary
     UNION ALL
     SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT temporary AND NOT internal`,
  );
  const tables = reader.getRows().map(([name]) => String(name));
  if (tables.length === 0) return { kind: 'empty' };
  if (!tables.includes(META)) return { kind: 'foreign', tables };
  const meta = await conn.runAndReadAll(`SELECT value FROM ${quoteIdent(META)} WHERE key = $1`, [VERSION_KEY]);
  const value = meta.getRows()[0]?.[0];
  // The meta table is ours; a missing key can only predate versioning.
  if (value === undefined || value === null) return { kind: 'versioned', version: 0, tables };
  const version = Number(value);
  if (!Number.isInteger(version) || version < 0) {
    throw new WarehouseSchemaError(`${location}: claude_ingest_meta has an unreadable schema_version "${String(value)}"`);
  }
  return { kind: 'versioned', version, tables };
}

function refuse(state: SchemaState, location: string): void {
  if (state.kind === 'foreign') {
    const shown = state.tables.slice(0, 5).join(', ') + (state.tables.length > 5 ? ', …' : '');
    throw new WarehouseSchemaError(
      `${location} is not a claude-ingest warehouse (it has other tables: ${shown}): use a new file for --warehouse`,
    );
  }
  if (state.kind === 'versioned' && state.version > SCHEMA_VERSION) {
    throw new WarehouseSchemaError(
      `this warehouse was written by a newer claude-ingest (schema ${state.version} > ${SCHEMA_VERSION}): upgrade claude-ingest`,
    );
  }
}

async function writeMeta(conn: DuckDBConnection, key: string, value: string): Promise<void> {
  await conn.run(`DELETE FROM ${quoteIdent(META)} WHERE key = $1`, [key]);
  await conn.run(`INSERT INTO ${quoteIdent(META)} (key, value) VALUES ($1, $2)`, [key, value]);
}

/**
 * Creates the views unless the file already has this build's: claude_ingest_meta keeps a hash of the
 * SQL init created them from and of the columns DuckDB gave them, so a new build's views, a view
 * dropped or replaced by hand with other columns, and a file from before this key all get them
 * created again. (The SQL text DuckDB stores for a view is rendered differently once the file is
 * reopened, so it cannot be the witness.) Replacing them on every writer's open made every daily
 * run's closing checkpoint write the catalog again (docs/performance.md, Round 12c).
 */
async function ensureViews(conn: DuckDBConnection): Promise<void> {
  const source = sha256(JSON.stringify(VIEWS.map((v) => [v.name, v.sql(duckDbDialect)])));
  const kept = (await conn.runAndReadAll(`SELECT value FROM ${quoteIdent(META)} WHERE key = $1`, [VIEWS_KEY])).getRows()[0]?.[0];
  if (kept === `${source}:${await viewColumnsHash(conn)}`) return;
  for (const v of VIEWS) await conn.run(`CREATE OR REPLACE VIEW ${quoteIdent(v.name)} AS ${v.sql(duckDbDialect)}`);
  await writeMeta(conn, VIEWS_KEY, `${source}:${await viewColumnsHash(conn)}`);
}

/** A hash of our views' columns and types as DuckDB has them (a missing view has none). */
async function viewColumnsHash(conn: DuckDBConnection): Promise<string> {
  const names = VIEWS.map((v) => v.name);
  const rows = (
    await conn.runAndReadAll(
      `SELECT v.view_name, c.column_name, c.data_type FROM duckdb_views() v JOIN duckdb_columns() c ON c.table_oid = v.view_oid
        WHERE v.database_name = current_database() AND v.schema_name = 'main' AND NOT v.temporary AND NOT v.internal
        ORDER BY v.view_name, c.column_index`,
    )
  ).getRows();
  return sha256(JSON.stringify(rows.filter(([name]) => names.includes(String(name))).map((r) => r.map(String))));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Creates or migrates the schema in one transaction. The caller holds the write mutex. True when a migration ran (rows may have changed). */
export async function initSchema(conn: DuckDBConnection, location: string): Promise<boolean> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const state = await readSchemaState(conn, location);
    refuse(state, location);
    const from = state.kind === 'versioned' ? state.version : null;
    if (from !== null) {
      for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
        const migrate = migrations[v];
        if (!migrate) throw new WarehouseSchemaError(`no migration to schema ${v}: this claude-ingest cannot upgrade ${location}`);
        await migrate(conn);
      }
    }
    for (const sql of allCreateTableSql()) await conn.run(sql);
    await ensureViews(conn);
    if (from !== SCHEMA_VERSION) await writeMeta(conn, VERSION_KEY, String(SCHEMA_VERSION));
    await conn.run('COMMIT');
    return from !== SCHEMA_VERSION;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Read-only opens cannot create or migrate: they only check that the schema is usable as is. Returns the reader-optional tables the file lacks. */
export async function checkSchema(conn: DuckDBConnection, location: string): Promise<Set<string>> {
  const state = await readSchemaState(conn, location);
  refuse(state, location);
  if (state.kind === 'empty') {
    throw new WarehouseSchemaError(`${location} has no claude-ingest tables yet: run an ingest into it first`);
  }
  if (state.kind === 'versioned' && state.version < SCHEMA_VERSION) {
    throw new WarehouseSchemaError(
      `${location} has schema ${state.version}, older than ${SCHEMA_VERSION}: run an ingest command (e.g. claude-ingest run) once to migrate it`,
    );
  }
  // A table added within a schema version (a derived table such as claude_cost_allocation) is created
  // by the next write-open; a reader before it would fail on its first query with a catalog error.
  const absent = state.kind === 'versioned' ? Object.values(TABLES).map((t) => t.name).filter((n) => !state.tables.includes(n)) : [];
  // Reader-optional tables (READER_OPTIONAL_TABLES) are read from what they are derived from meanwhile.
  const missing = absent.filter((n) => !READER_OPTIONAL_TABLES.has(n));
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? `, and ${missing.length - 3} more` : '');
    throw new WarehouseSchemaError(`${location} lacks tables this claude-ingest reads (${shown}): run an ingest command (e.g. claude-ingest run) or claude-ingest allocate once to add them`);
  }
  return new Set(absent);
}
