/**
 * Write micro-benchmark: synthetic claude_usage_keys rows through the pipeline's write path
 * (DuckDbWarehouse.replaceWindow: one transaction per window, rows appended straight into the target
 * through DuckDB's chunk writer), in 31-day windows appended page by page as the streams do. No HTTP,
 * no JSON: this measures the warehouse alone. Each window's pages are built before its replaceWindow
 * starts, so row generation is not timed.
 *
 * The machine is shared, so absolute figures drift with load; every run therefore also measures, on
 * the same rows and in the same process, with values converted beforehand (not timed):
 *  - the chunk ceiling: the same chunk writer and transactions, i.e. DuckDB's side of this path;
 *  - the per-value Appender: one append call per value into a TEMP table, the previous path's ceiling.
 * `fill` rates count conversion + append only; `rowsPerSecond` is end to end, commits included.
 *
 * Run as a child process: node dist/bench/write-bench.js <rows> <file>;
 * prints JSON on stdout (last line).
 */
import { rmSync } from 'node:fs';
import { DuckDBInstance, type DuckDBAppender, type DuckDBDateValue, type DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
import { openDuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import { ChunkWriter } from '../src/warehouse/duckdb/chunk-writer.js';
import { createTableSql } from '../src/warehouse/duckdb/ddl.js';
import { RowConverter } from '../src/warehouse/duckdb/row-writer.js';
import { TABLES, type ColumnType, type RowOf } from '../src/warehouse/tables.js';
import type { WindowRecord } from '../src/warehouse/warehouse.js';
import { addDays, eachDay, type IsoDay } from '../src/util/dates.js';

export interface WriteBenchResult {
  rows: number;
  windows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Rows/s of the fill alone (conversion + append), commits excluded. */
  fillRowsPerSecond?: number;
  /** The write path's own ceiling: pre-converted values, same chunk writer and transactions. */
  chunkCeilingRowsPerSecond?: number;
  /** The previous path's ceiling: one Appender call per pre-converted value into TEMP staging. */
  perValueAppenderRowsPerSecond?: number;
}

const PAGE = 2000;
const WINDOW_DAYS = 31;
const PER_DAY = 2000;
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805'];
const LINEAGE = { run_id: 'bench-write', ingested_at: '2025-06-30T00:00:00.000Z' };

function windowPages(w: number, rows: number): { from: IsoDay; to: IsoDay; pages: RowOf<'claude_usage_keys'>[][] } {
  const from = addDays('2020-01-01', w * WINDOW_DAYS);
  const to = addDays(from, WINDOW_DAYS - 1);
  const pages: RowOf<'claude_usage_keys'>[][] = [];
  let page: RowOf<'claude_usage_keys'>[] = [];
  let n = 0;
  for (const day of eachDay(from, to)) {
    const bucket = `${day}T00:00:00.000Z`;
    for (let i = 0; i < PER_DAY && n < rows; i++, n++) {
      page.push({
        activity_date: day, bucket_start: bucket, api_key_id: `apikey_${(i % 2000).toString(36).padStart(8, '0')}`,
        workspace_id: `wrkspc_${(i % 40).toString(36)}`, model: MODELS[i % MODELS.length]!, service_tier: i % 5 === 0 ? 'batch' : 'standard',
        context_window: '0-200k', uncached_input_tokens: i * 37, cache_read_input_tokens: i * 11, cache_creation_5m_input_tokens: i,
        cache_creation_1h_input_tokens: 0, output_tokens: i * 7, web_search_requests: i % 3, extra: null,
      });
      if (page.length === PAGE) {
        pages.push(page);
        page = [];
      }
    }
  }
  if (page.length) pages.push(page);
  return { from, to, pages };
}

function windowCount(totalRows: number): number {
  return Math.ceil(totalRows / (PER_DAY * WINDOW_DAYS));
}

function windowRows(totalRows: number, w: number): number {
  return Math.min(PER_DAY * WINDOW_DAYS, totalRows - w * PER_DAY * WINDOW_DAYS);
}

async function throughReplaceWindow(totalRows: number, file: string): Promise<{ seconds: number; fillSeconds: number; rows: number }> {
  const wh = await openDuckDbWarehouse(file);
  await wh.init();
  let written = 0;
  let seconds = 0;
  let fillSeconds = 0;
  for (let w = 0; w < windowCount(totalRows); w++) {
    const { from, to, pages } = windowPages(w, windowRows(totalRows, w));
    const ledger: WindowRecord = {
      runId: LINEAGE.run_id, stream: 'usage', windowStart: from, windowEnd: to, status: 'ok', complete: true, rows: 0,
      requests: 0, retries: 0, rateLimited: 0, centsTotal: null, error: null, startedAt: LINEAGE.ingested_at, finishedAt: LINEAGE.ingested_at,
    };
    const started = performance.now();
    written += await wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: { from, to }, ledger }, async (sink) => {
      const fillStarted = performance.now();
      for (const page of pages) await sink.append('claude_usage_keys', page);
      fillSeconds += (performance.now() - fillStarted) / 1000;
    });
    seconds += (performance.now() - started) / 1000;
  }
  await wh.close();
  return { seconds, fillSeconds, rows: written };
}

interface Baselines {
  /** Pre-converted values through the same chunk writer into the target, one transaction per window. */
  chunkCeiling: number;
  /** The previous write path's ceiling: one Appender call per value into a TEMP staging table. */
  perValueAppender: number;
}

/** Both ceilings on the same rows, values converted beforehand so only DuckDB's side is timed. */
async function baselines(totalRows: number, file: string): Promise<Baselines> {
  const def = TABLES.claude_usage_keys;
  const converter = new RowConverter(def);
  removeDb(file);
  const instance = await DuckDBInstance.create(file, { checkpoint_threshold: '256MB' });
  const conn = await instance.connect();
  let chunkSeconds = 0;
  let perValueSeconds = 0;
  try {
    await conn.run(createTableSql(def, {}));
    for (let w = 0; w < windowCount(totalRows); w++) {
      // The window writer stamps the lineage; here it is added beforehand, like every other value.
      const values = windowPages(w, windowRows(totalRows, w)).pages.flat().map((row) => converter.values({ ...row, organization_id: 'org_test', ...LINEAGE }));

      let started = performance.now();
      await conn.run('BEGIN TRANSACTION');
      const target = await conn.createAppender(def.name);
      const writer = new ChunkWriter(target);
      for (const row of values) writer.appendRow(row);
      writer.flush();
      target.closeSync();
      await conn.run('COMMIT');
      chunkSeconds += (performance.now() - started) / 1000;

      await conn.run(createTableSql(def, { name: 'stage', temp: true }));
      const stage = await conn.createAppender('stage');
      const types = def.columns.map((c) => c.type);
      started = performance.now();
      for (const row of values) {
        for (let i = 0; i < row.length; i++) appendValue(stage, types[i]!, row[i]!);
        stage.endRow();
      }
      stage.closeSync();
      perValueSeconds += (performance.now() - started) / 1000;
      await conn.run('DROP TABLE stage');
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
    removeDb(file);
  }
  return { chunkCeiling: totalRows / chunkSeconds, perValueAppender: totalRows / perValueSeconds };
}

function appendValue(appender: DuckDBAppender, type: ColumnType, v: DuckDBValue): void {
  if (v === null) return appender.appendNull();
  switch (type) {
    case 'date':
      return appender.appendDate(v as DuckDBDateValue);
    case 'timestamp':
      return appender.appendTimestamp(v as DuckDBTimestampValue);
    case 'int':
      return appender.appendBigInt(v as bigint);
    default:
      return appender.appendVarchar(v as string);
  }
}

function removeDb(file: string): void {
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
}

export async function writeBench(totalRows: number, file: string): Promise<WriteBenchResult> {
  const result: WriteBenchResult = { rows: 0, windows: windowCount(totalRows), seconds: 0, rowsPerSecond: 0 };
  removeDb(file);
  try {
    const r = await throughReplaceWindow(totalRows, file);
    Object.assign(result, { rows: r.rows, seconds: r.seconds, rowsPerSecond: r.rows / r.seconds, fillRowsPerSecond: r.rows / r.fillSeconds });
  } finally {
    removeDb(file);
  }
  const base = await baselines(totalRows, file);
  result.chunkCeilingRowsPerSecond = base.chunkCeiling;
  result.perValueAppenderRowsPerSecond = base.perValueAppender;
  return result;
}

if (process.argv[1]?.endsWith('write-bench.js') && process.argv[3]) {
  process.stdout.write(`${JSON.stringify(await writeBench(Number(process.argv[2]), process.argv[3]))}\n`);
}
