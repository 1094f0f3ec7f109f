/** Parameter binding and result conversion for query(): plain JS values in, plain JS values out. */
import type {
  DuckDBDateValue,
  DuckDBDateVector,
  DuckDBDecimal128Vector,
  DuckDBDecimal16Vector,
  DuckDBDecimal32Vector,
  DuckDBDecimal64Vector,
  DuckDBDecimalType,
  DuckDBType,
  DuckDBVector,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBPreparedStatement,
  DuckDBResult,
  DuckDBValue,
} from '@duckdb/node-api';
import { DuckDBTypeId } from './driver.js';
import type { QueryRow } from '../warehouse.js';
import { WarehouseError } from '../warehouse.js';
import { formatScaled, isoFromDays, isoFromMicros } from './values.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function bindParams(prepared: DuckDBPreparedStatement, params: readonly unknown[]): void {
  if (params.length !== prepared.parameterCount) {
    throw new WarehouseError(`query has ${prepared.parameterCount} ? placeholder(s) but ${params.length} parameter(s) were given`);
  }
  params.forEach((p, i) => {
    const index = i + 1;
    if (p === null || p === undefined) prepared.bindNull(index);
    else if (typeof p === 'string') prepared.bindVarchar(index, p);
    else if (typeof p === 'boolean') prepared.bindBoolean(index, p);
    else if (typeof p === 'bigint') {
      if (p >= INT64_MIN && p <= INT64_MAX) prepared.bindBigInt(index, p);
      else prepared.bindHugeInt(index, p);
    } else if (typeof p === 'number') {
      if (Number.isSafeInteger(p)) prepared.bindBigInt(index, BigInt(p));
      else prepared.bindDouble(index, p);
    } else {
      throw new WarehouseError(`query parameter ${index} is a ${typeof p}: pass a string, number, bigint, boolean or null`);
    }
  });
}

function integer(v: bigint | number): number | string {
  if (typeof v === 'number') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * DECIMAL comes back in canonical form (no exponent, no trailing fractional zeros: '1.2378912', '0'),
 * the same text util/money.ts produces, so values compare as strings across warehouses.
 */
export function convertValue(typeId: DuckDBTypeId, v: DuckDBValue): string | number | boolean | null {
  if (v === null) return null;
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return v as boolean;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return integer(v as bigint | number);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return v as number;
    case DuckDBTypeId.DECIMAL: {
      const d = v as DuckDBDecimalValue;
      return formatScaled(d.value, d.scale);
    }
    case DuckDBTypeId.DATE: {
      const d = v as DuckDBDateValue;
      return d.isFinite ? isoFromDays(d.days) : d.toString();
    }
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const t = v as DuckDBTimestampValue | DuckDBTimestampTZValue;
      return t.isFinite ? isoFromMicros(t.micros) : t.toString();
    }
    case DuckDBTypeId.TIMESTAMP_S:
      return isoFromMicros((v as DuckDBTimestampSecondsValue).seconds * 1_000_000n);
    case DuckDBTypeId.TIMESTAMP_MS:
      return isoFromMicros((v as DuckDBTimestampMillisecondsValue).millis * 1000n);
    case DuckDBTypeId.TIMESTAMP_NS:
      return isoFromMicros((v as DuckDBTimestampNanosecondsValue).nanos / 1000n);
    case DuckDBTypeId.VARCHAR:
      return v as string;
    default:
      return String(v);
  }
}

type Cell = string | number | boolean | null;
/** One column's cells of one chunk, read into the rows from `start`. */
type ColumnReader = (vector: DuckDBVector, n: number, rows: QueryRow[], start: number, name: string) => void;

/**
 * The reader of a column, chosen once per result. The dashboard's default view converts ~200,000
 * cells at a first start (docs/performance.md, Round 14), most of them DECIMAL sums and DATE days:
 * a DECIMAL is formatted from its scaled integer without a DuckDBDecimalValue per cell, and a DATE's
 * text is made once per distinct day (a result repeats its 365 days), not with a Date per cell.
 * Every other type goes through convertValue, and every reader returns what convertValue returns.
 */
function columnReader(type: DuckDBType): ColumnReader {
  const typeId = type.typeId;
  if (typeId === DuckDBTypeId.DECIMAL) {
    const { width, scale } = type as DuckDBDecimalType;
    if (width > 18) {
      return (vector, n, rows, start, name) => {
        const v = vector as DuckDBDecimal128Vector;
        for (let r = 0; r < n; r++) {
          const scaled = v.getScaledValue(r);
          rows[start + r]![name] = scaled === null ? null : formatScaled(scaled, scale);
        }
      };
    }
    return (vector, n, rows, start, name) => {
      const v = vector as DuckDBDecimal64Vector | DuckDBDecimal32Vector | DuckDBDecimal16Vector;
      for (let r = 0; r < n; r++) {
        const scaled = v.getScaledValue(r);
        rows[start + r]![name] = scaled === null ? null : formatScaled(BigInt(scaled), scale);
      }
    };
  }
  if (typeId === DuckDBTypeId.DATE) {
    const days = new Map<number, string>();
    return (vector, n, rows, start, name) => {
      const v = vector as DuckDBDateVector;
      for (let r = 0; r < n; r++) {
        const d = v.getItem(r);
        let text: string | null = null;
        if (d !== null) {
          text = days.get(d.days) ?? null;
          if (text === null) days.set(d.days, (text = convertValue(typeId, d) as string));
        }
        rows[start + r]![name] = text;
      }
    };
  }
  return (vector, n, rows, start, name) => {
    for (let r = 0; r < n; r++) rows[start + r]![name] = convertValue(typeId, vector.getItem(r)) satisfies Cell;
  };
}

/**
 * Rows from a result, converted once: each chunk is read column by column straight into the row
 * objects (no intermediate array of DuckDB value rows, no whole-result materialisation beside them).
 */
export async function readRows(result: DuckDBResult): Promise<QueryRow[]> {
  const names = result.columnNames();
  const readers = names.map((_, i) => columnReader(result.columnType(i)));
  const rows: QueryRow[] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const start = rows.length;
    const n = chunk.rowCount;
    for (let r = 0; r < n; r++) rows.push({});
    for (let c = 0; c < names.length; c++) readers[c]!(chunk.getColumnVector(c), n, rows, start, names[c]!);
  }
  return rows;
}
