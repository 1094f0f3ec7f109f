/** Ledger rows (ingest_runs, ingest_windows): record ↔ row mapping and the upsert statements. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES, type Row, type TableDef } from '../tables.js';
import type { QueryRow, RunRecord, WindowRecord } from '../warehouse.js';
import { RowConverter } from './row-writer.js';
import { quoteIdent } from './sql.js';

const windowsDef = TABLES.ingest_windows;
const runsDef = TABLES.ingest_runs;
const windowsConverter = new RowConverter(windowsDef);
const runsConverter = new RowConverter(runsDef);

export function windowRow(r: WindowRecord): Row {
  return {
    run_id: r.runId,
    stream: r.stream,
    window_start: r.windowStart,
    window_end: r.windowEnd,
    status: r.status,
    complete: r.complete,
    rows: r.rows,
    requests: r.requests,
    retries: r.retries,
    rate_limited: r.rateLimited,
    cents_total: r.centsTotal,
    error: r.error,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

export function runRow(r: RunRecord): Row {
  return {
    run_id: r.runId,
    command: r.command,
    args: JSON.stringify(r.args ?? {}),
    tool_version: r.toolVersion,
    status: r.status,
    windows_ok: r.windowsOk,
    windows_failed: r.windowsFailed,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

const str = (v: QueryRow[string] | undefined): string => String(v);
const strOrNull = (v: QueryRow[string] | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: QueryRow[string] | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export function windowRecord(row: QueryRow): WindowRecord {
  return {
    runId: str(row.run_id),
    stream: str(row.stream),
    windowStart: str(row.window_start),
    windowEnd: str(row.window_end),
    status: str(row.status) as WindowRecord['status'],
    complete: row.complete === true,
    rows: num(row.rows),
    requests: num(row.requests),
    retries: num(row.retries),
    rateLimited: num(row.rate_limited),
    centsTotal: strOrNull(row.cents_total),
    error: strOrNull(row.error),
    startedAt: str(row.started_at),
    finishedAt: strOrNull(row.finished_at),
  };
}

export function runRecord(row: QueryRow): RunRecord {
  return {
    runId: str(row.run_id),
    command: str(row.command),
    args: row.args === null || row.args === undefined ? {} : (JSON.parse(String(row.args)) as Record<string, unknown>),
    toolVersion: str(row.tool_version),
    status: str(row.status) as RunRecord['status'],
    windowsOk: num(row.windows_ok),
    windowsFailed: num(row.windows_failed),
    startedAt: str(row.started_at),
    finishedAt: strOrNull(row.finished_at),
  };
}

async function upsert(conn: DuckDBConnection, def: TableDef, converter: RowConverter, row: Row): Promise<void> {
  const key = def.naturalKey;
  const where = key.map((k, i) => `${quoteIdent(k)} = $${i + 1}`).join(' AND ');
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

export function listWindowsSql(filter: { stream?: string; status?: string }): { sql: string; params: string[] } {
  const params: string[] = [];
  let inner = `SELECT *, row_number() OVER (PARTITION BY stream, window_start, window_end ORDER BY started_at DESC, run_id DESC) AS rn FROM ${quoteIdent(windowsDef.name)}`;
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
