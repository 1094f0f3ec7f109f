/**
 * DuckDB DDL generated from TABLES. Timestamps are TIMESTAMP (naive) holding UTC: unlike TIMESTAMPTZ,
 * casts and date_trunc then never depend on the session TimeZone of whoever opens the file.
 * JSON is VARCHAR so the file opens without the json extension; json functions still accept it.
 */
import { TABLES, type ColumnDef, type ColumnType, type TableDef } from '../tables.js';
import { CENTS_SCALE, USD_SCALE } from '../../util/money.js';
import { DECIMAL_WIDTH } from './values.js';
import { quoteIdent } from './sql.js';

const SQL_TYPES: Record<ColumnType, string> = {
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  string: 'VARCHAR',
  int: 'BIGINT',
  bool: 'BOOLEAN',
  cents: `DECIMAL(${DECIMAL_WIDTH},${CENTS_SCALE})`,
  usd: `DECIMAL(${DECIMAL_WIDTH},${USD_SCALE})`,
  json: 'VARCHAR',
};

/** Fractional digits each decimal column type stores. */
export const DECIMAL_SCALES: Partial<Record<ColumnType, number>> = { cents: CENTS_SCALE, usd: USD_SCALE };

export function sqlType(type: ColumnType): string {
  return SQL_TYPES[type];
}

export function columnSql(col: ColumnDef): string {
  return `${quoteIdent(col.name)} ${sqlType(col.type)}${col.nullable === false ? ' NOT NULL' : ''}`;
}

export function createTableSql(def: TableDef, opts: { name?: string; temp?: boolean; ifNotExists?: boolean } = {}): string {
  const name = quoteIdent(opts.name ?? def.name);
  const head = `CREATE ${opts.temp ? 'TEMP ' : ''}TABLE ${opts.ifNotExists ? 'IF NOT EXISTS ' : ''}${name}`;
  return `${head} (${def.columns.map(columnSql).join(', ')})`;
}

export function allCreateTableSql(): string[] {
  return Object.values(TABLES).map((def) => createTableSql(def, { ifNotExists: true }));
}
