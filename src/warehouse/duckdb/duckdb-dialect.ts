import type { SqlDialect } from '../warehouse.js';
import { quoteIdent } from './sql.js';

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
};
