/**
 * DuckDB's answer to a query encoded as BigQuery's REST API sends the same result (TIMESTAMP as int64
 * microseconds, BIGNUMERIC as canonical decimal text, INT64/FLOAT64/BOOL as strings), for the parity
 * tests: the BigQuery stand-in then answers with it, so each warehouse decodes its own wire format.
 */
import { DuckDBInstance, DuckDBTypeId, type DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import type { QueryAnswer } from './stand-in.js';

/** A DuckDB value as BigQuery's REST API would send the same value, with its BigQuery type. */
export function wire(typeId: DuckDBTypeId, v: DuckDBValue): { type: string; value: string | null } {
  const value = (text: string | null, type: string) => ({ type, value: v === null ? null : text });
  switch (typeId) {
    case DuckDBTypeId.DECIMAL:
      return value(v === null ? null : new Decimal(String(v)).toFixed(), 'BIGNUMERIC');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return value(v === null ? null : String((v as DuckDBTimestampValue).micros), 'TIMESTAMP');
    case DuckDBTypeId.DATE:
      return value(String(v), 'DATE');
    case DuckDBTypeId.BOOLEAN:
      return value(String(v), 'BOOL');
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return value(String(v), 'FLOAT64');
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
      return value(String(v), 'INT64');
    case DuckDBTypeId.VARCHAR:
      return value(v as string, 'STRING');
    default:
      throw new Error(`the parity test has no BigQuery encoding for DuckDB type ${typeId}`);
  }
}

export async function answerFrom(db: DuckDBInstance, sql: string, params: unknown[]): Promise<QueryAnswer> {
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(sql, params as DuckDBValue[]);
    const names = reader.columnNames();
    const ids = names.map((_, i) => reader.columnTypeId(i));
    const rows = reader.getRows();
    const fields = names.map((name, i) => ({ name, type: wire(ids[i]!, null).type }));
    return { fields, rows: rows.map((r) => r.map((v, i) => wire(ids[i]!, v).value)) };
  } finally {
    conn.closeSync();
  }
}

