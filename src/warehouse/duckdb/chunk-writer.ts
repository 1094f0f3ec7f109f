/**
 * Rows into an Appender as whole data chunks, built column by column in DuckDB's own vector layout.
 *
 * Why not DuckDBDataChunk.setRows (or DuckDBDataChunkWriter): they hold every row as a JS array until
 * the flush, and then hand each string to DuckDB with one N-API call. Those string calls were the
 * largest single cost of the write path (docs/performance.md, Round 7). Here each value goes into a
 * per-column buffer as its row arrives, and a flush copies each buffer into its vector in one call:
 *  - fixed-width values (dates, timestamps, integers, decimals, booleans) through a DataView;
 *  - a string of at most 12 UTF-8 bytes inline, as DuckDB's string_t stores it, with no call at all;
 *  - a longer string once per chunk through DuckDB: its repeats in the chunk (organization, model,
 *    workspace, key, run id) copy the 16-byte string_t DuckDB wrote, which points into the same
 *    chunk's string heap.
 *
 * One chunk per table is reset after every flush rather than created anew: with DuckDB's allocator
 * handing freed memory back at once (allocator.ts) every new chunk's pages came back from the kernel,
 * zeroed. The Appender copies a chunk (strings included) when it is appended, so the chunk and its
 * string heap are free to be overwritten as soon as appendDataChunk returns.
 *
 * The tables use only the types below (ddl.ts). A column of another type, which only a column the
 * definitions no longer have can be, takes NULLs and refuses any other value.
 */
import type { DuckDBAppender, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type * as Bindings from '@duckdb/node-bindings';
import {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  duckdbBindings as duckdb,
} from './driver.js';

/** DuckDB's STANDARD_VECTOR_SIZE: the most rows a data chunk holds. */
export const CHUNK_ROWS = 2048;

/** DuckDB's string_t: 4 bytes of length, then 12 bytes inline, or a 4-byte prefix and a pointer. */
const STRING_T = 16;
const INLINE_BYTES = 12;

const ALL_VALID = 0xff;

type Layout = 'bool' | 'int32' | 'int64' | 'int128' | 'date' | 'timestamp' | 'string' | 'double' | 'other';

function layoutOf(type: DuckDBType): { layout: Layout; width: number } {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { layout: 'bool', width: 1 };
    case DuckDBTypeId.INTEGER:
      return { layout: 'int32', width: 4 };
    case DuckDBTypeId.BIGINT:
      return { layout: 'int64', width: 8 };
    case DuckDBTypeId.DOUBLE:
      return { layout: 'double', width: 8 };
    case DuckDBTypeId.DATE:
      return { layout: 'date', width: 4 };
    case DuckDBTypeId.TIMESTAMP:
      return { layout: 'timestamp', width: 8 };
    case DuckDBTypeId.VARCHAR:
      return { layout: 'string', width: STRING_T };
    case DuckDBTypeId.DECIMAL: {
      // DuckDB stores a decimal as the smallest integer that holds its width.
      const width = (type as DuckDBDecimalType).width;
      if (width > 18) return { layout: 'int128', width: 16 };
      if (width > 9) return { layout: 'int64', width: 8 };
      if (width > 4) return { layout: 'int32', width: 4 };
      return { layout: 'other', width: 0 };
    }
    default:
      return { layout: 'other', width: 0 };
  }
}

interface Column {
  readonly index: number;
  readonly type: DuckDBType;
  readonly layout: Layout;
  readonly width: number;
  /** A decimal column's scale and the bound its scaled values stay strictly within (10^width). */
  readonly decimal: { scale: number; limit: bigint } | null;
  /**
   * The column's values in DuckDB's layout, copied into the vector at the flush: the bindings give
   * vector memory to JavaScript as a copy, not a view.
   */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly view: DataView;
  /** DuckDB's validity mask (a bit per row, 1 = valid); copied only when the chunk holds a NULL. */
  readonly validity: Uint8Array<ArrayBuffer>;
  hasNull: boolean;
  /** Long strings of this chunk: value → the row they are handed to DuckDB at (their first). */
  readonly firsts: Map<string, number>;
  /** Rows holding a repeat of a long string, and the row of its first occurrence, interleaved. */
  readonly repeats: number[];
}

export class ChunkWriter {
  private readonly chunk: DuckDBDataChunk;
  private readonly columns: Column[];
  private rows = 0;

  constructor(private readonly appender: DuckDBAppender) {
    const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    this.chunk = DuckDBDataChunk.create(types);
    this.columns = types.map((type, index) => {
      const { layout, width } = layoutOf(type);
      const bytes = new Uint8Array(CHUNK_ROWS * width);
      return {
        index,
        type,
        layout,
        width,
        decimal: type instanceof DuckDBDecimalType ? { scale: type.scale, limit: 10n ** BigInt(type.width) } : null,
        bytes,
        view: new DataView(bytes.buffer),
        validity: new Uint8Array(CHUNK_ROWS / 8).fill(ALL_VALID),
        hasNull: false,
        firsts: new Map(),
        repeats: [],
      };
    });
  }

  /** Writes one row's values (in the appender's column order) into the chunk; flushes when it is full. */
  appendRow(values: readonly (DuckDBValue | null)[]): void {
    const row = this.rows;
    const columns = this.columns;
    try {
      for (let i = 0; i < columns.length; i++) this.write(columns[i]!, row, values[i] ?? null);
    } catch (err) {
      // The row is not counted, so the next row overwrites its slot; its long strings must not be handed over.
      for (const c of columns) forgetRow(c, row);
      throw err;
    }
    this.rows = row + 1;
    if (this.rows === CHUNK_ROWS) this.flush();
  }

  /** Appends the rows written so far; the chunk is emptied even if DuckDB refuses them. */
  flush(): void {
    const rows = this.rows;
    if (rows === 0) return;
    try {
      this.chunk.rowCount = rows;
      const raw = this.chunk.chunk;
      for (const c of this.columns) copyColumn(c, duckdb.data_chunk_get_vector(raw, c.index), rows);
      this.appender.appendDataChunk(this.chunk);
    } finally {
      this.rows = 0;
      for (const c of this.columns) {
        if (c.hasNull) c.validity.fill(ALL_VALID);
        c.hasNull = false;
        c.firsts.clear();
        c.repeats.length = 0;
      }
      // Also drops the string heap this chunk filled, which would otherwise grow with every flush.
      this.chunk.reset();
    }
  }

  private write(c: Column, row: number, v: DuckDBValue | null): void {
    if (v === null) {
      c.validity[row >> 3]! &= ~(1 << (row & 7));
      c.hasNull = true;
      return;
    }
    // A slot last used by a NULL (or by a row that failed half-way) must be marked valid again.
    if (c.hasNull) c.validity[row >> 3]! |= 1 << (row & 7);
    const off = row * c.width;
    switch (c.layout) {
      case 'string':
        return writeString(c, row, typeof v === 'string' ? v : mismatch(c, v));
      case 'int64':
        return c.view.setBigInt64(off, integer(c, v), true);
      case 'int128': {
        const n = integer(c, v);
        c.view.setBigUint64(off, BigInt.asUintN(64, n), true);
        return c.view.setBigInt64(off + 8, n >> 64n, true);
      }
      case 'int32': {
        const n = integer(c, v);
        if (n > 2147483647n || n < -2147483648n) mismatch(c, v);
        return c.view.setInt32(off, Number(n), true);
      }
      case 'date':
        return c.view.setInt32(off, v instanceof DuckDBDateValue ? v.days : mismatch(c, v), true);
      case 'timestamp':
        return c.view.setBigInt64(off, v instanceof DuckDBTimestampValue ? v.micros : mismatch(c, v), true);
      case 'double':
        return c.view.setFloat64(off, typeof v === 'number' ? v : mismatch(c, v), true);
      case 'bool':
        c.bytes[off] = typeof v === 'boolean' ? (v ? 1 : 0) : mismatch(c, v);
        return;
      case 'other':
        return mismatch(c, v);
    }
  }
}

/**
 * The column's values and NULLs into its vector. A long string goes to DuckDB once, at its first
 * row; its repeats then copy the string_t DuckDB wrote there, which points into this chunk's heap.
 */
function copyColumn(c: Column, vector: Bindings.Vector, rows: number): void {
  const size = rows * c.width;
  if (size > 0) duckdb.copy_data_to_vector(vector, 0, c.bytes.buffer, 0, size);
  if (c.hasNull) {
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, c.validity.buffer, 0, Math.ceil(rows / 64) * 8);
  }
  if (c.firsts.size === 0) return;
  for (const [s, row] of c.firsts) duckdb.vector_assign_string_element(vector, row, s);
  if (c.repeats.length === 0) return;
  // What DuckDB wrote at the first rows, with the repeats' slots pointing where their first points.
  const written = duckdb.vector_get_data(vector, size);
  const r = c.repeats;
  for (let i = 0; i < r.length; i += 2) {
    const from = r[i + 1]! * STRING_T;
    written.copyWithin(r[i]! * STRING_T, from, from + STRING_T);
  }
  duckdb.copy_data_to_vector(vector, 0, written.buffer as ArrayBuffer, written.byteOffset, size);
}

function forgetRow(c: Column, row: number): void {
  if (c.repeats.at(-2) === row) c.repeats.length -= 2;
  for (const [s, first] of c.firsts) if (first === row) c.firsts.delete(s);
}

function writeString(c: Column, row: number, s: string): void {
  const off = row * STRING_T;
  if (s.length <= INLINE_BYTES && writeInline(c.bytes, c.view, off, s)) return;
  const first = c.firsts.get(s);
  if (first === undefined) c.firsts.set(s, row);
  else c.repeats.push(row, first);
}

const encoder = new TextEncoder();

/** Writes s as an inlined string_t if its UTF-8 form fits in 12 bytes; the unused bytes must be zero. */
function writeInline(bytes: Uint8Array, view: DataView, off: number, s: string): boolean {
  const data = off + 4;
  let n = 0;
  for (; n < s.length; n++) {
    const code = s.charCodeAt(n);
    if (code >= 0x80) break;
    bytes[data + n] = code;
  }
  if (n < s.length) {
    const { read, written } = encoder.encodeInto(s, bytes.subarray(data, data + INLINE_BYTES));
    // Too long once encoded: the caller stores it on the chunk's string heap instead.
    if (read < s.length) return false;
    n = written;
  }
  bytes.fill(0, data + n, data + INLINE_BYTES);
  view.setUint32(off, n, true);
  return true;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * The integer a column stores, checked against the column's range (a DataView would silently wrap):
 * a decimal's scaled value, which must carry the column's own scale and fit its digits.
 */
function integer(c: Column, v: DuckDBValue): bigint {
  const decimal = c.decimal;
  if (decimal) {
    if (!(v instanceof DuckDBDecimalValue) || v.scale !== decimal.scale) return mismatch(c, v);
    return v.value < decimal.limit && v.value > -decimal.limit ? v.value : mismatch(c, v);
  }
  const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : mismatch(c, v);
  return n <= INT64_MAX && n >= INT64_MIN ? n : mismatch(c, v);
}

function mismatch(c: Column, v: DuckDBValue): never {
  throw new TypeError(`column ${c.index + 1} (${c.type.toString()}) cannot take ${typeof v === 'object' ? v?.constructor.name : typeof v} ${String(v)}`);
}
