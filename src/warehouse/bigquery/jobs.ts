/**
 * Query and load jobs: start one, wait with the client library's own job promise, report what it
 * cost, hand over its result one page at a time. Mutating jobs of one process run one at a time and
 * are retried when BigQuery cancels them for a concurrent update by another process.
 */
import type { BigQuery, Job } from '@google-cloud/bigquery';
import { retry } from '../../util/retry.js';
import { WarehouseError, type QueryRow } from '../warehouse.js';
import { decodeRows, type QueryParameter, type RawField, type RawRow } from './bigquery-values.js';

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

interface JobMetadata {
  status?: { state?: string; errorResult?: { message?: string; reason?: string }; errors?: { message?: string }[] };
  statistics?: {
    query?: { totalBytesProcessed?: string; totalBytesBilled?: string; cacheHit?: boolean };
    load?: { outputRows?: string };
  };
}

export type ParameterMode = 'NAMED' | 'POSITIONAL';

/** A failed job: its own error text, already one readable line. */
export class BigQueryJobError extends WarehouseError {}

function numberOrNull(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** BigQuery cancels one of two transactions that change the same table at once; the loser retries. */
export function isConcurrentUpdate(err: unknown): boolean {
  return /concurrent update|could not serialize access/i.test((err as Error | null)?.message ?? '');
}

function defaultJobStats(stats: JobStats): void {
  if (process.stderr.isTTY) return;
  process.stderr.write(`${JSON.stringify({ severity: 'DEBUG', message: 'bigquery job', ...stats })}\n`);
}

export interface JobRunnerOptions {
  /** Called after every job. Default: a DEBUG JSON line on stderr when stderr is not a terminal. */
  onJobStats?: (stats: JobStats) => void;
  /** First wait before retrying a concurrent-update conflict; tests shorten it. */
  conflictRetryMinMs?: number;
}

export class JobRunner {
  /** Where jobs run; learnt from the dataset when the URL named no location. */
  location: string | undefined;
  private mutating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: BigQuery,
    location: string | undefined,
    private readonly opts: JobRunnerOptions = {},
  ) {
    this.location = location;
  }

  async runQuery(sql: string, params: QueryParameter[], purpose: string, mode: ParameterMode = 'NAMED'): Promise<QueryRow[]> {
    const out: QueryRow[] = [];
    await this.runQueryPages(sql, params, purpose, mode, (_fields, rows) => {
      out.push(...rows);
    });
    return out;
  }

  /**
   * Runs a query job and hands over its result one page at a time (at least once, with the schema,
   * even for an empty result), so an export's memory holds one page rather than the whole result.
   * Rows stay raw (skipParsing) so money reaches decodeRows as exact text.
   */
  async runQueryPages(
    sql: string,
    params: QueryParameter[],
    purpose: string,
    mode: ParameterMode,
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
      ...(this.location ? { location: this.location } : {}),
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
      // The job is DONE, but getQueryResults may still report incomplete for a moment: ask again.
      if (resp.jobComplete === false) continue;
      const fields = resp.schema?.fields ?? [];
      await onPage(fields, decodeRows(fields, rows ?? []));
      pageToken = resp.pageToken;
      if (!pageToken) return;
    }
  }

  /**
   * Waits through job.promise() (the library polls until DONE and rejects on errorResult), then
   * reports the job's statistics whatever the outcome, and turns a failure into one line that
   * names the job and its purpose.
   */
  async waitJob(job: Job, jobType: JobStats['jobType'], purpose: string): Promise<void> {
    let failed: unknown = null;
    try {
      await job.promise();
    } catch (err) {
      failed = err;
    }
    const meta = (job.metadata ?? {}) as JobMetadata;
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
      throw new BigQueryJobError(
        `BigQuery ${jobType} job ${stats.jobId} (${purpose}) failed: ${failure.message ?? failure.reason}${details.length ? `; ${details.join('; ')}` : ''}`,
      );
    }
    // Polling itself failed (network, permissions): not the job's error, so the caller classifies it.
    if (failed) throw failed;
  }

  /**
   * A statement that changes data: serialised within the process (parallel stream workers would
   * otherwise cancel each other's transactions on the shared ledger table) and retried when another
   * process won a concurrent-update race. Every mutating statement is idempotent, so a retry is safe.
   */
  mutate(purpose: string, sql: string, params: QueryParameter[]): Promise<QueryRow[]> {
    const run = () =>
      retry(() => this.runQuery(sql, params, purpose), {
        attempts: 4,
        firstWaitMs: this.opts.conflictRetryMinMs ?? 2000,
        retryable: isConcurrentUpdate,
      });
    const next = this.mutating.then(run, run);
    this.mutating = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every mutating statement started so far has settled. */
  async idle(): Promise<void> {
    await this.mutating;
  }
}
