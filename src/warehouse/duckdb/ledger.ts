/** Ledger rows (ingest_runs, ingest_windows): record ↔ row mapping and the upsert statements. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES, type Row, type TableDef } from '../tables.js';
import { runRow, windowRow } from '../ledger-rows.js';
import type { RunRecord, WindowRecord } from '../warehouse.js';
import { RowConverter } from './row-writer.js';
import { quoteIdent } from './sql.js';

const windowsDef = TABLES.ingest_windows;
const runsDef = TABLES.ingest_runs;
const windowsConverter = new RowConverter(windowsDef);
const runsConverter = new RowConverter(runsDef);

async function upsert(conn: DuckDBConnection, def: TableDef, converter: RowConverter, row: Row): Promise<void> {
  const key = def.naturalKey;
  // NOT DISTINCT: a NULL key part (a run that could not read its organization) still matches itself.
  const where = key.map((k, i) => `${quoteIdent(k)} IS NOT DISTINCT FROM $${i + 1}`).join(' AND ');
  const values = converter.values(row);
  const keyValues = key.map((k) => values[def.columns.findIndex((c) => c.name === k)] ?? null);
  await conn.run(`DELETE FROM ${quoteIdent(def.name)} WHERE ${where}`, keyValues);
  const cols = def.columns.map((c) => quoteIdent(c.name)).join(', ');
  const placeholders = def.columns.map((_, i) => `$${i + 1}`).join(', ');
  await conn.run(`INSERT INTO ${quoteIdent(def.name)} (${cols}) VALUES (${placeholders})`, values);
}

/**
 * Delete-then-insert by natural key. The tables have no PRIMARY KEY (fact keys are nullable, and
 * DuckDB's ART indexes have had delete+reinsert pitfalls), so the caller runs this inside a
 * transaction under the write mutex.
 */
export function upsertWindow(conn: DuckDBConnection, record: WindowRecord): Promise<void> {
  return upsert(conn, windowsDef, windowsConverter, windowRow(record));
}

export function upsertRun(conn: DuckDBConnection, record: RunRecord): Promise<void> {
  return upsert(conn, runsDef, runsConverter, runRow(record));
}

const converters = new Map<string, RowConverter>();

/** Any ledger table's row (alert_events); the caller holds the write mutex and a transaction. */
export function upsertLedgerRow(conn: DuckDBConnection, def: TableDef, row: Row): Promise<void> {
  let converter = converters.get(def.name);
  if (!converter) converters.set(def.name, (converter = new RowConverter(def)));
  return upsert(conn, def, converter, row);
}

export function listWindowsSql(filter: { stream?: string; status?: string }): { sql: string; params: string[] } {
  const params: string[] = [];
  let inner = `SELECT *, row_number() OVER (PARTITION BY organization_id, stream, window_start, window_end ORDER BY started_at DESC, run_id DESC) AS rn FROM ${quoteIdent(windowsDef.name)}`;
  if (filter.stream !== undefined) {
    inner += ' WHERE stream = ?';
    params.push(filter.stream);
  }
  // The status filter applies to the latest attempt only: a window that failed once and then
  // succeeded is not "failed".
  let sql = `SELECT * EXCLUDE (rn) FROM (${inner}) WHERE rn = 1`;
  if (filter.status !== undefined) {
    sql += ' AND status = ?';
    params.push(filter.status);
  }
  sql += ' ORDER BY started_at DESC, window_start DESC, stream';
  return { sql, params };
}

export function listRunsSql(): string {
  return `SELECT * FROM ${quoteIdent(runsDef.name)} ORDER BY started_at DESC, run_id DESC LIMIT ?`;
}
