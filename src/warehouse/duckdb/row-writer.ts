/**
 * Turns logical rows into DuckDB values, column by column, for the Appender (bulk staging) and for
 * bound INSERT parameters (ledger rows). Conversion functions are built once per table.
 */
import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';
import type { ColumnDef, Row, TableDef } from '../tables.js';
import { WarehouseError } from '../warehouse.js';
import { DECIMAL_SCALES } from './ddl.js';
import { bigintValue, dateValue, decimalValue, timestampValue, ValueError } from './values.js';

type Value = Row[string];
export type Convert = (v: Exclude<Value, null>) => DuckDBValue;

/**
 * Rows of a window arrive grouped by day and bucket, and ingested_at is constant per run, so
 * remembering the last parse skips most date/timestamp parsing. DuckDB values are immutable.
 */
function memoLast(convert: Convert): Convert {
  let lastIn: Value | undefined;
  let lastOut: DuckDBValue = null;
  return (v) => {
    if (v !== lastIn) {
      lastOut = convert(v);
      lastIn = v;
    }
    return lastOut;
  };
}

/** The exact, validating conversion of one column's non-null values (shared with the chunk stager). */
export function converter(col: ColumnDef): Convert {
  switch (col.type) {
    case 'cents':
    case 'usd': {
      const scale = DECIMAL_SCALES[col.type]!;
      return (v) => {
        if (typeof v === 'boolean') throw new ValueError(`${v} is not a decimal number`);
        return decimalValue(v, scale);
      };
    }
    case 'date':
      return memoLast((v) => {
        if (typeof v !== 'string') throw new ValueError(`${String(v)} is not a 'YYYY-MM-DD' string`);
        return dateValue(v);
      });
    case 'timestamp':
      return memoLast((v) => {
        if (typeof v !== 'string') throw new ValueError(`${String(v)} is not an ISO timestamp string`);
        return timestampValue(v);
      });
    case 'int':
      return (v) => {
        if (typeof v === 'boolean') throw new ValueError(`${v} is not a whole number`);
        return bigintValue(v);
      };
    case 'bool':
      return (v) => {
        if (typeof v !== 'boolean') throw new ValueError(`${String(v)} is not true or false`);
        return v;
      };
    case 'string':
    case 'json':
      return (v) => (typeof v === 'string' ? v : String(v));
  }
}

export type AppendFn = (appender: DuckDBAppender, value: DuckDBValue) => void;

export function appendFn(col: ColumnDef): AppendFn {
  switch (col.type) {
    case 'cents':
    case 'usd':
      return (a, v) => a.appendDecimal(v as never);
    case 'date':
      return (a, v) => a.appendDate(v as never);
    case 'timestamp':
      return (a, v) => a.appendTimestamp(v as never);
    case 'int':
      return (a, v) => a.appendBigInt(v as bigint);
    case 'bool':
      return (a, v) => a.appendBoolean(v as boolean);
    case 'string':
    case 'json':
      return (a, v) => a.appendVarchar(v as string);
  }
}

interface Column {
  def: ColumnDef;
  convert: Convert;
  append: AppendFn;
}

export class RowConverter {
  private readonly columns: Column[];
  private readonly known: Set<string>;

  constructor(readonly table: TableDef) {
    this.columns = table.columns.map((def) => ({ def, convert: converter(def), append: appendFn(def) }));
    this.known = new Set(table.columns.map((c) => c.name));
  }

  /** Values in table column order; absent columns are NULL. */
  values(row: Row): (DuckDBValue | null)[] {
    const out: (DuckDBValue | null)[] = [];
    let seen = 0;
    for (const col of this.columns) {
      const v = row[col.def.name];
      if (v !== undefined) seen++;
      out.push(this.convert(col, v));
    }
    if (seen !== Object.keys(row).length) this.rejectUnknown(row);
    return out;
  }

  /** Converts the whole row before appending, so a bad value never leaves a half-written row behind. */
  appendRow(appender: DuckDBAppender, row: Row): void {
    const values = this.values(row);
    for (let i = 0; i < values.length; i++) {
      const value = values[i] ?? null;
      if (value === null) appender.appendNull();
      else this.columns[i]!.append(appender, value);
    }
    appender.endRow();
  }

  private convert(col: Column, v: Value | undefined): DuckDBValue | null {
    if (v === null || v === undefined) {
      if (col.def.nullable === false) throw this.error(col.def, v, new ValueError('the column is NOT NULL'));
      return null;
    }
    try {
      return col.convert(v);
    } catch (err) {
      throw this.error(col.def, v, err);
    }
  }

  private rejectUnknown(row: Row): never {
    throw unknownColumns(this.table, this.known, row);
  }

  private error(col: ColumnDef, v: Value | undefined, err: unknown): WarehouseError {
    return cannotStore(this.table, col, v, err);
  }
}

/** The one wording for a row naming a column its table lacks (both staging paths use it). */
export function unknownColumns(table: TableDef, known: ReadonlySet<string>, row: Row): WarehouseError {
  const unknown = Object.keys(row).filter((k) => !known.has(k));
  return new WarehouseError(`${table.name}: unknown column(s) ${unknown.join(', ')} in a row; the table has no such column`);
}

/** The one wording for a value that cannot be stored: table, column, the value as sent, and why. */
export function cannotStore(table: TableDef, col: ColumnDef, v: Value | undefined, err: unknown): WarehouseError {
  const reason = err instanceof Error ? err.message : String(err);
  const shown = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return new WarehouseError(`${table.name}.${col.name}: cannot store ${shown} (${col.type}): ${reason}`);
}
