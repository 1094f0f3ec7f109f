/**
 * Write micro-benchmark: synthetic claude_usage_keys rows through the pipeline's write path
 * (DuckDbWarehouse.replaceWindow: Appender staging, then one DELETE + INSERT … SELECT transaction per
 * window), in 31-day windows appended page by page as the streams do. No HTTP, no JSON: this measures
 * the warehouse alone.
 *
 * Run as a child process: node dist/bench/write-bench.js <rows> <file>; prints JSON on stdout.
 */
import { openDuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Row } from '../src/warehouse/tables.js';
import type { WindowRecord } from '../src/warehouse/warehouse.js';
import { addDays, eachDay } from '../src/util/dates.js';

export interface WriteBenchResult {
  rows: number;
  windows: number;
  seconds: number;
  rowsPerSecond: number;
}

const PAGE = 2000;
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805'];

export async function writeBench(totalRows: number, file: string): Promise<WriteBenchResult> {
  const wh = await openDuckDbWarehouse(file);
  await wh.init();
  const windowDays = 31;
  const perDay = 2000;
  const perWindow = perDay * windowDays;
  const windows = Math.ceil(totalRows / perWindow);
  const lineage = { run_id: 'bench-write', ingested_at: '2025-06-30T00:00:00.000Z' };
  let written = 0;
  const started = performance.now();
  for (let w = 0; w < windows; w++) {
    const from = addDays('2020-01-01', w * windowDays);
    const to = addDays(from, windowDays - 1);
    const target = Math.min(perWindow, totalRows - written);
    const ledger: WindowRecord = {
      runId: lineage.run_id, stream: 'usage', windowStart: from, windowEnd: to, status: 'ok', complete: true, rows: target,
      requests: 0, retries: 0, rateLimited: 0, centsTotal: null, error: null, startedAt: lineage.ingested_at, finishedAt: lineage.ingested_at,
    };
    written += await wh.replaceWindow({ tables: ['claude_usage_keys'], days: { from, to }, ledger }, async (sink) => {
      let n = 0;
      let page: Row[] = [];
      for (const day of eachDay(from, to)) {
        const bucket = `${day}T00:00:00.000Z`;
        for (let i = 0; i < perDay && n < target; i++, n++) {
          page.push({
            activity_date: day, bucket_start: bucket, api_key_id: `apikey_${(i % 2000).toString(36).padStart(8, '0')}`,
            workspace_id: `wrkspc_${(i % 40).toString(36)}`, model: MODELS[i % MODELS.length]!, service_tier: i % 5 === 0 ? 'batch' : 'standard',
            context_window: '0-200k', uncached_input_tokens: i * 37, cache_read_input_tokens: i * 11, cache_creation_5m_input_tokens: i,
            cache_creation_1h_input_tokens: 0, output_tokens: i * 7, web_search_requests: i % 3, ...lineage,
          });
          if (page.length === PAGE) {
            await sink.append('claude_usage_keys', page);
            page = [];
          }
        }
      }
      if (page.length) await sink.append('claude_usage_keys', page);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await wh.close();
  return { rows: written, windows, seconds, rowsPerSecond: written / seconds };
}

if (process.argv[1]?.endsWith('write-bench.js') && process.argv[3]) {
  process.stdout.write(`${JSON.stringify(await writeBench(Number(process.argv[2]), process.argv[3]))}\n`);
}
