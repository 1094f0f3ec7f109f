/**
 * One window written straight into its target tables inside the window's own transaction:
 * BEGIN, delete the window's days, append each batch the window writer hands over (window-writer.ts:
 * it owns the batch size and the stamped columns), record the ledger row, COMMIT.
 *
 * Why not stage and copy: a TEMP staging table plus `INSERT … SELECT` wrote every row twice and held
 * the whole window in DuckDB memory until commit (measured: 0.65 × the rows/s of this path, and most
 * of a one-year backfill's native memory). Uncommitted appends are invisible to every other
 * connection, DuckDB writes full row groups of a large transaction to the file ahead of commit
 * (so memory stays flat however big the window), and ROLLBACK or a killed process leaves nothing.
 * Windows of one backfill delete disjoint days, so their transactions never conflict.
 *
 * Rows go in as whole 2,048-row data chunks (chunk-writer.ts) instead of one call per value, which
 * roughly halves the cost per row.
 */
import type { DuckDBAppender, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { TABLES, type ColumnDef, type Row, type TableName } from '../tables.js';
import { WarehouseError, type WindowWrite } from '../warehouse.js';
import { windowStamp, type BatchTarget } from '../window-writer.js';
import type { DayRange } from '../../util/dates.js';
import { ChunkWriter } from './chunk-writer.js';
import { upsertWindow } from './ledger.js';
import { RowConverter } from './row-writer.js';
import { quoteIdent } from './sql.js';

const converters = new Map<string, RowConverter>();

/**
 * A converter whose values come out in the table's physical column order, which is the order the
 * Appender takes: a migrated table has its added columns at the end, wherever TABLES lists them.
 */
async function converterFor(conn: DuckDBConnection, table: TableName): Promise<RowConverter> {
  const reader = await conn.runAndReadAll(
    "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index",
    [table],
  );
  const physical = reader.getRows().map(([name]) => String(name));
  const key = `${table}\0${physical.join('\0')}`;
  let c = converters.get(key);
  if (!c) {
    const def = TABLES[table];
    const byName = new Map(def.columns.map((col) => [col.name, col]));
    // A column the definition no longer has is left NULL.
    const columns = physical.map((name): ColumnDef => byName.get(name) ?? { name, type: 'string', doc: '' });
    converters.set(key, (c = new RowConverter({ ...def, columns }, { stamp: true })));
  }
  return c;
}

interface Target {
  appender: DuckDBAppender;
  writer: ChunkWriter;
  converter: RowConverter;
  /** Reused for every row (the chunk writer copies what it is given); its stamped slots are set once per window. */
  scratch: (DuckDBValue | null)[];
  rows: number;
}

export class WindowAppend implements BatchTarget {
  private readonly targets = new Map<TableName, Target>();
  private open = true;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly write: WindowWrite,
  ) {}

  /** Opens the window's transaction and deletes what it replaces; nothing is visible until commit(). */
  static async begin(conn: DuckDBConnection, write: WindowWrite, tables: readonly TableName[]): Promise<WindowAppend> {
    const window = new WindowAppend(conn, write);
    const stamp = windowStamp(write);
    await conn.run('BEGIN TRANSACTION');
    try {
      for (const table of tables) {
        await deleteReplaced(conn, table, write.days, write.organizationId);
        // The appender takes the table's physical column order, which a migration may have changed.
        const appender = await conn.createAppender(table);
        const converter = await converterFor(conn, table);
        const scratch = new Array<DuckDBValue | null>(converter.table.columns.length);
        converter.stampInto(stamp, scratch);
        window.targets.set(table, {
          appender,
          writer: new ChunkWriter(appender),
          converter,
          scratch,
          rows: 0,
        });
      }
    } catch (err) {
      await window.rollback();
      throw err;
    }
    return window;
  }

  /** Rows as the window writer hands them over: converted at once into the table's data chunks. */
  stage(table: TableName, rows: readonly Row[], from: number, to: number): void {
    const target = this.target(table);
    const { writer, converter, scratch } = target;
    for (let i = from; i < to; i++) writer.appendRow(converter.valuesInto(rows[i]!, scratch));
    target.rows += to - from;
  }

  /** The end of one of the window writer's batches: its rows go into the transaction. */
  async endBatch(table: TableName): Promise<void> {
    const target = this.target(table);
    // The Appender would otherwise hold up to 204,800 rows in its own unlimited buffer; flushed, they
    // sit in the transaction's storage, which DuckDB's memory_limit governs (measured: 0.85 x peak RSS).
    target.writer.flush();
    target.appender.flushSync();
    return Promise.resolve();
  }

  private target(table: TableName): Target {
    if (!this.open) throw new WarehouseError(`cannot append to ${table}: the window is already written or abandoned`);
    const target = this.targets.get(table);
    if (!target) throw new WarehouseError(`cannot append to ${table}: this window only replaces ${[...this.targets.keys()].join(', ')}`);
    return target;
  }

  get totalRows(): number {
    let n = 0;
    for (const t of this.targets.values()) n += t.rows;
    return n;
  }

  /** Flushes the rows, records the ledger row as ok, commits (the window writer refused rows dated outside the window). */
  async commit(): Promise<number> {
    this.open = false;
    try {
      for (const t of this.targets.values()) {
        t.writer.flush();
        t.appender.closeSync();
      }
      const rows = this.totalRows;
      await upsertWindow(this.conn, { ...this.write.ledger, status: 'ok', rows });
      await this.conn.run('COMMIT');
      this.targets.clear();
      return rows;
    } catch (err) {
      await this.rollback();
      throw err;
    }
  }

  /** Discards everything appended; safe to call more than once. */
  async rollback(): Promise<void> {
    this.open = false;
    for (const t of this.targets.values()) {
      try {
        t.appender.clear();
        t.appender.closeSync();
      } catch {
        // Already closed: its rows are in the transaction, which is rolled back next.
      }
    }
    this.targets.clear();
    await this.conn.run('ROLLBACK').catch(() => undefined);
  }
}

/** Only the window's own organization's days (or snapshot): other organizations' rows are never touched. */
async function deleteReplaced(conn: DuckDBConnection, table: TableName, days: DayRange | undefined, organizationId: string): Promise<void> {
  const target = quoteIdent(table);
  if (TABLES[table].kind === 'snapshot' || !days) {
    await conn.run(`DELETE FROM ${target} WHERE organization_id = $1`, [organizationId]);
  } else {
    await conn.run(`DELETE FROM ${target} WHERE organization_id = $1 AND activity_date BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)`, [
      organizationId,
      days.from,
      days.to,
    ]);
  }
}
