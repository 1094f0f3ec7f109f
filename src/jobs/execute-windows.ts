/**
 * Runs window tasks through a bounded pool of workers. Each window is fetched page by page into the
 * warehouse's staging area and committed atomically together with its ledger row; a failure marks
 * the window failed in the ledger and the run goes on with the others, unless the failure would hit
 * every window (wrong key, unreachable API), which stops the run.
 */
import type { AdminApiClient } from '../source/http-client.js';
import { ApiError, ConfigError, SourceError } from '../source/errors.js';
import { redactKey } from '../source/base-url.js';
import { newRequestStats } from '../source/types.js';
import type { Organization } from '../source/schemas.js';
import { StreamUnavailableError } from '../streams/analytics-unavailable.js';
import type { StreamOptions, WindowBatches, WindowSummary } from '../streams/stream.js';
import { WindowTally } from '../transform/tally.js';
import { daysBetween, type IsoDay } from '../util/dates.js';
import { oneLine } from '../util/one-line.js';
import { WarehouseStorageError, type Warehouse, type WindowRecord, type WindowSink } from '../warehouse/warehouse.js';
import type { TableBatch } from '../warehouse/window-writer.js';
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
  /** Streams this key may not read (403 to their requests), with the answer; skipped, not failed. */
  refused: Map<string, string>;
}

const nowIso = () => new Date().toISOString();

/**
 * Windows of streams with `largePages` (the Analytics API) open at once, at most. Their pages are
 * streamed a row at a time (Round 15), but each window still holds its transaction's appenders for
 * three tables, its uncommitted rows in DuckDB's pool and its queries' row-key sets; on the one-year
 * large backfill with a time zone the peak RSS came when three analytics_cost windows ran side by side
 * (docs/performance.md, Round 14). Workers take the next window of another stream meanwhile, so the
 * others keep the concurrency.
 */
export const MAX_LARGE_PAGE_WINDOWS = 2;
/**
 * Only windows longer than this many days count: a page's size grows with its days. A daily run's
 * analytics windows of a few days hold small pages, and holding them back made the run 1.18x slower
 * (measured: 4.6 -> 5.5 s on the one-year large warehouse).
 */
export const LARGE_PAGE_WINDOW_DAYS = 7;

function holdsLargePages(t: WindowTask): boolean {
  return t.stream.largePages === true && daysBetween(t.window.from, t.window.to) + 1 > LARGE_PAGE_WINDOW_DAYS;
}

/** The ledger's one-line reason for a failed window, without the key. */
function failureReason(err: unknown, key: string): string {
  return oneLine(redactKey(err instanceof Error ? err.message : String(err), key), 1000);
}

/**
 * Hands every batch a stream yields to the window writer (which batches, stamps and stages them) and
 * returns what the stream noticed besides its rows. A failure on either side ends the generator, so
 * the stream's pagination is closed and the window rolled back.
 */
async function load(batches: WindowBatches, sink: WindowSink): Promise<WindowSummary> {
  const out: { summary?: WindowSummary | void } = {};
  async function* all(): AsyncGenerator<TableBatch> {
    out.summary = yield* batches;
  }
  for await (const batch of all()) await sink.append(batch.table, batch.rows);
  return out.summary ?? {};
}

export async function executeWindows(ctx: ExecutionContext, tasks: WindowTask[]): Promise<ExecutionResult> {
  const result: ExecutionResult = { ok: 0, failed: 0, rows: 0, factRows: 0, requests: 0, rateLimited: 0, fatal: null, refused: new Map() };
  /** Windows not begun, in the plan's order. */
  const pending = [...tasks];
  let largeOpen = 0;
  /** Workers waiting for a large-page window to end (every window left is one, and the limit is reached). */
  let waiting: Array<() => void> = [];
  /** Streams whose endpoint answered 403/404 to a first request: their remaining windows are not tried this run. */
  const unavailable = new Set<string>();
  /** Set when a failure stops the run but is no setting's fault: the windows not begun are recorded failed with it, so `retry` finds them. */
  let stoppedBy: string | null = null;
  /** The warehouse's file or disk failed: nothing more is attempted (or recorded: it would be a write). */
  let storageFailure: WarehouseStorageError | null = null;

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
      const tally = new WindowTally();
      const done: WindowRecord = { ...record, status: 'ok' };
      const streamCtx = { client: ctx.client, stats, options: ctx.options, tally, organization: ctx.organization, startedAt: record.startedAt };
      const rows = await ctx.warehouse.replaceWindow(
        // The writer stamps every row with the organization and the ledger row's runId and startedAt.
        { organizationId: ctx.organization.id, tables: stream.tables, days: stream.writeMode === 'replace-days' ? window : undefined, ledger: done },
        async (sink) => {
          const s = await load(stream.fetchWindow(window, streamCtx), sink);
          centsTotal = s.centsTotal ?? null;
          warnings = s.warnings ?? [];
          // The ledger row commits in the same transaction as the rows, so it must carry the final
          // counts (the rows: the writer's own count).
          Object.assign(done, {
            requests: stats.requests,
            retries: stats.retries,
            rateLimited: stats.rateLimited,
            centsTotal,
            roundedValues: tally.rounded,
            unknownMeasures: tally.unknownMeasuresJson(),
            dataRefreshedAt: s.dataRefreshedAt ?? null,
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
      if (err instanceof WarehouseStorageError) {
        storageFailure ??= err;
        return;
      }
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
      if (err instanceof ApiError && err.status === 403) {
        // What a key may read is learned from the answers: a read:analytics key is refused every
        // other endpoint. That stream is skipped for this key (said once, after the run), not failed.
        await ctx.warehouse.recordWindow({ ...record, status: 'unavailable', requests: stats.requests, error, finishedAt: nowIso() });
        unavailable.add(stream.name);
        if (!result.refused.has(stream.name)) result.refused.set(stream.name, error);
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
      if (err instanceof SourceError && (err.fatal || err.stopsRun) && !result.fatal) {
        result.fatal = { message: error, config: err instanceof ConfigError };
        if (err.stopsRun) stoppedBy = error;
      }
    } finally {
      result.requests += stats.requests;
      result.rateLimited += stats.rateLimited;
    }
  }

  /** The first window not begun that may start now; 'wait' when every one left is held back by the large-page limit. */
  function take(): WindowTask | 'wait' | undefined {
    const i = pending.findIndex((t) => !holdsLargePages(t) || largeOpen < MAX_LARGE_PAGE_WINDOWS);
    if (i < 0) return pending.length > 0 ? 'wait' : undefined;
    return pending.splice(i, 1)[0];
  }

  async function worker(): Promise<void> {
    while (!result.fatal && !storageFailure) {
      const task = take();
      if (!task) return;
      if (task === 'wait') {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      if (unavailable.has(task.stream.name)) continue;
      const large = holdsLargePages(task);
      if (large) largeOpen++;
      try {
        await runOne(task);
      } finally {
        if (large) {
          largeOpen--;
          const wake = waiting;
          waiting = [];
          for (const resolve of wake) resolve();
        }
      }
    }
  }

  const workers = Array.from({ length: Math.max(1, Math.min(ctx.concurrency, tasks.length)) }, () => worker());
  await Promise.all(workers);
  if (storageFailure) throw storageFailure;
  if (stoppedBy !== null) {
    for (const task of pending) {
      if (unavailable.has(task.stream.name)) continue;
      const at = nowIso();
      await ctx.warehouse.recordWindow({
        runId: ctx.runId,
        organizationId: ctx.organization.id,
        stream: task.stream.name,
        windowStart: task.window.from,
        windowEnd: task.window.to,
        status: 'failed',
        complete: task.window.to < ctx.today,
        rows: 0,
        requests: 0,
        retries: 0,
        rateLimited: 0,
        centsTotal: null,
        error: `not begun: ${stoppedBy}`,
        startedAt: at,
        finishedAt: at,
      });
      result.failed++;
    }
  }
  if (result.refused.size > 0) {
    const names = [...result.refused.keys()].sort();
    const first = result.refused.get(names[0]!)!;
    if (result.ok === 0 && result.failed === 0 && !result.fatal) {
      result.fatal = { message: `this key may read none of the streams asked for (${names.join(', ')}): ${first}`, config: true };
    } else {
      ctx.emit({ type: 'warning', message: `this key may not read ${names.join(', ')} (403 to their requests; e.g. ${first}): those streams are skipped; a read:analytics key reads only analytics_cost and analytics_usage` });
    }
  }
  return result;
}
