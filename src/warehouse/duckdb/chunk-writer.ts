/**
 * Rows into an Appender as whole data chunks, through one chunk per table that is reset between
 * flushes.
 *
 * @duckdb/node-api's DuckDBDataChunkWriter does the same but creates a new chunk for every flush and
 * leaves the old one to the garbage collector. A window flushes after every page, and with DuckDB's
 * allocator handing freed memory back at once (allocator.ts) every new chunk's pages came back from
 * the kernel, zeroed: the write path lost a quarter of its rows/s. Reusing the chunk keeps those
 * pages (docs/performance.md, Round 6). The Appender copies a chunk when it is appended, so the
 * chunk is free to be overwritten as soon as appendDataChunk returns.
 */
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';

/** DuckDB's STANDARD_VECTOR_SIZE: the most rows a data chunk holds. */
export const CHUNK_ROWS = 2048;

export class ChunkWriter {
  private rows: (DuckDBValue | null)[][] = [];
  private chunk: DuckDBDataChunk | undefined;
  private readonly types: DuckDBType[];

  constructor(private readonly appender: DuckDBAppender) {
    this.types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
  }

  /** Buffers a copy of the row (the caller may reuse its array), and flushes every CHUNK_ROWS rows. */
  appendRow(values: readonly (DuckDBValue | null)[]): void {
    this.rows.push(values.slice());
    if (this.rows.length >= CHUNK_ROWS) this.flush();
  }

  /** Appends the buffered rows; the buffer is emptied even if DuckDB refuses them. */
  flush(): void {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    const chunk = (this.chunk ??= DuckDBDataChunk.create(this.types));
    // Also drops the string heap the previous flush filled, which would otherwise grow with every flush.
    chunk.reset();
    chunk.setRows(rows);
    this.appender.appendDataChunk(chunk);
  }
}
