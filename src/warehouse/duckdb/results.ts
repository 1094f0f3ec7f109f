/** Parameter binding and result conversion for query(): plain JS values in, plain JS values out. */
import type {
  DuckDBDateValue,
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

/**
 * Rows from a result, converted once: each chunk is read column by column straight into the row
 * objects (no intermediate array of DuckDB value rows, no whole-result materialisation beside them).
 */
export async function readRows(result: DuckDBResult): Promise<QueryRow[]> {
  const names = result.columnNames();
  const typeIds = names.map((_, i) => result.columnTypeId(i));
  const rows: QueryRow[] = [];
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const start = rows.length;
    const n = chunk.rowCount;
    for (let r = 0; r < n; r++) rows.push({});
    for (let c = 0; c < names.length; c++) {
      const vector = chunk.getColumnVector(c);
      const name = names[c]!;
      const typeId = typeIds[c]!;
      for (let r = 0; r < n; r++) rows[start + r]![name] = convertValue(typeId, vector.getItem(r));
    }
  }
  return rows;
}
