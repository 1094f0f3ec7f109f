/**
 * Per-window staging: one TEMP table per target table on the window's own connection, filled through
 * the DuckDB Appender. Temp tables are private to the connection and vanish if the process dies, so a
 * crash mid-fill leaves nothing behind in the file; DuckDB spills them to disk under memory pressure.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { TABLES, type Row, type TableName } from '../tables.js';
import { WarehouseError, type WindowSink } from '../warehouse.js';
import { createTableSql } from './ddl.js';
import { RowConverter } from './row-writer.js';
import { quoteIdent } from './sql.js';

const converters = new Map<TableName, RowConverter>();
function converterFor(table: TableName): RowConverter {
  let c = converters.get(table);
  if (!c) converters.set(table, (c = new RowConverter(TABLES[table])));
  return c;
}

interface Staged {
  name: string;
  appender: DuckDBAppender;
  converter: RowConverter;
  rows: number;
}

let sequence = 0;

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
        await conn.run(createTableSql(TABLES[table], { name, temp: true }));
        const appender = await conn.createAppender(name);
        stage.staged.set(table, { name, appender, converter: converterFor(table), rows: 0 });
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
    for (const row of rows) staged.converter.appendRow(staged.appender, row);
    staged.rows += rows.length;
  }

  /** Flushes the appenders; afterwards the staged rows are queryable on this connection. */
  finish(): void {
    this.open = false;
    for (const s of this.staged.values()) s.appender.closeSync();
  }

  get totalRows(): number {
    let n = 0;
    for (const s of this.staged.values()) n += s.rows;
    return n;
  }

  tables(): { table: TableName; staging: string }[] {
    return [...this.staged].map(([table, s]) => ({ table, staging: quoteIdent(s.name) }));
  }

  async drop(): Promise<void> {
    this.open = false;
    for (const s of this.staged.values()) {
      try {
        s.appender.closeSync();
      } catch {
        // Already closed, or its buffered rows failed to flush: either way they are being dropped.
      }
      await this.conn.run(`DROP TABLE IF EXISTS ${quoteIdent(s.name)}`);
    }
    this.staged.clear();
  }
}
