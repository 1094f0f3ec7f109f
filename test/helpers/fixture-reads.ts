/** Raw DuckDB reads and validate JSON for the fixture and drift pipeline tests (test/pipeline/fixtures*, drift*). */
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';

const INTEGER_TYPES = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.INTEGER, DuckDBTypeId.HUGEINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.UBIGINT]);

/**
 * Rows of a query, read with DuckDB itself (not through claude-ingest's warehouse code): DECIMALs as
 * DuckDB prints them (every digit of the scale), dates and timestamps as text, integers as numbers,
 * JSON columns as their text.
 */
export async function sql(file: string, query: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(query);
    const names = reader.columnNames();
    const ints = reader.columnTypes().map((t) => INTEGER_TYPES.has(t.typeId));
    return reader.getRowsJson().map((row) => {
      const out: Record<string, unknown> = {};
      row.forEach((v, i) => (out[names[i]!] = ints[i] && typeof v === 'string' ? Number(v) : v));
      return out;
    });
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** A JSON text column parsed (null stays null), so key order does not matter where it should not. */
export function parsed(rows: Array<Record<string, unknown>>, ...columns: string[]): Array<Record<string, unknown>> {
  return rows.map((r) => {
    const out = { ...r };
    for (const c of columns) out[c] = r[c] === null ? null : JSON.parse(String(r[c]));
    return out;
  });
}

export interface CheckResult {
  id: string;
  status: 'PASS' | 'WARN' | 'FAIL';
  figure: string;
  detail: string;
  action?: string;
}

/** `validate --json`'s results by check id. */
export function checks(res: CliResult): Map<string, CheckResult> {
  expect(res.stdout, res.stderr).toMatch(/^\{/);
  const report = JSON.parse(res.stdout) as { results: CheckResult[] };
  return new Map(report.results.map((r) => [r.id, r]));
}
