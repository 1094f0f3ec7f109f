/**
 * Value conversion at the BigQuery boundary: rows → newline-delimited JSON for load jobs, values →
 * typed query parameters, and raw REST result cells → QueryRow values. Money stays a decimal string
 * the whole way: the client's Big/number parsing is bypassed (skipParsing) so nothing is rounded.
 */
import { DateInputError, isCalendarDay, timestampMicros } from '../../util/dates.js';
import { CENTS_SCALE, canonicalDecimal, formatScaled, MoneyError, storableDecimal, USD_SCALE } from '../../util/money.js';
import type { ColumnDef, Row, TableDef } from '../tables.js';
import { WarehouseError, type QueryRow } from '../warehouse.js';
import { isStamped, type WindowStamp } from '../window-writer.js';
import { bqType } from './bigquery-sql.js';

export class BigQueryValueError extends WarehouseError {}


/** Canonical decimal text (no exponent, no trailing fractional zeros); util/money.ts decides what is storable. */
export function exactDecimal(value: string | number | bigint, scale: number): string {
  try {
    // BIGNUMERIC holds more integer digits than any cents column needs: only the scale is checked.
    return formatScaled(storableDecimal(value, scale, null), scale);
  } catch (err) {
    throw err instanceof MoneyError ? new BigQueryValueError(err.message) : err;
  }
}

function isoDay(value: string): string {
  if (!isCalendarDay(value)) throw new BigQueryValueError(`"${value}" is not a 'YYYY-MM-DD' day`);
  return value;
}

/**
 * Canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (BigQuery's microsecond resolution), whatever offset
 * the input used, so the load never depends on how BigQuery reads zone suffixes.
 */
export function utcTimestamp(value: string): string {
  let micros: bigint;
  try {
    micros = timestampMicros(value);
  } catch (err) {
    throw err instanceof DateInputError ? new BigQueryValueError(err.message) : err;
  }
  const fraction = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = (micros - fraction) / 1000n;
  return `${new Date(Number(seconds)).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}Z`;
}

function int64(value: string | number | bigint): number | string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BigQueryValueError(`${value} is not a whole number`);
    return value;
  }
  const text = typeof value === 'bigint' ? value.toString() : value.trim();
  if (!/^-?\d+$/.test(text)) throw new BigQueryValueError(`"${text}" is not a whole number`);
  const big = BigInt(text);
  if (big > 2n ** 63n - 1n || big < -(2n ** 63n)) throw new BigQueryValueError(`${text} does not fit a 64-bit integer`);
  // JSON numbers past 2^53 would be read back rounded by most parsers; BigQuery accepts INT64 as a string.
  return Number.isSafeInteger(Number(big)) ? Number(big) : big.toString();
}

export type JsonValue = string | number | boolean | null;

/** The JSON value of one column for a load job or a query parameter. */
export function encodeValue(col: ColumnDef, value: Row[string] | undefined): JsonValue {
  if (value === null || value === undefined) {
    if (col.nullable === false) throw new BigQueryValueError(`${col.name} must not be null`);
    return null;
  }
  switch (col.type) {
    case 'cents':
    case 'usd':
      if (typeof value === 'boolean') throw new BigQueryValueError(`${col.name}: ${value} is not a decimal number`);
      return exactDecimal(value, col.type === 'cents' ? CENTS_SCALE : USD_SCALE);
    case 'date':
      if (typeof value !== 'string') throw new BigQueryValueError(`${col.name}: ${String(value)} is not a 'YYYY-MM-DD' string`);
      return isoDay(value);
    case 'timestamp':
      if (typeof value !== 'string') throw new BigQueryValueError(`${col.name}: ${String(value)} is not an ISO timestamp string`);
      return utcTimestamp(value);
    case 'int':
      if (typeof value === 'boolean') throw new BigQueryValueError(`${col.name}: ${value} is not a whole number`);
      return int64(value);
    case 'bool':
      if (typeof value !== 'boolean') throw new BigQueryValueError(`${col.name}: ${String(value)} is not true or false`);
      return value;
    case 'string':
    case 'json':
      return typeof value === 'string' ? value : String(value);
  }
}

/**
 * Builds the NDJSON line encoder of a table; unknown columns are an error, not silently dropped.
 * With a window's stamp, the stamped columns are encoded once from it and a row may not carry them.
 */
export function ndjsonEncoder(def: TableDef, stamp?: WindowStamp): (row: Row) => string {
  const stamped = new Map<string, JsonValue>();
  if (stamp) {
    for (const col of def.columns) {
      if (!isStamped(col.name)) continue;
      try {
        stamped.set(col.name, encodeValue(col, stamp[col.name]));
      } catch (err) {
        throw new BigQueryValueError(`${def.name}.${(err as Error).message}`);
      }
    }
  }
  const known = new Set(def.columns.map((c) => c.name).filter((name) => !stamped.has(name)));
  return (row) => {
    for (const k of Object.keys(row)) {
      if (stamped.has(k)) throw new BigQueryValueError(`${def.name}: a row carries ${k}, which the window writer stamps from the window; leave it out of the row`);
      if (!known.has(k)) throw new BigQueryValueError(`${def.name} has no column ${k}`);
    }
    const out: Record<string, JsonValue> = {};
    for (const col of def.columns) {
      const fixed = stamped.get(col.name);
      if (fixed !== undefined) {
        out[col.name] = fixed;
        continue;
      }
      try {
        out[col.name] = encodeValue(col, row[col.name]);
      } catch (err) {
        throw new BigQueryValueError(`${def.name}.${(err as Error).message}`);
      }
    }
    return `${JSON.stringify(out)}\n`;
  };
}

// ---------------------------------------------------------------------------------------------
// Query parameters (REST QueryParameter resources, built here so every type is explicit)

export interface QueryParameter {
  name?: string;
  parameterType: { type: string };
  parameterValue: { value?: string };
}

function scalarParam(type: string, value: JsonValue, name?: string): QueryParameter {
  const p: QueryParameter = { parameterType: { type }, parameterValue: value === null ? {} : { value: String(value) } };
  if (name !== undefined) p.name = name;
  return p;
}

/**
 * A `?` parameter of query(). Types follow the JS value; NULL is typed STRING because BigQuery
 * needs a type for every parameter and a NULL STRING casts to anything.
 */
export function positionalParam(value: unknown): QueryParameter {
  if (value === null || value === undefined) return scalarParam('STRING', null);
  if (typeof value === 'string') return scalarParam('STRING', value);
  if (typeof value === 'boolean') return scalarParam('BOOL', value);
  if (typeof value === 'bigint') return scalarParam('INT64', value.toString());
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return scalarParam('INT64', value);
    if (Number.isFinite(value)) return scalarParam('FLOAT64', value);
  }
  if (value instanceof Date) return scalarParam('TIMESTAMP', utcTimestamp(value.toISOString()));
  throw new BigQueryValueError(`cannot pass ${typeof value} ${String(value)} as a query parameter`);
}

/** Named parameters for a row of a table, one per column, typed from the column. */
export function rowParams(def: TableDef, row: Row): QueryParameter[] {
  return def.columns.map((col) => scalarParam(bqType(col.type), encodeValue(col, row[col.name]), col.name));
}

export function namedParam(name: string, type: string, value: JsonValue): QueryParameter {
  return scalarParam(type, value, name);
}

// ---------------------------------------------------------------------------------------------
// Results

export interface RawField {
  name: string;
  type: string;
  mode?: string;
}

export interface RawRow {
  f: { v: unknown }[];
}

/** ISO with millisecond precision and Z, as the DuckDB warehouse returns (sub-millisecond digits dropped). */
function isoFromMicros(raw: string): string {
  const micros = BigInt(raw);
  const floorMs = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  return new Date(Number(floorMs)).toISOString();
}

/**
 * One raw cell → QueryRow value. TIMESTAMP arrives as int64 microseconds (the client asks for
 * formatOptions.useInt64Timestamp); INT64 outside the safe range stays an exact string.
 */
export function decodeCell(field: RawField, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (field.mode === 'REPEATED' || typeof v === 'object') return JSON.stringify(v);
  const text = String(v);
  switch (field.type.toUpperCase()) {
    case 'INTEGER':
    case 'INT64': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'FLOAT':
    case 'FLOAT64':
      return Number(text);
    case 'BOOLEAN':
    case 'BOOL':
      return text === 'true';
    case 'NUMERIC':
    case 'BIGNUMERIC':
    case 'DECIMAL':
    case 'BIGDECIMAL':
      return canonicalDecimal(text);
    case 'TIMESTAMP':
      return /^-?\d+$/.test(text) ? isoFromMicros(text) : new Date(Number(text) * 1000).toISOString();
    default:
      // DATE is already 'YYYY-MM-DD'; STRING, JSON, DATETIME, TIME pass through as text.
      return text;
  }
}

export function decodeRows(fields: RawField[], rows: RawRow[]): QueryRow[] {
  return rows.map((r) => {
    const out: QueryRow = {};
    fields.forEach((f, i) => {
      out[f.name] = decodeCell(f, r.f[i]?.v);
    });
    return out;
  });
}
