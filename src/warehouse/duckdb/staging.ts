/**
 * Per-window staging: TEMP objects per target table on the window's own connection. Temp objects are
 * private to the connection and vanish if the process dies, so a crash mid-fill leaves nothing behind
 * in the file; DuckDB spills them to disk under memory pressure.
 *
 * Rows are staged column-wise in data chunks (chunk-stage.ts); what the warehouse reads is a TEMP VIEW
 * with exactly the target table's columns. The older row-by-row Appender path is kept behind
 * setStagingMode('rows') so the write benchmark can measure both in one run.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { TABLES, type Row, type TableName } from '../tables.js';
import { WarehouseError, type WindowSink } from '../warehouse.js';
import { ChunkLayout, ChunkStager } from './chunk-stage.js';
import { createTableSql } from './ddl.js';
import { RowConverter } from './row-writer.js';
import { quoteIdent } from './sql.js';

export type StagingMode = 'chunks' | 'rows';
let mode: StagingMode = 'chunks';

/** For the write benchmark: 'rows' is the previous per-value Appender path, the baseline. */
export function setStagingMode(next: StagingMode): void {
  mode = next;
}

const converters = new Map<TableName, RowConverter>();
function converterFor(table: TableName): RowConverter {
  let c = converters.get(table);
  if (!c) converters.set(table, (c = new RowConverter(TABLES[table])));
  return c;
}

const layouts = new Map<TableName, ChunkLayout>();
function layoutFor(table: TableName): ChunkLayout {
  let l = layouts.get(table);
  if (!l) layouts.set(table, (l = new ChunkLayout(TABLES[table])));
  return l;
}

interface Staged {
  /** What readers select from: the view (chunks) or the table (rows). */
  readable: string;
  /** Temp objects to drop, views first. */
  views: string[];
  tables: string[];
  sink: { append(rows: readonly Row[]): void; close(): void };
  rows: number;
}

let sequence = 0;

function rowSink(appender: DuckDBAppender, converter: RowConverter): Staged['sink'] {
  return {
    append: (rows) => {
      for (const row of rows) converter.appendRow(appender, row);
    },
    close: () => appender.closeSync(),
  };
}

export class WindowStage implements WindowSink {
  private readonly staged = new Map<TableName, Staged>();
  private open = true;

  private constructor(readonly conn: DuckDBConnection) {}

  static async create(conn: DuckDBConnection, tables: readonly TableName[]): Promise<WindowStage> {
    const stage = new WindowStage(conn);
    const id = `${process.pid}_${++sequence}`;
    try {
      for (const table of tables) {
        const name = `__claude_ingest_stage_${id}_${table}`;
        if (mode === 'rows') {
          // Registered before the appender exists, so a failure below still drops the table.
          const staged: Staged = { readable: name, views: [], tables: [name], sink: { append: () => undefined, close: () => undefined }, rows: 0 };
          stage.staged.set(table, staged);
          await conn.run(createTableSql(TABLES[table], { name, temp: true }));
          staged.sink = rowSink(await conn.createAppender(name), converterFor(table));
        } else {
          const names = { raw: `${name}__raw`, dict: `${name}__dict`, view: name };
          const staged: Staged = { readable: name, views: [names.view], tables: [names.raw, names.dict], sink: { append: () => undefined, close: () => undefined }, rows: 0 };
          stage.staged.set(table, staged);
          staged.sink = await ChunkStager.create(conn, layoutFor(table), names);
        }
      }
    } catch (err) {
      await stage.drop();
      throw err;
    }
    return stage;
  }

  async append(table: TableName, rows: readonly Row[]): Promise<void> {
    if (!this.open) throw new WarehouseError(`cannot append to ${table}: the window is already written or abandoned`);
    const staged = this.staged.get(table);
    if (!staged) throw new WarehouseError(`cannot append to ${table}: this window only replaces ${[...this.staged.keys()].join(', ')}`);
    staged.sink.append(rows);
    staged.rows += rows.length;
  }

  /** Flushes the appenders; afterwards the staged rows are queryable on this connection. */
  finish(): void {
    this.open = false;
    for (const s of this.staged.values()) s.sink.close();
  }

  get totalRows(): number {
    let n = 0;
    for (const s of this.staged.values()) n += s.rows;
    return n;
  }

  tables(): { table: TableName; staging: string }[] {
    return [...this.staged].map(([table, s]) => ({ table, staging: quoteIdent(s.readable) }));
  }

  async drop(): Promise<void> {
    this.open = false;
    for (const s of this.staged.values()) {
      try {
        s.sink.close();
      } catch {
        // Already closed, or its buffered rows failed to flush: either way they are being dropped.
      }
      for (const v of s.views) await this.conn.run(`DROP VIEW IF EXISTS ${quoteIdent(v)}`);
      for (const t of s.tables) await this.conn.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
    }
    this.staged.clear();
  }
}
