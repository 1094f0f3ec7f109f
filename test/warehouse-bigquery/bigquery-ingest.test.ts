/**
 * backfill, retry and the daily run (src/jobs) writing to the BigQuery warehouse: the Admin API
 * emulator on loopback feeds real streams, the BigQuery stand-in records the jobs. The stand-in
 * keeps the ledger the MERGEs write (parsed from their parameters) so listWindows answers as
 * BigQuery would, which is what backfill's resume and retry plan from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { backfill } from '../../src/jobs/backfill.js';
import { dailyRun } from '../../src/jobs/daily-run.js';
import type { IngestEnvironment } from '../../src/jobs/ingest-run.js';
import { retryFailed } from '../../src/jobs/retry.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import { STREAMS } from '../../src/streams/index.js';
import { STREAM_NAMES } from '../../src/streams/stream.js';
import { bqType } from '../../src/warehouse/bigquery/bigquery-sql.js';
import type { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { SCHEMA_VERSION, TABLES } from '../../src/warehouse/tables.js';
import { useStandIn } from './harness.js';
import type { QueryAnswer } from './stand-in.js';

const TODAY = '2025-03-10';
let emu: Emulator;
const h = useStandIn(() => (emu ? [emu.port] : []));
const { standIn } = h;

interface Param {
  name?: string;
  parameterType: { type: string };
  parameterValue: { value?: string };
}

const WINDOW_COLS = TABLES.ingest_windows.columns;
/** Ledger rows by natural key, as the committed MERGEs left them. */
const ledger = new Map<string, Record<string, string | null>>();

function micros(ts: string): string {
  return String(Date.parse(`${ts.slice(0, 23)}Z`) * 1000);
}

/** Answers like BigQuery over the ledger the MERGEs wrote; only committed jobs reach here. */
function answer(sql: string, params: unknown[]): QueryAnswer | undefined {
  const named = new Map((params as Param[]).map((p) => [p.name, p.parameterValue.value ?? null]));
  if (sql.includes('claude_ingest_meta') && sql.startsWith('SELECT')) return { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };
  if (sql.includes('MERGE `test-project.claude_usage.ingest_windows`')) {
    const row = Object.fromEntries(WINDOW_COLS.map((c) => [c.name, named.get(c.name) ?? null]));
    ledger.set(TABLES.ingest_windows.naturalKey.map((k) => row[k]).join('|'), row);
    return undefined;
  }
  if (sql.includes('ROW_NUMBER() OVER') && sql.includes('ingest_windows')) {
    const latest = new Map<string, Record<string, string | null>>();
    for (const r of ledger.values()) {
      const k = `${r.stream}|${r.window_start}|${r.window_end}`;
      const seen = latest.get(k);
      if (!seen || `${r.started_at}|${r.run_id}` > `${seen.started_at}|${seen.run_id}`) latest.set(k, r);
    }
    const status = named.get('status');
    const rows = [...latest.values()].filter((r) => status === null || r.status === status);
    return {
      fields: WINDOW_COLS.map((c) => ({ name: c.name, type: bqType(c.type) })),
      rows: rows.map((r) => WINDOW_COLS.map((c) => (c.type === 'timestamp' && r[c.name] ? micros(r[c.name]!) : r[c.name]!))),
    };
  }
  return undefined;
}

let wh: BigQueryWarehouse;
function env(): IngestEnvironment {
  return {
    warehouse: wh,
    client: new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, maxConcurrency: 2, retryBaseMs: 1, retryMaxDelayMs: 5 }),
    apiKey: EMULATOR_ADMIN_KEY,
    emit: () => undefined,
    concurrency: 2,
    options: { usageBucket: '1d' },
    today: TODAY,
    toolVersion: 'test',
    soleOrganization: true,
  };
}

const ALL = STREAM_NAMES.map((s) => STREAMS[s]);

/** The replace scripts sent since `mark`: which tables each replaced, for which days. */
function scriptsSince(mark: number): { tables: string[]; from: string | null; to: string | null }[] {
  return standIn.queries
    .slice(mark)
    .filter((q) => q.sql.startsWith('BEGIN TRANSACTION;'))
    .map((q) => {
      const p = new Map((q.params as Param[]).map((x) => [x.name, x.parameterValue.value ?? null]));
      return { tables: [...q.sql.matchAll(/DELETE FROM `[^`]*\.([a-z_]+)`/g)].map((m) => m[1]!), from: p.get('window_from') ?? null, to: p.get('window_to') ?? null };
    });
}

beforeAll(async () => {
  emu = await startEmulator({ today: TODAY, seed: 7, org: 'small' });
  standIn.answer = answer;
  wh = await h.open();
  await wh.init();
});
afterAll(async () => {
  await wh?.close();
  await emu?.close();
});

describe('ingest jobs on BigQuery', () => {
  it('backfill writes every stream window by window; a failed transaction is recorded failed; retry redoes exactly it', async () => {
    let failOnce = true;
    standIn.failQuery = (sql) => {
      if (failOnce && sql.startsWith('BEGIN') && sql.includes('claude_costs')) {
        failOnce = false;
        return 'Query error: Resources exceeded during query execution';
      }
      return undefined;
    };
    const mark = standIn.queries.length;
    const upMark = standIn.uploads.length;
    const out = await backfill(env(), { range: { from: '2025-03-07', to: '2025-03-09' }, streams: ALL, refresh: false });
    standIn.failQuery = () => undefined;
    expect(out.failed).toBe(1);
    expect(out.ok).toBe(out.windows - 1);

    const runs = standIn.queries.slice(mark).filter((q) => q.sql.startsWith('MERGE `test-project.claude_usage.ingest_runs`'));
    const runStatus = runs.map((q) => (q.params as Param[]).find((p) => p.name === 'status')!.parameterValue.value);
    expect(runStatus).toEqual(['running', 'failed']);

    // Committed windows: cost failed, so usage (one 31-day window), claude_code (one 7-day window) and the org snapshot.
    const scripts = scriptsSince(mark);
    const committed = scripts.filter((s) => !s.tables.includes('claude_costs'));
    expect(committed.filter((s) => s.tables.includes('claude_code_productivity')).map((s) => [s.from, s.to])).toEqual([['2025-03-07', '2025-03-09']]);
    expect(committed.find((s) => s.tables.includes('claude_usage_keys'))).toMatchObject({ from: '2025-03-07', to: '2025-03-09' });
    expect(committed.find((s) => s.tables.includes('claude_workspaces'))).toMatchObject({ from: null, to: null });

    // Every uploaded fact row lies inside its window's days (the DELETE covers exactly what the INSERT adds).
    for (const u of standIn.uploads.slice(upMark)) {
      for (const line of u.media!.trim().split('\n').filter(Boolean)) {
        const day = (JSON.parse(line) as { activity_date?: string }).activity_date;
        if (day !== undefined) expect(day >= '2025-03-07' && day <= '2025-03-09', day).toBe(true);
      }
    }
    const failed = await wh.listWindows({ status: 'failed' });
    expect(failed.map((w) => [w.stream, w.windowStart, w.windowEnd])).toEqual([['cost', '2025-03-07', '2025-03-09']]);
    expect(failed[0]!.error).toMatch(/Resources exceeded/);

    const retryMark = standIn.queries.length;
    const retried = await retryFailed(env());
    expect(retried).toMatchObject({ windows: 1, ok: 1, failed: 0 });
    expect(scriptsSince(retryMark)).toEqual([{ tables: ['claude_costs', 'claude_cost_daily_totals'], from: '2025-03-07', to: '2025-03-09' }]);
    expect(await wh.listWindows({ status: 'failed' })).toEqual([]);
  });

  it('a second backfill resumes from the ledger: complete days are skipped, only the snapshots (org, limits) are re-read', async () => {
    const mark = standIn.queries.length;
    const out = await backfill(env(), { range: { from: '2025-03-07', to: '2025-03-09' }, streams: ALL, refresh: false });
    expect(out).toMatchObject({ windows: 2, ok: 2, failed: 0 });
    // Only the snapshot streams' windows are written again: their tables, as the streams declare them.
    expect(scriptsSince(mark).map((s) => s.tables).sort()).toEqual([STREAMS.org.tables, STREAMS.limits.tables].sort());
  });

  it('the daily run replaces the last days and today', async () => {
    const mark = standIn.queries.length;
    const out = await dailyRun(env(), ALL, 1);
    expect(out.failed).toBe(0);
    expect(out.emptyBefore).toBe(false);
    const days = scriptsSince(mark).filter((s) => s.from !== null);
    expect(days.every((s) => s.from! >= '2025-03-09' && s.to! <= TODAY)).toBe(true);
    expect(days.find((s) => s.tables.includes('claude_costs'))).toMatchObject({ from: '2025-03-09', to: TODAY });
  });

  it('a crash inside the client library during the load records the window failed with a reason, never leaves it running', async () => {
    standIn.breakUpload = 'garbage';
    try {
      const out = await backfill(env(), { range: { from: '2025-02-01', to: '2025-02-02' }, streams: [STREAMS.cost], refresh: false });
      expect(out).toMatchObject({ failed: 1, ok: 0 });
    } finally {
      standIn.breakUpload = null;
    }
    const windows = (await wh.listWindows({ stream: 'cost' })).filter((w) => w.windowStart === '2025-02-01');
    expect(windows.map((w) => w.status)).toEqual(['failed']);
    expect(windows[0]!.error).toMatch(/^the BigQuery client failed while loading claude_costs: /);
    expect(await wh.listWindows({ status: 'running' })).toEqual([]);
  });
});
