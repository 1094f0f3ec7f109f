/**
 * The ledger records (WindowRecord, RunRecord) as table rows and back. Shared by every warehouse:
 * the mapping is a property of the tables, not of the SQL engine.
 */
import { asIsoDay } from '../util/dates.js';
import { parseCents } from '../util/money.js';
import type { RowOf } from './tables.js';
import type { QueryRow, RunRecord, WindowRecord } from './warehouse.js';

export function windowRow(r: WindowRecord): RowOf<'ingest_windows'> {
  return {
    run_id: r.runId,
    organization_id: r.organizationId ?? null,
    stream: r.stream,
    window_start: r.windowStart,
    window_end: r.windowEnd,
    status: r.status,
    complete: r.complete,
    rows: r.rows,
    requests: r.requests,
    retries: r.retries,
    rate_limited: r.rateLimited,
    // The one place a window's cents total enters a row: checked and made canonical like every amount.
    cents_total: r.centsTotal === null ? null : parseCents(r.centsTotal, `${r.stream} window ${r.windowStart} cents total`),
    rounded_values: r.roundedValues ?? 0,
    unknown_measures: r.unknownMeasures ?? null,
    error: r.error,
    data_refreshed_at: r.dataRefreshedAt ?? null,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

export function runRow(r: RunRecord): RowOf<'ingest_runs'> {
  return {
    run_id: r.runId,
    command: r.command,
    args: JSON.stringify(r.args ?? {}),
    tool_version: r.toolVersion,
    status: r.status,
    organization_id: r.organizationId ?? null,
    organization_name: r.organizationName ?? null,
    windows_ok: r.windowsOk,
    windows_failed: r.windowsFailed,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

const text = (v: QueryRow[string] | undefined): string => (v === null || v === undefined ? '' : String(v));
const textOrNull = (v: QueryRow[string] | undefined): string | null => (v === null || v === undefined ? null : String(v));
const count = (v: QueryRow[string] | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export function windowRecord(row: QueryRow): WindowRecord {
  return {
    runId: text(row.run_id),
    organizationId: textOrNull(row.organization_id),
    stream: text(row.stream),
    windowStart: asIsoDay(text(row.window_start)),
    windowEnd: asIsoDay(text(row.window_end)),
    status: text(row.status) as WindowRecord['status'],
    complete: row.complete === true,
    rows: count(row.rows),
    requests: count(row.requests),
    retries: count(row.retries),
    rateLimited: count(row.rate_limited),
    centsTotal: textOrNull(row.cents_total),
    roundedValues: count(row.rounded_values),
    unknownMeasures: textOrNull(row.unknown_measures),
    error: textOrNull(row.error),
    dataRefreshedAt: textOrNull(row.data_refreshed_at),
    startedAt: text(row.started_at),
    finishedAt: textOrNull(row.finished_at),
  };
}

export function runRecord(row: QueryRow): RunRecord {
  let args: Record<string, unknown> = {};
  try {
    args = row.args === null || row.args === undefined ? {} : (JSON.parse(String(row.args)) as Record<string, unknown>);
  } catch {
    // A hand-edited ledger row should not break `status`; show it as no args.
  }
  return {
    runId: text(row.run_id),
    command: text(row.command),
    args,
    toolVersion: text(row.tool_version),
    status: text(row.status) as RunRecord['status'],
    organizationId: textOrNull(row.organization_id),
    organizationName: textOrNull(row.organization_name),
    windowsOk: count(row.windows_ok),
    windowsFailed: count(row.windows_failed),
    startedAt: text(row.started_at),
    finishedAt: textOrNull(row.finished_at),
  };
}
