/**
 * The window writer: the one place between a stream's rows and an engine. Both engines run every
 * window through it, inside the window's transaction:
 *  - it owns the batch size: whatever a stream hands over (a bucket, a page, one row), the engine gets
 *    batches of `WindowWrite.batchRows` rows per table, the last one shorter;
 *  - it stamps the per-window constants (STAMPED_COLUMNS: organization, run, when the window began),
 *    taken from the WindowWrite and handed to the engine once per window, which lays them into every
 *    row as it encodes it (converted once, not once per row). No stream or transform carries them;
 *  - it refuses rows dated outside the window's days (OutOfWindow), the same way for every engine.
 * Compare dlt: resources yield items, the pipeline owns normalization and loading.
 */
import { STAMPED_COLUMNS, TABLES, type Row, type RowOf, type StampedColumn, type TableName } from './tables.js';
import type { DayRange } from '../util/dates.js';
import { WarehouseError, type WindowSink, type WindowWrite } from './warehouse.js';

/**
 * Rows handed to the engine at a time. Large enough that the per-batch costs (DuckDB's appender
 * flush, one NDJSON write) are amortised; small enough that a window holds about one bucket or page
 * and one batch per table, never a page's rows and the writer's work at once.
 */
export const WINDOW_BATCH_ROWS = 5000;

/** What a stream yields: rows of one table, without the stamped columns. */
export interface TableBatch<N extends TableName = TableName> {
  table: N;
  rows: RowOf<N>[];
}

/** The stamped columns' values of a window: the run and start of its ledger row, and its organization. */
export type WindowStamp = Readonly<Record<StampedColumn, string>>;

export function windowStamp(write: WindowWrite): WindowStamp {
  return { organization_id: write.organizationId, run_id: write.ledger.runId, ingested_at: write.ledger.startedAt };
}

/** Whether a column is one the window writer stamps (an engine's encoder leaves it to the stamp). */
export function isStamped(column: string): column is StampedColumn {
  return (STAMPED_COLUMNS as readonly string[]).includes(column);
}

/**
 * An engine's side of one window. Rows are handed over as they arrive, to be encoded at once (the
 * engine keeps only its own encoding: DuckDB's column buffers, BigQuery's NDJSON text), and a batch is
 * closed every WindowWrite.batchRows rows per table (DuckDB flushes its appender, BigQuery writes its
 * staging file). Holding each batch as row objects until it was full kept up to 5,000 rows per table
 * and open window alive across garbage collections: more V8 heap and more collector time in a
 * backfill (docs/performance.md, Round 12c).
 */
export interface BatchTarget {
  /** Encodes rows[from, to) of `table` into the current batch. */
  stage(table: TableName, rows: readonly Row[], from: number, to: number): void | Promise<void>;
  /** Ends the current batch of `table` (called with at least one row staged). */
  endBatch(table: TableName): Promise<void>;
}

/** Rows dated outside the window would survive the next replace of their own days as duplicates. */
export class OutOfWindow {
  count = 0;
  min = '';
  max = '';

  constructor(private readonly days: DayRange) {}

  check(day: unknown): void {
    if (typeof day !== 'string' || (day >= this.days.from && day <= this.days.to)) return;
    if (this.count++ === 0 || day < this.min) this.min = day;
    if (day > this.max) this.max = day;
  }

  error(table: TableName): WarehouseError | undefined {
    if (this.count === 0) return undefined;
    return new WarehouseError(`${table}: ${this.count} row(s) dated ${this.min}…${this.max} fall outside the window ${this.days.from}…${this.days.to}`);
  }
}

export class WindowWriter implements WindowSink {
  /** Rows staged in each table's current batch. */
  private readonly staged = new Map<TableName, number>();
  /** Per dated table of a window that replaces days: the rows it was handed outside them. */
  private readonly outside = new Map<TableName, OutOfWindow>();
  private readonly batchRows: number;
  private written = 0;

  constructor(
    write: WindowWrite,
    private readonly target: BatchTarget,
  ) {
    this.batchRows = write.batchRows ?? WINDOW_BATCH_ROWS;
    if (!Number.isSafeInteger(this.batchRows) || this.batchRows < 1) throw new WarehouseError(`replaceWindow: batchRows must be a whole number ≥ 1, got ${this.batchRows}`);
    for (const table of write.tables) {
      this.staged.set(table, 0);
      const days = write.days;
      if (days && TABLES[table].columns.some((c) => c.name === 'activity_date')) this.outside.set(table, new OutOfWindow(days));
    }
  }

  async append<N extends TableName>(table: N, typedRows: readonly RowOf<NoInfer<N>>[]): Promise<void> {
    // Typed for the streams; handed on as plain rows (each engine checks every column against TABLES).
    const rows: readonly Row[] = typedRows;
    let staged = this.staged.get(table);
    if (staged === undefined) throw new WarehouseError(`cannot append to ${table}: this window only replaces ${[...this.staged.keys()].join(', ')}`);
    const outside = this.outside.get(table);
    if (outside) for (let i = 0; i < rows.length; i++) outside.check(rows[i]!.activity_date);
    for (let from = 0; from < rows.length; ) {
      const to = Math.min(rows.length, from + this.batchRows - staged);
      await this.target.stage(table, rows, from, to);
      staged += to - from;
      from = to;
      if (staged >= this.batchRows) {
        await this.endBatch(table, staged);
        staged = 0;
      }
    }
    this.staged.set(table, staged);
  }

  /** Refuses the window if any row fell outside its days, else ends every table's last batch; returns the rows written. */
  async finish(): Promise<number> {
    for (const [table, outside] of this.outside) {
      const error = outside.error(table);
      if (error) throw error;
    }
    for (const [table, staged] of this.staged) if (staged > 0) await this.endBatch(table, staged);
    return this.written;
  }

  private async endBatch(table: TableName, rows: number): Promise<void> {
    this.staged.set(table, 0);
    await this.target.endBatch(table);
    this.written += rows;
  }
}
