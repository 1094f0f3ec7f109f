/**
 * Turns logical rows into DuckDB values, column by column, for the window's chunk writer and for
 * bound INSERT parameters (ledger rows). Conversion functions are built once per table.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ColumnDef, Row, TableDef } from '../tables.js';
import { WarehouseError } from '../warehouse.js';
import { isStamped, type WindowStamp } from '../window-writer.js';
import { DECIMAL_SCALES } from './ddl.js';
import { bigintValue, dateValue, decimalValue, timestampValue, ValueError } from './values.js';

type Value = Row[string];
export type Convert = (v: Exclude<Value, null>) => DuckDBValue;

/**
 * Rows of a window arrive grouped by day and bucket (every row of a bucket has the same activity_date
 * and bucket_start), so remembering the last parse skips most date/timestamp parsing: measured, the
 * conversion of a usage row is ~4x slower without it. (The per-window columns are not why: the window
 * writer's stamp is converted once per window, stampInto.) DuckDB values are immutable.
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

/** The exact, validating conversion of one column's non-null values. */
function converter(col: ColumnDef): Convert {
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

interface Column {
  def: ColumnDef;
  convert: Convert;
  /** Filled once per window by stampInto, never from the row. */
  stamped: boolean;
}

export class RowConverter {
  private readonly columns: Column[];
  private readonly known: Set<string>;

  /**
   * `stamp`: the table is a window's, whose stamped columns (organization, run, ingested_at) come from
   * the window writer through stampInto, not from rows; a ledger table's converter takes every column from its rows.
   */
  constructor(
    readonly table: TableDef,
    options: { stamp?: boolean } = {},
  ) {
    this.columns = table.columns.map((def) => ({ def, convert: converter(def), stamped: options.stamp === true && isStamped(def.name) }));
    this.known = new Set(this.columns.filter((c) => !c.stamped).map((c) => c.def.name));
  }

  /** The window's stamped values, converted once, into the array every row of the window is converted into. */
  stampInto(stamp: WindowStamp, out: (DuckDBValue | null)[]): void {
    for (let i = 0; i < this.columns.length; i++) {
      const col = this.columns[i]!;
      if (col.stamped) out[i] = this.convert(col, stamp[col.def.name as keyof WindowStamp]);
    }
  }

  /** Values in table column order; absent columns are NULL. */
  values(row: Row): (DuckDBValue | null)[] {
    return this.valuesInto(row, new Array<DuckDBValue | null>(this.columns.length));
  }

  /** values() into a caller's array, for callers that copy it anyway (the chunk writer does); stamped slots are left as stampInto set them. */
  valuesInto(row: Row, out: (DuckDBValue | null)[]): (DuckDBValue | null)[] {
    let seen = 0;
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) {
      const col = columns[i]!;
      if (col.stamped) continue;
      const v = row[col.def.name];
      if (v !== undefined) seen++;
      out[i] = this.convert(col, v);
    }
    if (seen !== Object.keys(row).length) this.rejectUnknown(row);
    return out;
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

/** A row naming a column its table lacks. */
function unknownColumns(table: TableDef, known: ReadonlySet<string>, row: Row): WarehouseError {
  const unknown = Object.keys(row).filter((k) => !known.has(k));
  const stamped = unknown.filter(isStamped);
  if (stamped.length > 0) return new WarehouseError(`${table.name}: a row carries ${stamped.join(', ')}, which the window writer stamps from the window; leave it out of the row`);
  return new WarehouseError(`${table.name}: unknown column(s) ${unknown.join(', ')} in a row; the table has no such column`);
}

/** A value that cannot be stored: table, column, the value as sent, and why. */
function cannotStore(table: TableDef, col: ColumnDef, v: Value | undefined, err: unknown): WarehouseError {
  const reason = err instanceof Error ? err.message : String(err);
  const shown = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return new WarehouseError(`${table.name}.${col.name}: cannot store ${shown} (${col.type}): ${reason}`);
}
