/**
 * Runs window tasks through a bounded pool of workers. Each window is fetched page by page into the
 * warehouse's staging area and committed atomically together with its ledger row; a failure marks
 * the window failed in the ledger and the run goes on with the others, unless the failure would hit
 * every window (wrong key, unreachable API), which stops the run.
 */
import type { AdminApiClient } from '../source/http-client.js';
import { ConfigError, SourceError } from '../source/errors.js';
import { redactKey } from '../source/base-url.js';
import { newRequestStats } from '../source/types.js';
import type { Organization } from '../source/schemas.js';
import { StreamUnavailableError } from '../streams/analytics-unavailable.js';
import type { StreamOptions } from '../streams/stream.js';
import { WindowTally } from '../transform/tally.js';
import type { IsoDay } from '../util/dates.js';
import { oneLine } from '../util/one-line.js';
import type { Warehouse, WindowRecord } from '../warehouse/warehouse.js';
import type { EmitEvent } from './events.js';
import type { WindowTask } from './windows.js';

export interface ExecutionContext {
  warehouse: Warehouse;
  client: AdminApiClient;
  runId: string;
  options: StreamOptions;
  concurrency: number;
  today: IsoDay;
  emit: EmitEvent;
  /** Scrubbed from every error message before it reaches the ledger or the log. */
  apiKey: string;
  /** Every window of the run reads and replaces this organization's data only. */
  organization: Organization;
}

export interface ExecutionResult {
  ok: number;
  failed: number;
  rows: number;
  /** Rows of usage, cost and Claude Code windows (not the org name lists). */
  factRows: number;
  requests: number;
  rateLimited: number;
  /** What stopped the run early, if anything; `config` when the cause is a setting, not the API. */
  fatal: { message: string; config: boolean } | null;
}

const nowIso = () => new Date().toISOString();

/** The ledger's one-line reason for a failed window, without the key. */
function failureReason(err: unknown, key: string): string {
  return oneLine(redactKey(err instanceof Error ? err.message : String(err), key), 1000);
}

export async function executeWindows(ctx: ExecutionContext, tasks: WindowTask[]): Promise<ExecutionResult> {
  const result: ExecutionResult = { ok: 0, failed: 0, rows: 0, factRows: 0, requests: 0, rateLimited: 0, fatal: null };
  let next = 0;
  /** Streams whose endpoint answered 403/404 to a first request: their remaining windows are not tried this run. */
  const unavailable = new Set<string>();

  async function runOne(task: WindowTask): Promise<void> {
    const { stream, window } = task;
    const stats = newRequestStats();
    const record: WindowRecord = {
      runId: ctx.runId,
      organizationId: ctx.organization.id,
      stream: stream.name,
      windowStart: window.from,
      windowEnd: window.to,
      status: 'running',
      // Only days that had ended before we read them are final; today's partial day is re-read later.
      complete: window.to < ctx.today,
      rows: 0,
      requests: 0,
      retries: 0,
      rateLimited: 0,
      centsTotal: null,
      error: null,
      startedAt: nowIso(),
      finishedAt: null,
    };
    ctx.emit({ type: 'window_start', stream: stream.name, from: window.from, to: window.to });
    await ctx.warehouse.recordWindow(record);
    let centsTotal: string | null = null;
    let warnings: string[] = [];
    try {
      const lineage = { run_id: ctx.runId, ingested_at: record.startedAt };
      const tally = new WindowTally();
      const done: WindowRecord = { ...record, status: 'ok' };
      const rows = await ctx.warehouse.replaceWindow(
        { organizationId: ctx.organization.id, tables: stream.tables, days: stream.writeMode === 'replace-days' ? window : undefined, ledger: done },
        async (sink) => {
          const summary = await stream.fetchWindow(
            window,
            { client: ctx.client, stats, lineage, options: ctx.options, tally, organization: ctx.organization },
            sink,
          );
          centsTotal = summary.centsTotal;
          warnings = summary.warnings ?? [];
          // The ledger row commits in the same transaction as the rows, so it must carry the final counts.
          Object.assign(done, {
            rows: summary.rows,
            requests: stats.requests,
            retries: stats.retries,
            rateLimited: stats.rateLimited,
            centsTotal: summary.centsTotal,
            roundedValues: tally.rounded,
            unknownMeasures: tally.unknownMeasuresJson(),
            finishedAt: nowIso(),
          });
        },
      );
      result.ok++;
      result.rows += rows;
      for (const message of warnings) ctx.emit({ type: 'warning', message });
      if (stream.writeMode === 'replace-days') result.factRows += rows;
      ctx.emit({
        type: 'window_ok',
        stream: stream.name,
        from: window.from,
        to: window.to,
        rows,
        requests: stats.requests,
        retries: stats.retries,
        rateLimited: stats.rateLimited,
        centsTotal,
      });
    } catch (err) {
      const error = failureReason(err, ctx.apiKey);
      if (err instanceof StreamUnavailableError) {
        // Not a failure: the ledger says so (status, retry and validate skip it), the next run asks again.
        await ctx.warehouse.recordWindow({ ...record, status: 'unavailable', requests: stats.requests, error, finishedAt: nowIso() });
        if (!unavailable.has(stream.name)) {
          unavailable.add(stream.name);
          ctx.emit({ type: 'warning', message: `${error}; its windows are skipped this run and asked for again by the next run` });
        }
        return;
      }
      result.failed++;
      await ctx.warehouse.recordWindow({
        ...record,
        status: 'failed',
        requests: stats.requests,
        retries: stats.retries,
        rateLimited: stats.rateLimited,
        error,
        finishedAt: nowIso(),
      });
      ctx.emit({ type: 'window_failed', stream: stream.name, from: window.from, to: window.to, error, requests: stats.requests, rateLimited: stats.rateLimited });
      if (err instanceof SourceError && err.fatal && !result.fatal) result.fatal = { message: error, config: err instanceof ConfigError };
    } finally {
      result.requests += stats.requests;
      result.rateLimited += stats.rateLimited;
    }
  }

  async function worker(): Promise<void> {
    while (!result.fatal) {
      const task = tasks[next++];
      if (!task) return;
      if (unavailable.has(task.stream.name)) continue;
      await runOne(task);
    }
  }

  const workers = Array.from({ length: Math.max(1, Math.min(ctx.concurrency, tasks.length)) }, () => worker());
  await Promise.all(workers);
  return result;
}
