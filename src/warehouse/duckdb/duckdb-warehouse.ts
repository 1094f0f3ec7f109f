/**
 * The embedded DuckDB warehouse.
 *
 * Concurrency: each replaceWindow runs one transaction on its own pooled connection (see
 * window-append.ts), and the fills of several windows interleave freely: their uncommitted appends are
 * private, and the days they delete are disjoint, so DuckDB's optimistic concurrency never aborts one.
 * The opening delete, the commit and every other write take one mutex per file, so close() can wait
 * for in-flight writes and ledger upserts never race each other.
 * Reads (query, listWindows) take no mutex: MVCC gives them a consistent snapshot.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { StatementType } from './driver.js';
import { TABLES, type LedgerTableName, type RowOf, type TableName } from '../tables.js';
import {
  WarehouseError,
  type QueryRow,
  type RunRecord,
  type SqlDialect,
  type Warehouse,
  type WindowRecord,
  type WindowSink,
  type WindowWrite,
  type ExportFormat,
  type ExportOptions,
  type OrganizationAttribution,
  type DayPrintStore,
} from '../warehouse.js';
import { duckDbChangeToken } from './change-token.js';
import { duckDbDialect } from './duckdb-dialect.js';
import { openShared, type OpenOptions, type SharedInstance } from './instance.js';
import { runRecord, windowRecord } from '../ledger-rows.js';
import { listRunsSql, listWindowsSql, upsertLedgerRow, upsertRun, upsertWindow } from './ledger.js';
import { openExportFile } from '../export-file.js';
import { storageError } from './storage-errors.js';
import { bindParams, convertValue, readRows } from './results.js';
import { checkSchema, initSchema } from './schema-version.js';
import { WindowAppend } from './window-append.js';
import { WindowWriter } from '../window-writer.js';
import { attributeOrganization } from './organization-adoption.js';
import { dayNumber } from './values.js';
import { stringLiteral, transaction } from './sql.js';

export type DuckDbOpenOptions = OpenOptions;

const COPY_OPTIONS: Record<ExportFormat, string> = {
  csv: '(FORMAT csv, HEADER true)',
  parquet: '(FORMAT parquet)',
  json: '(FORMAT json)',
};

const READ_STATEMENTS = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

export class DuckDbWarehouse implements Warehouse {
  readonly kind = 'duckdb';
  readonly dialect: SqlDialect = duckDbDialect;
  private closed = false;
  /** Reader-optional tables this file lacks (a read-only open of a file made before them). */
  private absent: ReadonlySet<string> = new Set();

  constructor(
    private readonly shared: SharedInstance,
    readonly location: string,
    readonly readOnly: boolean,
  ) {}

  async init(): Promise<void> {
    if (this.readOnly) {
      this.absent = await this.withConnection((conn) => checkSchema(conn, this.location));
      return;
    }
    // A migration may rewrite rows: kept day fingerprints are not carried past it.
    if (await this.write((conn) => initSchema(conn, this.location))) this.shared.dayPrints?.forget();
  }

  lacks(table: string): boolean {
    return this.absent.has(table);
  }

  async replaceWindow(write: WindowWrite, fill: (sink: WindowSink) => Promise<void>): Promise<number> {
    this.assertWritable();
    this.assertUndamaged();
    const tables = [...new Set(write.tables)];
    validateWrite(write, tables);
    // Marked before anything is written: kept fingerprints of these days are read again.
    this.shared.dayPrints?.markWritten(tables, write.days);
    const conn = await this.shared.acquire();
    let healthy = true;
    try {
      // Short, serialized steps at both ends; the fill in between runs alongside other windows.
      const window = await this.shared.writeMutex.run(() => WindowAppend.begin(conn, write, tables));
      try {
        const writer = new WindowWriter(write, window);
        await fill(writer);
        await writer.finish();
      } catch (err) {
        await window.rollback();
        throw err;
      }
      const rows = await this.shared.writeMutex.run(() => window.commit());
      this.shared.noteCommitted(rows);
      return rows;
    } catch (err) {
      healthy = false;
      throw this.storage(err);
    } finally {
      // After a failure the connection is closed rather than pooled: whatever state the error left
      // it in (even a transaction the ROLLBACK could not end) goes with it.
      if (healthy) this.shared.release(conn);
      else this.shared.discard(conn);
    }
  }

  async attributeOrganization(organizationId: string | null): Promise<OrganizationAttribution> {
    this.assertWritable();
    const result = await this.write((conn) => attributeOrganization(conn, organizationId));
    // Rows given an organization: kept day fingerprints are not carried past it.
    if (result.attributed > 0) this.shared.dayPrints?.forget();
    return result;
  }

  async recordWindow(record: WindowRecord): Promise<void> {
    this.assertWritable();
    await this.write((conn) => transaction(conn, () => upsertWindow(conn, record)));
  }

  async recordRun(record: RunRecord): Promise<void> {
    this.assertWritable();
    await this.write((conn) => transaction(conn, () => upsertRun(conn, record)));
  }

  async upsertLedgerRow<N extends LedgerTableName>(table: N, row: RowOf<NoInfer<N>>): Promise<void> {
    this.assertWritable();
    const def = TABLES[table];
    if (def?.kind !== 'ledger') throw new WarehouseError(`upsertLedgerRow: ${String(table)} is not a ledger table`);
    this.shared.dayPrints?.markWritten([table]);
    await this.write((conn) => transaction(conn, () => upsertLedgerRow(conn, def, row)));
  }

  async listWindows(filter: { stream?: string; status?: WindowRecord['status'] } = {}): Promise<WindowRecord[]> {
    const { sql, params } = listWindowsSql(filter);
    return (await this.query(sql, params)).map(windowRecord);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new WarehouseError(`listRuns: limit must be a whole number ≥ 0, got ${limit}`);
    return (await this.query(listRunsSql(), [limit])).map(runRecord);
  }

  async query(sql: string, params: unknown[] = []): Promise<QueryRow[]> {
    return this.withConnection(async (conn) => {
      const prepared = await conn.prepare(sql);
      try {
        if (!READ_STATEMENTS.has(prepared.statementType)) {
          throw new WarehouseError('query() runs read-only SQL (SELECT); writes go through replaceWindow and the ledger methods');
        }
        bindParams(prepared, params);
        return await readRows(await prepared.run());
      } finally {
        prepared.destroySync();
      }
    });
  }

  async liftWriteMemoryBound(): Promise<void> {
    await this.withConnection((conn) => conn.run('RESET memory_limit'));
  }

  /** COPY (SELECT …) TO 'file': DuckDB writes the file itself, so values keep their exact types. */
  async exportQuery(sql: string, params: unknown[], file: string, format: ExportFormat, exportOptions: ExportOptions = {}): Promise<void> {
    const options = COPY_OPTIONS[format];
    if (!options) throw new WarehouseError(`export format "${String(format)}" is not one of csv, parquet, json`);
    if (file.includes('\0')) throw new WarehouseError('export: the file path contains a NUL character');
    // csv and json go through the writer every warehouse shares, so both write the same text
    // (src/warehouse/export-file.ts); Parquet is typed, so DuckDB's own COPY writes it.
    if (format === 'csv' || format === 'json') {
      await this.withConnection((conn) => exportText(conn, sql, params, file, format, exportOptions));
      return;
    }
    await this.withConnection(async (conn) => {
      // Checked on its own first: COPY would otherwise run whatever statement it was handed.
      const check = await conn.prepare(sql);
      try {
        if (check.statementType !== StatementType.SELECT) throw new WarehouseError('exportQuery() exports a SELECT only');
      } finally {
        check.destroySync();
      }
      // COPY's target cannot be a bound parameter, so the path becomes a quoted literal.
      const prepared = await conn.prepare(`COPY (${sql}) TO ${stringLiteral(file)} ${options}`);
      try {
        bindParams(prepared, params);
        await prepared.run();
      } finally {
        prepared.destroySync();
      }
    });
  }

  /**
   * The fingerprints kept beside the file for its state now (day-prints.ts), on a read-only instance
   * only: where this process also writes (a read-only handle shares the writer's instance), a window
   * committing while its days are read could leave a print of rows it replaced.
   */
  dayPrints(): DayPrintStore | undefined {
    return this.readOnly && this.shared.readOnly ? this.shared.dayPrints : undefined;
  }

  /** A stat of the file and its WAL (see change-token.ts): no query, and still answers after close(). */
  changeToken(): Promise<string> {
    return Promise.resolve(duckDbChangeToken(this.location));
  }

  /** Waits for in-flight writes, then releases the file lock (once no other handle in this process uses it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shared.writeMutex.run(async () => {
      await this.shared.unref();
    });
  }

  private assertWritable(): void {
    if (this.readOnly) throw new WarehouseError(`the warehouse ${this.location} is open read-only`);
  }

  /** A file that failed a read check is not used again by this process (above all, not written). */
  private assertUndamaged(): void {
    if (this.shared.damaged) throw this.shared.damaged;
  }

  /** `err` as a storage failure when it is one (remembering a damaged file), else unchanged. */
  private storage(err: unknown): unknown {
    const s = storageError(err, this.location);
    if (!s) return err;
    if (s.damaged) this.shared.damaged ??= s;
    return s;
  }

  private async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new WarehouseError(`the warehouse ${this.location} is closed`);
    this.assertUndamaged();
    const conn = await this.shared.acquire();
    try {
      return await fn(conn);
    } catch (err) {
      throw this.storage(err);
    } finally {
      this.shared.release(conn);
    }
  }

  private write<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.shared.writeMutex.run(() => this.withConnection(fn));
  }
}

/** Streams a SELECT's result chunk by chunk into the shared csv / json-lines writer. */
async function exportText(conn: DuckDBConnection, sql: string, params: unknown[], file: string, format: 'csv' | 'json', exportOptions: ExportOptions): Promise<void> {
  const prepared = await conn.prepare(sql);
  try {
    if (prepared.statementType !== StatementType.SELECT) throw new WarehouseError('exportQuery() exports a SELECT only');
    bindParams(prepared, params);
    const result = await prepared.stream();
    const names = result.columnNames();
    const types = names.map((_, i) => result.columnTypeId(i));
    const out = openExportFile(file, format, { raw: exportOptions.rawCsv });
    try {
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const rows = chunk.getRows().map((values) => {
          const row: QueryRow = {};
          values.forEach((v, i) => (row[names[i]!] = convertValue(types[i]!, v)));
          return row;
        });
        await out.write(names, rows);
      }
      await out.commit(names);
    } catch (err) {
      await out.abort();
      throw err;
    }
  } finally {
    prepared.destroySync();
  }
}

function validateWrite(write: WindowWrite, tables: TableName[]): void {
  if (tables.length === 0) throw new WarehouseError('replaceWindow: no tables given');
  for (const table of tables) {
    const def = TABLES[table];
    if (!def) throw new WarehouseError(`replaceWindow: unknown table ${String(table)}`);
    if (def.kind === 'ledger' || def.kind === 'meta') throw new WarehouseError(`replaceWindow: ${table} is not a data table`);
    if (def.kind !== 'snapshot' && !write.days) {
      throw new WarehouseError(`replaceWindow: ${table} is replaced by day, so the write needs days`);
    }
  }
  if (write.days) {
    for (const day of [write.days.from, write.days.to]) {
      try {
        dayNumber(day);
      } catch (err) {
        throw new WarehouseError(`replaceWindow: ${(err as Error).message}`);
      }
    }
    if (write.days.from > write.days.to) throw new WarehouseError(`replaceWindow: days ${write.days.from}…${write.days.to} are reversed`);
  }
}

/** Opens (creating if needed) a DuckDB warehouse file. Call init() before writing. */
export async function openDuckDbWarehouse(path: string, opts: DuckDbOpenOptions = {}): Promise<DuckDbWarehouse> {
  const shared = await openShared(path, opts);
  return new DuckDbWarehouse(shared, path, opts.readOnly ?? false);
}
