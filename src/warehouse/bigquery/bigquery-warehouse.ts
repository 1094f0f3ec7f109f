/**
 * BigQuery warehouse: `bigquery://PROJECT/DATASET[?location=US]`, authenticated with Application
 * Default Credentials. See docs/deployment.md for the write strategy and its costs.
 */
import { runRecord, runRow, windowRecord, windowRow } from '../ledger-rows.js';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { BigQuery, type BigQueryOptions, type Job } from '@google-cloud/bigquery';
import { VIEWS } from '../../reports/focus-view.js';
import { SCHEMA_VERSION, TABLES, type Row, type TableDef, type TableName } from '../tables.js';
import {
  WarehouseError,
  type ExportFormat,
  WarehouseSchemaError,
  type QueryRow,
  type RunRecord,
  type SqlDialect,
  type Warehouse,
  type WindowRecord,
  type WindowSink,
  type WindowWrite,
} from '../warehouse.js';
import {
  bigQueryDialect,
  createViewSql,
  isValidDatasetId,
  isValidProjectId,
  listRunsSql,
  listWindowsSql,
  mergeRowSql,
  normalizeBqType,
  qualifiedTable,
  replaceWindowScript,
  schemaFields,
  schemaVersionSql,
  stagingResource,
  stagingTableId,
  tableResource,
  PARTITION_COLUMN,
  WINDOW_FROM_PARAM,
  WINDOW_TO_PARAM,
  type ReplaceTarget,
} from './bigquery-sql.js';
import {
  BigQueryValueError,
  csvLine,
  decodeRows,
  namedParam,
  ndjsonEncoder,
  positionalParam,
  rowParams,
  type QueryParameter,
  type RawField,
  type RawRow,
} from './bigquery-values.js';

export interface BigQueryLocation {
  kind: 'bigquery';
  project: string;
  dataset: string;
  location?: string;
}

/** What one finished job cost, for logs and tests. */
export interface JobStats {
  jobId: string;
  jobType: 'query' | 'load';
  purpose: string;
  totalBytesProcessed: number | null;
  totalBytesBilled: number | null;
  cacheHit: boolean | null;
  outputRows: number | null;
}

export interface OpenBigQueryOptions {
  readOnly?: boolean;
  /**
   * Passed to the client constructor, for tests (apiEndpoint + a static authClient) and unusual
   * setups. Production leaves it out: Application Default Credentials.
   */
  bigQueryOptions?: BigQueryOptions;
  /** Called after every job. Default: a DEBUG JSON line on stderr when stderr is not a terminal. */
  onJobStats?: (stats: JobStats) => void;
  /** Where NDJSON is staged before upload; default the OS temp dir. */
  tempDir?: string;
}

/** Parses `bigquery://PROJECT/DATASET[?location=LOC]`. */
export function parseBigQueryUrl(url: string): BigQueryLocation {
  const m = /^bigquery:\/\/([^/?#]+)\/([^/?#]+)\/?(?:\?([^#]*))?$/.exec(url.trim());
  if (!m) throw new WarehouseError(`"${url}" is not a BigQuery warehouse: use bigquery://PROJECT/DATASET[?location=US]`);
  const project = decodeURIComponent(m[1]!);
  const dataset = decodeURIComponent(m[2]!);
  const query = new URLSearchParams(m[3] ?? '');
  for (const key of query.keys()) {
    if (key !== 'location') throw new WarehouseError(`unknown BigQuery warehouse option "${key}" (only location is supported)`);
  }
  const location = query.get('location') ?? undefined;
  return validateLocation({ kind: 'bigquery', project, dataset, ...(location ? { location } : {}) });
}

function validateLocation(loc: BigQueryLocation): BigQueryLocation {
  if (!isValidProjectId(loc.project)) throw new WarehouseError(`"${loc.project}" is not a Google Cloud project id`);
  if (!isValidDatasetId(loc.dataset)) throw new WarehouseError(`"${loc.dataset}" is not a BigQuery dataset id (letters, digits, underscores)`);
  if (loc.location !== undefined && !/^[A-Za-z0-9-]{2,40}$/.test(loc.location)) {
    throw new WarehouseError(`"${loc.location}" is not a BigQuery location such as US, EU or us-central1`);
  }
  return loc;
}

export async function openBigQueryWarehouse(parsed: BigQueryLocation, opts: OpenBigQueryOptions = {}): Promise<BigQueryWarehouse> {
  return new BigQueryWarehouse(validateLocation(parsed), opts);
}

function defaultJobStats(stats: JobStats): void {
  if (process.stderr.isTTY) return;
  process.stderr.write(`${JSON.stringify({ severity: 'DEBUG', message: 'bigquery job', ...stats })}\n`);
}

function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function numberOrNull(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** BigQuery cancels one of two transactions that change the same table at once; the loser retries. */
function isConcurrentUpdate(err: unknown): boolean {
  return /concurrent update|could not serialize access/i.test((err as Error)?.message ?? '');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface JobMetadata {
  status?: { state?: string; errorResult?: { message?: string; reason?: string }; errors?: { message?: string }[] };
  statistics?: {
    query?: { totalBytesProcessed?: string; totalBytesBilled?: string; cacheHit?: boolean };
    load?: { outputRows?: string };
  };
}

interface StagedTable {
  def: TableDef;
  path: string;
  stream: WriteStream | null;
  encode: (row: Row) => string;
  rows: number;
}

export class BigQueryWarehouse implements Warehouse {
  readonly kind = 'bigquery';
  readonly location: string;
  readonly dialect: SqlDialect;
  private readonly client: BigQuery;
  private readonly ref: (name: string) => string;
  private jobLocation: string | undefined;
  /**
   * Mutating jobs from one process run one at a time: parallel stream workers would otherwise
   * cancel each other's transactions on the shared ledger table.
   */
  private mutating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly loc: BigQueryLocation,
    private readonly opts: OpenBigQueryOptions = {},
  ) {
    this.location = `bigquery://${loc.project}/${loc.dataset}${loc.location ? `?location=${loc.location}` : ''}`;
    this.dialect = bigQueryDialect(loc.project, loc.dataset);
    this.ref = (name) => qualifiedTable(loc.project, loc.dataset, name);
    this.jobLocation = loc.location;
    this.client = new BigQuery({
      projectId: loc.project,
      ...(loc.location ? { location: loc.location } : {}),
      ...opts.bigQueryOptions,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Schema

  async init(): Promise<void> {
    const dataset = this.client.dataset(this.loc.dataset);
    let meta: { location?: string } | undefined;
    try {
      [meta] = await dataset.getMetadata();
    } catch (err) {
      if (errorCode(err) !== 404) throw err;
      if (this.opts.readOnly) throw new WarehouseError(`${this.location} does not exist: run a backfill first to create it`);
      [, meta] = await this.client.createDataset(this.loc.dataset, {
        ...(this.loc.location ? { location: this.loc.location } : {}),
        description: 'Anthropic usage and cost data, written by claude-ingest.',
        labels: { 'managed-by': 'claude-ingest' },
      });
    }
    const actual = meta?.location;
    if (this.loc.location && actual && actual.toLowerCase() !== this.loc.location.toLowerCase()) {
      throw new WarehouseError(`dataset ${this.loc.project}.${this.loc.dataset} is in ${actual}, not ${this.loc.location}`);
    }
    this.jobLocation ??= actual;

    const existing = new Set<TableName>();
    for (const def of Object.values(TABLES)) {
      const table = dataset.table(def.name);
      try {
        const [tmeta] = await table.getMetadata();
        this.checkSchema(def, (tmeta as { schema?: { fields?: { name: string; type: string }[] } }).schema?.fields ?? []);
        existing.add(def.name);
      } catch (err) {
        if (errorCode(err) !== 404) throw err;
      }
    }

    // A view is rewritten only when its SQL changed, so a routine init stays free of DDL jobs. Should
    // BigQuery ever store the text differently, the cost is one free DDL job per init, not an error.
    const staleViews: { name: string; sql: string }[] = [];
    for (const v of VIEWS) {
      const sql = v.sql(this.dialect);
      try {
        const [vmeta] = await dataset.table(v.name).getMetadata();
        if ((vmeta as { view?: { query?: string } }).view?.query === sql) continue;
      } catch (err) {
        if (errorCode(err) !== 404) throw err;
      }
      staleViews.push({ name: v.name, sql });
    }

    if (existing.has('claude_ingest_meta')) {
      const rows = await this.runQuery(schemaVersionSql(this.ref), [namedParam('key', 'STRING', 'schema_version')], 'schema version');
      const raw = rows[0]?.value;
      const version = Number(raw);
      if (raw !== undefined && (!Number.isInteger(version) || version < 1)) {
        throw new WarehouseSchemaError(`${this.location} has schema_version "${String(raw)}": not a claude-ingest warehouse`);
      }
      if (version > SCHEMA_VERSION) {
        throw new WarehouseSchemaError(
          `${this.location} was written by a newer claude-ingest (schema ${version}, this one knows ${SCHEMA_VERSION}): upgrade claude-ingest`,
        );
      }
      if (version === SCHEMA_VERSION && existing.size === Object.keys(TABLES).length) {
        // Read-only opens leave an outdated view alone: the tables, which every job needs, are fine.
        if (!this.opts.readOnly) await this.createViews(staleViews);
        return;
      }
    }
    if (this.opts.readOnly) {
      throw new WarehouseError(`${this.location} is not initialised: run a backfill first to create its tables`);
    }
    for (const def of Object.values(TABLES)) {
      if (existing.has(def.name)) continue;
      try {
        await dataset.table(def.name).create(tableResource(def, this.loc.project, this.loc.dataset));
      } catch (err) {
        // Another process created it between our get and insert: same definition, nothing to do.
        if (errorCode(err) !== 409) throw err;
      }
    }
    // Views after the tables they read (BigQuery resolves a view's tables when it is created).
    await this.createViews(staleViews);
    // Version 1 is the first schema, so there is nothing to migrate yet; future versions add steps here.
    await this.mutate('schema version', mergeRowSql(TABLES.claude_ingest_meta, this.ref), [
      ...rowParams(TABLES.claude_ingest_meta, { key: 'schema_version', value: String(SCHEMA_VERSION) }),
    ]);
  }

  private async createViews(views: { name: string; sql: string }[]): Promise<void> {
    for (const v of views) await this.mutate(`view ${v.name}`, createViewSql(this.ref(v.name), v.sql), []);
  }

  private checkSchema(def: TableDef, fields: { name: string; type: string }[]): void {
    const have = new Map(fields.map((f) => [f.name, normalizeBqType(f.type)]));
    for (const want of schemaFields(def)) {
      const type = have.get(want.name);
      if (type === undefined || type !== want.type) {
        throw new WarehouseSchemaError(
          `${this.location}: table ${def.name} column ${want.name} is ${type ?? 'missing'}, expected ${want.type}; ` +
            'the table was not made by this version of claude-ingest',
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  async replaceWindow(write: WindowWrite, fill: (sink: WindowSink) => Promise<void>): Promise<number> {
    this.assertWritable();
    const dir = await mkdtemp(join(this.opts.tempDir ?? tmpdir(), 'claude-ingest-bq-'));
    const staged = new Map<TableName, StagedTable>();
    for (const name of write.tables) {
      const def = TABLES[name];
      if (!def) throw new WarehouseError(`unknown table ${String(name)}`);
      staged.set(name, { def, path: join(dir, `${name}.ndjson`), stream: null, encode: ndjsonEncoder(def), rows: 0 });
    }
    const days = write.days;
    const createdStaging: string[] = [];
    try {
      const sink: WindowSink = {
        append: async (table, rows) => {
          const s = staged.get(table);
          if (!s) throw new WarehouseError(`table ${table} is not part of this window (${write.tables.join(', ')})`);
          if (rows.length === 0) return;
          let chunk = '';
          for (const row of rows) {
            if (days && s.def.columns.some((c) => c.name === PARTITION_COLUMN)) {
              const day = row[PARTITION_COLUMN];
              // A row outside the replaced days would survive the next re-run's DELETE as a duplicate.
              if (typeof day !== 'string' || day < days.from || day > days.to) {
                throw new BigQueryValueError(`${table}: activity_date ${String(day)} is outside the window ${days.from}..${days.to}`);
              }
            }
            chunk += s.encode(row);
          }
          s.stream ??= createWriteStream(s.path, { encoding: 'utf8' });
          s.rows += rows.length;
          if (!s.stream.write(chunk)) await once(s.stream, 'drain');
        },
      };
      await fill(sink);
      for (const s of staged.values()) {
        if (!s.stream) continue;
        const stream = s.stream;
        await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }

      const targets: ReplaceTarget[] = [];
      for (const s of staged.values()) {
        let staging: string | null = null;
        if (s.rows > 0) {
          const id = stagingTableId(s.def.name, days);
          await this.loadStaging(s.def, id, s.path);
          createdStaging.push(id);
          staging = this.ref(id);
        }
        targets.push({ table: s.def.name, staging });
      }
      const params: QueryParameter[] = [...rowParams(TABLES.ingest_windows, windowRow({ ...write.ledger, status: 'ok' }))];
      if (days) params.push(namedParam(WINDOW_FROM_PARAM, 'DATE', days.from), namedParam(WINDOW_TO_PARAM, 'DATE', days.to));
      await this.mutate(`replace ${write.ledger.stream} ${days ? `${days.from}..${days.to}` : 'snapshot'}`, replaceWindowScript(targets, days !== undefined, this.ref), params);
      let total = 0;
      for (const s of staged.values()) total += s.rows;
      return total;
    } finally {
      for (const s of staged.values()) s.stream?.destroy();
      await rm(dir, { recursive: true, force: true });
      for (const id of createdStaging) {
        try {
          await this.client.dataset(this.loc.dataset).table(id).delete({ ignoreNotFound: true });
        } catch {
          // The staging table expires on its own within a day; a failed drop is not worth failing the window.
        }
      }
    }
  }

  /**
   * Upload through a load job (never streaming inserts: their buffer blocks DML for up to 90
   * minutes). The staging table is created first with an expiration, then truncated by the load.
   */
  private async loadStaging(def: TableDef, tableId: string, path: string): Promise<void> {
    const dataset = this.client.dataset(this.loc.dataset);
    const resource = stagingResource(def, this.loc.project, this.loc.dataset, tableId, Date.now());
    const table = dataset.table(tableId, this.jobLocation ? { location: this.jobLocation } : {});
    try {
      await table.create(resource);
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
      // Left over from a killed run of this window: the load truncates it; only refresh the expiry.
      await table.setMetadata({ expirationTime: resource.expirationTime });
    }
    const [job] = await table.createLoadJob(path, {
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_TRUNCATE',
      createDisposition: 'CREATE_NEVER',
      schema: resource.schema,
      maxBadRecords: 0,
      ignoreUnknownValues: false,
      jobPrefix: 'claude_ingest_load_',
    });
    await this.waitJob(job, 'load', `stage ${def.name}`);
  }

  async recordWindow(record: WindowRecord): Promise<void> {
    this.assertWritable();
    await this.mutate(`ledger ${record.stream}`, mergeRowSql(TABLES.ingest_windows, this.ref), rowParams(TABLES.ingest_windows, windowRow(record)));
  }

  async recordRun(record: RunRecord): Promise<void> {
    this.assertWritable();
    await this.mutate('ledger run', mergeRowSql(TABLES.ingest_runs, this.ref), rowParams(TABLES.ingest_runs, runRow(record)));
  }

  async upsertLedgerRow(table: TableName, row: Row): Promise<void> {
    this.assertWritable();
    const def = TABLES[table];
    if (def?.kind !== 'ledger') throw new WarehouseError(`upsertLedgerRow: ${String(table)} is not a ledger table`);
    await this.mutate(`ledger ${table}`, mergeRowSql(def, this.ref), rowParams(def, row));
  }

  private assertWritable(): void {
    if (this.opts.readOnly) throw new WarehouseError(`${this.location} was opened read-only`);
  }

  /** Serialised, retried on transaction conflicts with other processes (the script is idempotent). */
  private mutate(purpose: string, sql: string, params: QueryParameter[]): Promise<QueryRow[]> {
    const run = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.runQuery(sql, params, purpose);
        } catch (err) {
          if (attempt >= 4 || !isConcurrentUpdate(err)) throw err;
          await sleep(1000 * 2 ** attempt + Math.random() * 1000);
        }
      }
    };
    const next = this.mutating.then(run, run);
    this.mutating = next.catch(() => undefined);
    return next;
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  async listWindows(filter: { stream?: string; status?: WindowRecord['status'] } = {}): Promise<WindowRecord[]> {
    const rows = await this.runQuery(
      listWindowsSql(this.ref),
      [namedParam('stream', 'STRING', filter.stream ?? null), namedParam('status', 'STRING', filter.status ?? null)],
      'list windows',
    );
    return rows.map(windowRecord);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new WarehouseError(`limit must be a whole number, got ${limit}`);
    const rows = await this.runQuery(listRunsSql(this.ref), [namedParam('limit', 'INT64', limit)], 'list runs');
    return rows.map(runRecord);
  }

  async query(sql: string, params: unknown[] = []): Promise<QueryRow[]> {
    return this.runQuery(sql, params.map(positionalParam), 'query', 'POSITIONAL');
  }

  /**
   * Runs the query and streams its result pages into the file (via a temporary file renamed at the
   * end, so a failed export never leaves half a file behind). Values are exactly what query()
   * returns: money as exact decimal strings, dates 'YYYY-MM-DD', timestamps ISO. Parquet would need
   * EXPORT DATA to Cloud Storage and a download, so it is refused rather than half-supported.
   */
  async exportQuery(sql: string, params: unknown[], file: string, format: ExportFormat): Promise<void> {
    if (format === 'parquet') throw new WarehouseError('parquet export from BigQuery needs EXPORT DATA to Cloud Storage; use csv or json');
    if (format !== 'csv' && format !== 'json') throw new WarehouseError(`export format "${String(format)}" is not one of csv, json`);
    // A cheap guard, not a sandbox: what a query may change is up to the identity's IAM roles.
    if (!/^\s*(?:\(\s*)*(?:SELECT|WITH)\b/i.test(sql)) throw new WarehouseError('exportQuery() exports a SELECT only');
    const queryParams = params.map(positionalParam);
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    const out = createWriteStream(tmp, { encoding: 'utf8' });
    try {
      let headerWritten = false;
      await this.runQueryPages(sql, queryParams, 'export', 'POSITIONAL', async (fields, rows) => {
        const names = fields.map((f) => f.name);
        let chunk = '';
        if (format === 'csv' && !headerWritten) {
          chunk += csvLine(names);
          headerWritten = true;
        }
        for (const row of rows) chunk += format === 'csv' ? csvLine(names.map((n) => row[n] ?? null)) : `${JSON.stringify(row)}\n`;
        if (chunk && !out.write(chunk)) await once(out, 'drain');
      });
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await rename(tmp, file);
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.mutating;
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  private async runQuery(sql: string, params: QueryParameter[], purpose: string, mode: 'NAMED' | 'POSITIONAL' = 'NAMED'): Promise<QueryRow[]> {
    const out: QueryRow[] = [];
    await this.runQueryPages(sql, params, purpose, mode, (_fields, rows) => {
      out.push(...rows);
    });
    return out;
  }

  /**
   * Runs a query job and hands over its result one page at a time (at least once, with the schema,
   * even for an empty result), so an export's memory holds one page rather than the whole result.
   */
  private async runQueryPages(
    sql: string,
    params: QueryParameter[],
    purpose: string,
    mode: 'NAMED' | 'POSITIONAL',
    onPage: (fields: RawField[], rows: QueryRow[]) => void | Promise<void>,
  ): Promise<void> {
    const [job] = await this.client.createJob({
      configuration: {
        query: {
          query: sql,
          useLegacySql: false,
          ...(params.length ? { parameterMode: mode, queryParameters: params } : {}),
        },
        labels: { 'managed-by': 'claude-ingest' },
      },
      jobPrefix: 'claude_ingest_',
      ...(this.jobLocation ? { location: this.jobLocation } : {}),
    });
    await this.waitJob(job, 'query', purpose);
    let pageToken: string | undefined;
    for (;;) {
      const [rows, , resp] = (await job.getQueryResults({
        autoPaginate: false,
        skipParsing: true,
        maxResults: 10_000,
        ...(pageToken ? { pageToken } : {}),
      })) as unknown as [RawRow[] | null, unknown, { schema?: { fields?: RawField[] }; pageToken?: string; jobComplete?: boolean }];
      // waitJob saw DONE, but getQueryResults may still report incomplete for a moment: ask again.
      if (resp.jobComplete === false) continue;
      const fields = resp.schema?.fields ?? [];
      await onPage(fields, decodeRows(fields, rows ?? []));
      pageToken = resp.pageToken;
      if (!pageToken) return;
    }
  }

  private async waitJob(job: Job, jobType: JobStats['jobType'], purpose: string): Promise<void> {
    let meta = job.metadata as JobMetadata;
    for (let delay = 200; meta?.status?.state !== 'DONE'; delay = Math.min(delay * 2, 5000)) {
      await sleep(delay);
      [meta] = (await job.getMetadata()) as unknown as [JobMetadata];
    }
    const stats: JobStats = {
      jobId: job.id ?? '',
      jobType,
      purpose,
      totalBytesProcessed: numberOrNull(meta.statistics?.query?.totalBytesProcessed),
      totalBytesBilled: numberOrNull(meta.statistics?.query?.totalBytesBilled),
      cacheHit: meta.statistics?.query?.cacheHit ?? null,
      outputRows: numberOrNull(meta.statistics?.load?.outputRows),
    };
    (this.opts.onJobStats ?? defaultJobStats)(stats);
    const failure = meta.status?.errorResult;
    if (failure) {
      const details = (meta.status?.errors ?? []).map((e) => e.message).filter((m) => m && m !== failure.message);
      throw new WarehouseError(`BigQuery ${jobType} job ${stats.jobId} (${purpose}) failed: ${failure.message ?? failure.reason}${details.length ? `; ${details.join('; ')}` : ''}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ledger rows

