/**
 * A stream is a declaration: which endpoint, in which window size, with which parameters, shaped by
 * which transform, into which tables, replaced how; its fetchWindow is an async generator of typed
 * batches ({ table, rows }). The jobs in src/jobs/ run any stream the same way, and the window writer
 * (warehouse/window-writer.ts) owns batching and the per-window columns (organization, run_id, ingested_at).
 */
import type { AdminApiClient } from '../source/http-client.js';
import type { RequestStats } from '../source/types.js';
import type { Organization } from '../source/schemas.js';
import type { WindowTally } from '../transform/tally.js';
import type { DayRange, IsoDay } from '../util/dates.js';
import type { TableName } from '../warehouse/tables.js';
import type { TableBatch } from '../warehouse/window-writer.js';

export type StreamName = 'cost' | 'usage' | 'claude_code' | 'org' | 'analytics_cost' | 'analytics_usage' | 'limits' | 'rate_limit_peaks' | 'analytics_cost_hourly';
/** The streams backfill and run read (rate_limit_peaks is read on demand by report --by rate_limit only). */
export const STREAM_NAMES: readonly StreamName[] = ['claude_code', 'cost', 'usage', 'analytics_cost', 'analytics_usage', 'org', 'limits'];
/**
 * Streams backfill and run read only when asked (--streams) or when the configuration needs them:
 * analytics_cost_hourly whenever timezone: is not UTC (docs/time-zones.md).
 */
export const OPTIONAL_STREAM_NAMES: readonly StreamName[] = ['analytics_cost_hourly'];

export interface StreamOptions {
  /** Usage bucket width: daily by default, hourly for intraday detail. */
  usageBucket: '1d' | '1h';
  /** Analytics API bucket width (analytics_cost, analytics_usage): daily by default. */
  analyticsBucket?: '1d' | '1h';
}

export interface StreamContext {
  client: AdminApiClient;
  stats: RequestStats;
  options: StreamOptions;
  /** When the window began (ISO): the analytics_cost chain check judges only days that had ended by then. */
  startedAt: string;
  /** Rounded values and unknown measures seen while shaping this window's rows (recorded in its ledger row). */
  tally: WindowTally;
  /** The organization the key belongs to, read once per run (null when /organizations/me could not be read). */
  organization: Organization | null;
}

/** What a window noticed besides its rows (the window writer counts those), for the ledger; the generator's return value. */
export interface WindowSummary {
  /** Exact cents written (cost stream only). */
  centsTotal?: string | null;
  /** The newest `data_refreshed_at` the source's pages carried (Analytics API streams). */
  dataRefreshedAt?: string | null;
  /** Said once as a WARNING by the run (part of the stream not offered to this organization). */
  warnings?: string[];
}

export interface StreamDef {
  name: StreamName;
  /** One line for --help and the README. */
  summary: string;
  /**
   * `replace-days`: each window deletes its days from every table and inserts the new rows.
   * `replace-all`: the tables are a snapshot replaced whole (organization lists).
   */
  writeMode: 'replace-days' | 'replace-all';
  /** Days per window: as many as one request returns, so a year is a dozen requests. */
  windowDays(options: StreamOptions): number;
  /**
   * The source answers one day per request sequence (Claude Code), so each window costs a request
   * sequence per day: the jobs start these windows first and spread the cheap ones between them.
   */
  fetchesDayByDay?: boolean;
  /**
   * Set when a window is one chain of pages that must be read one after another (each page needs the
   * previous one's cursor): a range too short to give every worker a window is then split into
   * smaller windows, down to this many days, so the chains run side by side. Without it a one-month
   * backfill of the Analytics API waited on 173 pages in a row.
   */
  minWindowDays?: number;
  /**
   * Each page of a window is a body of megabytes parsed whole (the Analytics API: up to 1,000 grouped
   * rows and their fan-out, 2.9 MB and 4,000 rows on the large organization). The jobs keep at most
   * MAX_LARGE_PAGE_WINDOWS such windows open at once (jobs/execute-windows.ts), whatever the
   * concurrency: three of them side by side made the peak of a one-year backfill with a time zone.
   */
  largePages?: boolean;
  /** The first day the source serves, if it has a floor (the Analytics API): older days are never requested. */
  servedFrom?(today: IsoDay): IsoDay;
  tables: TableName[];
  /** The window's rows as the API hands them over (a bucket, a page), shaped, without the stamped columns. */
  fetchWindow(window: DayRange, ctx: StreamContext): WindowBatches;
}

export type WindowBatches = AsyncGenerator<TableBatch, WindowSummary | void>;
