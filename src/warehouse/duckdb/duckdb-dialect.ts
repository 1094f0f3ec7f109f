import { allDaysPredicate } from '../all-days.js';
import type { SqlDialect } from '../warehouse.js';
import { quoteIdent, stringLiteral } from './sql.js';

function wholeNumber(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`dateAdd: ${n} is not a whole number`);
  return n;
}

/**
 * SUM over DECIMAL(38,s) stays DECIMAL(38,s) in DuckDB and accumulates in a 128-bit integer: it is
 * exact, and past ±1.7e38 scaled units it raises "Overflow in HUGEINT" rather than losing digits.
 */
export const duckDbDialect: SqlDialect = {
  table: (name) => quoteIdent(name),
  ident: (name) => quoteIdent(name),
  dateParam: () => 'CAST(? AS DATE)',
  sumExact: (expr) => `SUM(${expr})`,
  toText: (expr) => `CAST(${expr} AS VARCHAR)`,
  // Columns are TIMESTAMP (no zone, UTC by construction): strftime never consults the session's TimeZone.
  utcHourText: (expr) => `strftime(${expr}, '%H')`,
  allDays: allDaysPredicate,
  // DuckDB's week starts on Monday (ISO), like BigQuery's ISOWEEK.
  dateTrunc: (expr, unit) => `CAST(date_trunc('${unit}', ${expr}) AS DATE)`,
  dateAdd: (expr, n, unit) => `CAST(${expr} + INTERVAL (${wholeNumber(n)}) ${unit === 'day' ? 'DAY' : 'MONTH'} AS DATE)`,
  // Tables hold naive TIMESTAMPs meaning UTC (see ddl.ts), so a plain cast is midnight UTC.
  dateToTimestamp: (expr) => `CAST(${expr} AS TIMESTAMP)`,
  jsonObject: (entries) => `CAST(json_object(${entries.map(([k, e]) => `${stringLiteral(k)}, ${e}`).join(', ')}) AS VARCHAR)`,
  // hash() of several values hashes them together; NULLs hash too.
  rowFingerprint: (columns) => `CAST(bit_xor(hash(${columns.join(', ')})) AS VARCHAR)`,
  rowHash: (columns) => `hash(${columns.join(', ')})`,
  viewSqlQuery: (view) => ({ sql: `SELECT sql FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND view_name = ?`, params: [view] }),
  decimal: (expr) => `CAST(${expr} AS DECIMAL(38,12))`,
  columnsQuery: (table) => ({
    sql: `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index`,
    params: [table],
  }),
};
