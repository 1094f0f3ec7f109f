/**
 * The warehouse contract. The pipeline only talks to this interface, so DuckDB (embedded default),
 * BigQuery and later Postgres plug in without touching jobs or streams.
 */
import type { DayRange, IsoDay } from '../util/dates.js';
import { AppError, EXIT, HTTP, type ExitCode } from '../util/errors.js';
import type { LedgerTableName, RowOf, TableName } from './tables.js';

/** What the ledger records about a window while and after it runs. */
export interface WindowRecord {
  runId: string;
  /** The organization whose data the window reads; windows of different organizations never touch each other's rows. */
  organizationId?: string | null;
  stream: string;
  windowStart: IsoDay;
  windowEnd: IsoDay;
  /** `unavailable`: the endpoint is not open to this organization (403/404 on its first request); not a failure. */
  status: 'running' | 'ok' | 'failed' | 'unavailable';
  complete: boolean;
  rows: number;
  requests: number;
  retries: number;
  rateLimited: number;
  centsTotal: string | null;
  /** Billed amounts rounded to fit the warehouse's scale (see util/money.ts); absent means 0. */
  roundedValues?: number;
  /** WindowTally.unknownMeasuresJson(): numbers in fields this version does not know, per day. */
  unknownMeasures?: string | null;
  /** The newest `data_refreshed_at` of the window's Analytics API pages (ISO timestamp). */
  dataRefreshedAt?: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunRecord {
  runId: string;
  command: string;
  args: Record<string, unknown>;
  toolVersion: string;
  status: 'running' | 'ok' | 'failed';
  /** The organization the admin key belongs to (GET /v1/organizations/me), when it could be read. */
  organizationId?: string | null;
  organizationName?: string | null;
  windowsOk: number;
  windowsFailed: number;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * Rows for one window (the window writer, window-writer.ts): batched, stamped and staged as they
 * arrive, so memory stays flat however large the window.
 */
export interface WindowSink {
  /** Rows typed by their table (RowOf, without the stamped columns): a missing, misspelled or mistyped column does not compile. */
  append<N extends TableName>(table: N, rows: readonly RowOf<NoInfer<N>>[]): Promise<void>;
}

export interface WindowWrite {
  /**
   * The organization the window belongs to: the window writer stamps it into every row's
   * organization_id (and the ledger's runId and startedAt into run_id and ingested_at), and only
   * this organization's days (or snapshot) are replaced.
   */
  organizationId: string;
  /** Tables this window replaces. */
  tables: TableName[];
  /** Days replaced in every table (inclusive); omitted for snapshot tables, which are replaced whole. */
  days?: DayRange;
  /** The ledger row to write as `ok`, with the rows written, in the same transaction as the data. */
  ledger: WindowRecord;
  /** Rows the engine is handed at a time (default WINDOW_BATCH_ROWS in window-writer.ts). */
  batchRows?: number;
}

export interface OrganizationAttribution {
  attributed: number;
  unattributed: number;
}

/** Result rows from query(): DATE as 'YYYY-MM-DD', TIMESTAMP ISO, DECIMAL exact strings, integers as numbers. */
export type QueryRow = Record<string, string | number | boolean | null>;

export interface Warehouse {
  /** e.g. 'duckdb' or 'bigquery'. */
  readonly kind: string;
  /** Printable location (never contains credentials). */
  readonly location: string;
  readonly dialect: SqlDialect;

  /** Creates missing tables, migrates an older schema forward, refuses a newer one. Idempotent. */
  init(): Promise<void>;

  /**
   * Replaces a window atomically: `fill` pushes rows into the sink (the window writer: batched,
   * stamped, staged, not yet visible); when it resolves, one transaction deletes the window's days (or
   * the whole snapshot table), inserts the staged rows and records the ledger row as ok with their
   * count. If `fill` throws, nothing is written and the error propagates. Returns the rows written.
   */
  replaceWindow(write: WindowWrite, fill: (sink: WindowSink) => Promise<void>): Promise<number>;

  /**
   * Gives rows written before organization ids existed their organization: by the run that wrote
   * them, else `organizationId` (the one key being ingested). Once done, later calls cost one lookup.
   * With null it only counts rows still without an organization (several keys: nothing is guessed).
   */
  attributeOrganization(organizationId: string | null): Promise<OrganizationAttribution>;

  /** Inserts or updates a ledger row (running / failed). */
  recordWindow(record: WindowRecord): Promise<void>;
  recordRun(record: RunRecord): Promise<void>;
  /** Inserts or replaces one row of a small ledger table by its natural key (alert_events). */
  upsertLedgerRow<N extends LedgerTableName>(table: N, row: RowOf<NoInfer<N>>): Promise<void>;

  /** Latest ledger row per (stream, window_start, window_end), newest first. */
  listWindows(filter?: { stream?: string; status?: WindowRecord['status'] }): Promise<WindowRecord[]>;
  listRuns(limit: number): Promise<RunRecord[]>;

  /** Read-only SQL over the tables; use dialect.table() for names and `?` placeholders for values. */
  query(sql: string, params?: unknown[]): Promise<QueryRow[]>;

  /**
   * Writes the result of a read-only SELECT to a local file with the warehouse's own exporter
   * (DuckDB: COPY … TO; BigQuery: the rows read and written by the client). csv has a header row;
   * json is one object per line. CSV text that starts like a formula gets a leading `'` unless
   * `options.rawCsv` (util/csv.ts).
   */
  exportQuery(sql: string, params: unknown[], file: string, format: ExportFormat, options?: ExportOptions): Promise<void>;

  /**
   * A short text that changes whenever the data may have changed: equal tokens mean nothing was
   * written in between, so an answer computed under a token may be served again while the token is
   * the same. It still answers after close(), and DuckDB
   * answers from a stat of its file and WAL without opening it (the dashboard serves kept answers
   * that way and leaves the file free for a writer); BigQuery with one small query of the ledger.
   */
  changeToken(): Promise<string>;

  /**
   * Day fingerprints kept from an earlier read of the same rows (validation's DayFingerprints), valid
   * only while nothing but this program's tracked writes changed the warehouse since. DuckDB keeps
   * them beside the file for a read-only open (duckdb/day-prints.ts); absent/undefined: none kept.
   */
  dayPrints?(): DayPrintStore | undefined;
  /**
   * DuckDB: the writes that streamed are over and whole-range reads follow on the same open (the
   * demo proves what it just wrote), so the per-window memory bound is lifted to DuckDB's default.
   */
  liftWriteMemoryBound?(): Promise<void>;

  /**
   * Whether a table of READER_OPTIONAL_TABLES (allocation-tables.ts) is missing: only a read-only open of a
   * warehouse made before it can lack one (a write-open creates it). Absent: lacks none.
   */
  lacks?(table: string): boolean;

  close(): Promise<void>;
}

/** One day's fingerprint of a table's rows (validation's DayFingerprints). */
export interface DayPrint {
  rows: number;
  print: string;
}

/** What is kept for a range: the days known, and the days a writer changed since (to be read again). */
export interface KeptDayPrints {
  /** A day of the range absent here and not stale holds no rows. */
  known: Map<IsoDay, DayPrint>;
  stale: IsoDay[];
}

export interface DayPrintStore {
  /** Kept prints under `key` for every day of range, or undefined when they do not cover it. */
  get(key: string, range: DayRange): KeptDayPrints | undefined;
  /** Prints just read for every day of range (a day absent holds no rows). */
  put(key: string, table: string, range: DayRange, prints: ReadonlyMap<IsoDay, DayPrint>): void;
  /** Keeps what was put, for the next reader. */
  save(): Promise<void>;
}

/** The SQL differences between warehouses, in one place. */
export interface SqlDialect {
  /** A quoted, fully qualified table name. */
  table(name: TableName | string): string;
  /** A quoted column or alias. */
  ident(name: string): string;
  /** A date literal from a parameter placeholder, e.g. CAST(? AS DATE). */
  dateParam(): string;
  /** Exact decimal sum expression of a cents/usd column. */
  sumExact(expr: string): string;
  /** Cast an expression to text. */
  toText(expr: string): string;
  /**
   * The UTC hour of a TIMESTAMP as two-digit text ("00".."23"), whatever the session's time zone:
   * where a local day starts inside a UTC day is decided in code, the warehouse only splits by hour.
   */
  utcHourText(expr: string): string;
  /**
   * A predicate that holds for every day of a DATE partition column (an expression): "all days" in
   * every query that reads a whole fact table, since BigQuery requires a partition filter there.
   */
  allDays(dateExpr: string): string;

  /** First day (DATE) of the ISO week (Monday) or calendar month containing a DATE expression. */
  dateTrunc(expr: string, unit: 'week' | 'month'): string;
  /** A DATE expression moved by n whole days or months (n a literal integer). */
  dateAdd(expr: string, n: number, unit: 'day' | 'month'): string;
  /** Midnight UTC of a DATE expression, as a TIMESTAMP. */
  dateToTimestamp(expr: string): string;
  /** A JSON object text from literal keys and SQL value expressions (NULL values kept as null). */
  jsonObject(entries: Array<[key: string, expr: string]>): string;
  /** An exact decimal (DuckDB DECIMAL(38,12), BigQuery BIGNUMERIC) from a numeric expression: FOCUS wants Decimal metrics. */
  decimal(expr: string): string;
  /** A read-only query listing the actual columns of a table, one row per column with a `column_name` field. */
  columnsQuery(table: string): { sql: string; params: unknown[] };
  /**
   * An aggregate (over a GROUP BY group) that changes when any row of the group changes, is added
   * or removed: text of an XOR of a 64-bit hash of each row's columns (validation's day fingerprints).
   */
  rowFingerprint(columns: string[]): string;
  /** A 64-bit hash of one row's columns (NULLs hash alike, as GROUP BY groups them): a cheap stand-in for a wide key. */
  rowHash(columns: string[]): string;
  /**
   * An aggregate: the named fields (a STRUCT) of the group's row that is last in `order` (each
   * expression compared descending, the first one first; ties: any of them). Read a field as
   * `alias.field` from a subquery that selected it AS alias.
   */
  newestOf(fields: Array<[name: string, expr: string]>, order: string[]): string;
  /** A query whose one row's first column is a view's SQL as the warehouse holds it (one parameter, the view's name). */
  viewSqlQuery(view: string): { sql: string; params: unknown[] };
}

export type ExportFormat = 'csv' | 'parquet' | 'json';

export interface ExportOptions {
  /** `--raw-csv`: leave formula starts in CSV text as they are. */
  rawCsv?: boolean;
}

/** The warehouse cannot be opened, read or written as asked: exit 2, HTTP 500. */
export class WarehouseError extends AppError {
  readonly exitCode: ExitCode = EXIT.usage;
  readonly httpStatus: number = HTTP.internal;
}
/** Another process holds the warehouse for writing: exit 3, HTTP 503. */
export class WarehouseLockedError extends WarehouseError {
  override readonly exitCode: ExitCode = EXIT.busy;
  override readonly httpStatus: number = HTTP.unavailable;
}
/**
 * The file or the disk failed (a damaged block, a full disk, an I/O error): exit 2. `damaged`: the
 * file failed a read check, and nothing more may be written to it.
 */
export class WarehouseStorageError extends WarehouseError {
  constructor(
    message: string,
    readonly damaged: boolean,
  ) {
    super(message);
  }
}
/** The warehouse was made by a newer claude-ingest, or is not a claude-ingest warehouse. */
export class WarehouseSchemaError extends WarehouseError {}
