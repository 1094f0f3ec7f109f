/**
 * BigQuery warehouse: `bigquery://PROJECT/DATASET[?location=US][&endpoint=URL][&auth=adc|none|token]`.
 * This class only orchestrates; the parts live beside it: client.ts (endpoint and credentials),
 * schema.ts + migrations.ts, jobs.ts, window-load.ts, export.ts, errors.ts (one-line failures).
 * See docs/deployment.md for the write strategy and its costs.
 */
import type { BigQuery, BigQueryOptions } from '@google-cloud/bigquery';
import { runRecord, runRow, windowRecord, windowRow } from '../ledger-rows.js';
import { ADOPTED_KEY, adoptableTables, adoptionSql, unattributedCountSql } from '../organization-adoption.js';
import { TABLES, type LedgerTableName, type RowOf } from '../tables.js';
import {
  WarehouseError,
  type ExportFormat,
  type ExportOptions,
  type QueryRow,
  type RunRecord,
  type SqlDialect,
  type Warehouse,
  type WindowRecord,
  type WindowSink,
  type WindowWrite,
  type OrganizationAttribution,
} from '../warehouse.js';
import { bigQueryDialect, isValidDatasetId, isValidProjectId, listRunsSql, listWindowsSql, mergeRowSql, qualifiedTable } from './bigquery-sql.js';
import { namedParam, positionalParam, rowParams } from './bigquery-values.js';
import { checkCredentialFile, createClient, DEFAULT_ENDPOINT, resolveConnection, type BigQueryAuth, type ConnectionSettings } from './client.js';
import { changeTokenSql } from './change-token.js';
import { describeBigQueryError, type ErrorScene } from './errors.js';
import { exportQuery } from './export.js';
import { JobRunner, type JobStats } from './jobs.js';
import type { BigQueryMigration } from './migrations.js';
import { initSchema } from './schema.js';
import { replaceWindow } from './window-load.js';

export type { JobStats } from './jobs.js';

export interface BigQueryLocation {
  kind: 'bigquery';
  project: string;
  dataset: string;
  location?: string;
  /** API root for an emulator or a private endpoint (`?endpoint=`); BIGQUERY_EMULATOR_HOST otherwise. */
  endpoint?: string;
  /** `?auth=`: adc (Application Default Credentials), none (emulators), token (CLAUDE_INGEST_BIGQUERY_TOKEN). */
  auth?: BigQueryAuth;
}

export interface OpenBigQueryOptions {
  readOnly?: boolean;
  /** Passed to the client constructor last, for unusual setups; endpoint and auth come from the location. */
  bigQueryOptions?: BigQueryOptions;
  /** Called after every job. Default: a DEBUG JSON line on stderr when stderr is not a terminal. */
  onJobStats?: (stats: JobStats) => void;
  /** Where NDJSON is staged before upload; default the OS temp dir. */
  tempDir?: string;
  /** Environment to read BIGQUERY_EMULATOR_HOST, CLAUDE_INGEST_BIGQUERY_TOKEN and GOOGLE_APPLICATION_CREDENTIALS from. */
  env?: NodeJS.ProcessEnv;
  /** Replaces the migration steps (tests of the migration framework). */
  migrations?: Record<number, BigQueryMigration>;
  /** First wait before retrying a concurrent-update conflict (tests). */
  conflictRetryMinMs?: number;
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
  const loc = validateLocation(parsed);
  const env = opts.env ?? process.env;
  const settings = resolveConnection({ endpoint: loc.endpoint, auth: loc.auth }, env);
  checkCredentialFile(settings, env);
  return new BigQueryWarehouse(loc, settings, opts, env);
}

function printableUrl(loc: BigQueryLocation, settings: ConnectionSettings): string {
  // Written out by hand: URLSearchParams would percent-encode the endpoint into something unreadable.
  const query: string[] = [];
  if (loc.location) query.push(`location=${loc.location}`);
  if (loc.endpoint !== undefined && settings.endpoint) query.push(`endpoint=${settings.endpoint}`);
  if (loc.auth) query.push(`auth=${loc.auth}`);
  return `bigquery://${loc.project}/${loc.dataset}${query.length ? `?${query.join('&')}` : ''}`;
}

export class BigQueryWarehouse implements Warehouse {
  readonly kind = 'bigquery';
  readonly location: string;
  readonly dialect: SqlDialect;
  private readonly client: BigQuery;
  private readonly jobs: JobRunner;
  private readonly ref: (name: string) => string;
  private readonly scene: ErrorScene;
  /** Reader-optional tables the dataset lacks (a read-only open of a dataset made before them). */
  private absent: ReadonlySet<string> = new Set();

  constructor(
    private readonly loc: BigQueryLocation,
    settings: ConnectionSettings,
    private readonly opts: OpenBigQueryOptions = {},
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.location = printableUrl(loc, settings);
    this.dialect = bigQueryDialect(loc.project, loc.dataset);
    this.ref = (name) => qualifiedTable(loc.project, loc.dataset, name);
    this.client = createClient(loc.project, loc.location, settings, opts.bigQueryOptions, env);
    this.jobs = new JobRunner(this.client, loc.location, {
      ...(opts.onJobStats ? { onJobStats: opts.onJobStats } : {}),
      ...(opts.conflictRetryMinMs !== undefined ? { conflictRetryMinMs: opts.conflictRetryMinMs } : {}),
    });
    this.scene = {
      project: loc.project,
      dataset: loc.dataset,
      endpoint: settings.endpoint ?? DEFAULT_ENDPOINT,
      readOnly: opts.readOnly ?? false,
    };
  }

  /** Whatever a BigQuery call throws leaves here as one readable WarehouseError. */
  private async guard<T>(during: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw describeBigQueryError(err, this.scene, during);
    }
  }

  lacks(table: string): boolean {
    return this.absent.has(table);
  }

  async init(): Promise<void> {
    this.absent = await this.guard('opening the dataset', () =>
      initSchema({
        client: this.client,
        jobs: this.jobs,
        project: this.loc.project,
        dataset: this.loc.dataset,
        location: this.loc.location,
        printable: this.location,
        readOnly: this.opts.readOnly ?? false,
        dialect: this.dialect,
        ref: this.ref,
        ...(this.opts.migrations ? { migrations: this.opts.migrations } : {}),
      }),
    );
  }

  async replaceWindow(write: WindowWrite, fill: (sink: WindowSink) => Promise<void>): Promise<number> {
    this.assertWritable();
    return replaceWindow(
      {
        client: this.client,
        jobs: this.jobs,
        project: this.loc.project,
        dataset: this.loc.dataset,
        ref: this.ref,
        ...(this.opts.tempDir ? { tempDir: this.opts.tempDir } : {}),
        guard: (during, fn) => this.guard(during, fn),
      },
      write,
      fill,
    );
  }

  /** One multi-statement transaction (see organization-adoption.ts); the meta key makes it once only. */
  async attributeOrganization(organizationId: string | null): Promise<OrganizationAttribution> {
    this.assertWritable();
    const d = this.dialect;
    const done = await this.guard('reading the schema version', () =>
      this.jobs.runQuery(`SELECT 1 AS x FROM ${d.table('claude_ingest_meta')} WHERE ${d.ident('key')} = @key`, [namedParam('key', 'STRING', ADOPTED_KEY)], 'attribution'),
    );
    if (done.length > 0) return { attributed: 0, unattributed: 0 };
    if (organizationId === null) {
      const rows = await this.guard('counting rows', () => this.jobs.runQuery(unattributedCountSql(d), [], 'attribution'));
      return { attributed: 0, unattributed: rows.reduce((s, r) => s + Number(r.n), 0) };
    }
    const lines = ['BEGIN TRANSACTION;'];
    for (const def of adoptableTables()) {
      const { byRun, rest } = adoptionSql(d, def, '@organization');
      if (byRun) lines.push(`${byRun};`);
      lines.push(`${rest};`);
    }
    lines.push(`INSERT INTO ${d.table('claude_ingest_meta')} (${d.ident('key')}, ${d.ident('value')}) VALUES (@key, @organization);`, 'COMMIT TRANSACTION;');
    await this.guard('attributing rows to the organization', () =>
      this.jobs.mutate('attribute organization', lines.join('\n'), [namedParam('organization', 'STRING', organizationId), namedParam('key', 'STRING', ADOPTED_KEY)]),
    );
    // BigQuery does not report per-statement counts for a script; what matters is that none is left.
    return { attributed: 0, unattributed: 0 };
  }

  async recordWindow(record: WindowRecord): Promise<void> {
    this.assertWritable();
    await this.guard('writing the ledger', () =>
      this.jobs.mutate(`ledger ${record.stream}`, mergeRowSql(TABLES.ingest_windows, this.ref), rowParams(TABLES.ingest_windows, windowRow(record))),
    );
  }

  async recordRun(record: RunRecord): Promise<void> {
    this.assertWritable();
    await this.guard('writing the ledger', () =>
      this.jobs.mutate('ledger run', mergeRowSql(TABLES.ingest_runs, this.ref), rowParams(TABLES.ingest_runs, runRow(record))),
    );
  }

  async upsertLedgerRow<N extends LedgerTableName>(table: N, row: RowOf<NoInfer<N>>): Promise<void> {
    this.assertWritable();
    const def = TABLES[table];
    if (def?.kind !== 'ledger') throw new WarehouseError(`upsertLedgerRow: ${String(table)} is not a ledger table`);
    await this.guard('writing the ledger', () => this.jobs.mutate(`ledger ${table}`, mergeRowSql(def, this.ref), rowParams(def, row)));
  }

  private assertWritable(): void {
    if (this.opts.readOnly) throw new WarehouseError(`${this.location} was opened read-only`);
  }

  async listWindows(filter: { stream?: string; status?: WindowRecord['status'] } = {}): Promise<WindowRecord[]> {
    const rows = await this.guard('reading the ledger', () =>
      this.jobs.runQuery(
        listWindowsSql(this.ref),
        [namedParam('stream', 'STRING', filter.stream ?? null), namedParam('status', 'STRING', filter.status ?? null)],
        'list windows',
      ),
    );
    return rows.map(windowRecord);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new WarehouseError(`limit must be a whole number, got ${limit}`);
    const rows = await this.guard('reading the ledger', () => this.jobs.runQuery(listRunsSql(this.ref), [namedParam('limit', 'INT64', limit)], 'list runs'));
    return rows.map(runRecord);
  }

  async query(sql: string, params: unknown[] = []): Promise<QueryRow[]> {
    const typed = params.map(positionalParam);
    return this.guard('running a query', () => this.jobs.runQuery(sql, typed, 'query', 'POSITIONAL'));
  }

  /** Values are exactly what query() returns, written by the shared CSV / JSON-lines writer. */
  async exportQuery(sql: string, params: unknown[], file: string, format: ExportFormat, options: ExportOptions = {}): Promise<void> {
    await this.guard('exporting', () => exportQuery(this.jobs, sql, params, file, format, options));
  }

  /** From the ledger (see change-token.ts): one small query. */
  async changeToken(): Promise<string> {
    const rows = await this.guard('reading the ledger', () => this.jobs.runQuery(changeTokenSql(this.ref), [], 'change token'));
    return JSON.stringify(rows[0] ?? null);
  }

  async close(): Promise<void> {
    await this.jobs.idle();
  }
}
