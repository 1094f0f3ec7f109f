/**
 * The window writer (src/warehouse/window-writer.ts) is the one batcher and the one place the
 * per-window columns come from. These tests pin both: what an engine is handed is batches of the
 * configured size whatever the stream yields; every row of a window carries the same organization,
 * run and ingested_at, those of the window; and a stream that fails after some batches already went
 * into the window's transaction leaves nothing of it behind.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeWindows, type ExecutionContext } from '../../src/jobs/execute-windows.js';
import type { WindowTask } from '../../src/jobs/windows.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import type { StreamDef } from '../../src/streams/stream.js';
import type { IsoDay } from '../../src/util/dates.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { RowOf, TableName } from '../../src/warehouse/tables.js';
import { WINDOW_BATCH_ROWS, WindowWriter, type BatchTarget, type TableBatch } from '../../src/warehouse/window-writer.js';
import { TEST_KEY } from '../source/helpers.js';
import { ledger, tempDir, usageRow } from './helpers.js';

const tmp = tempDir('ci-window-writer-');
afterAll(() => tmp.cleanup());

const WEEK = { from: '2025-01-01' as IsoDay, to: '2025-01-07' as IsoDay };
const day = (i: number) => `2025-01-0${1 + (i % 7)}` as IsoDay;

function totalsRow(d: IsoDay): RowOf<'claude_usage_daily_totals'> {
  const { activity_date, bucket_start, uncached_input_tokens, cache_read_input_tokens, cache_creation_5m_input_tokens, cache_creation_1h_input_tokens, output_tokens, web_search_requests } = usageRow(d, 1);
  return { activity_date, bucket_start, uncached_input_tokens, cache_read_input_tokens, cache_creation_5m_input_tokens, cache_creation_1h_input_tokens, output_tokens, web_search_requests, extra: null };
}

/** A stream as the API would feed it: uneven pieces (pages, buckets) of two tables, interleaved; optionally failing after `failAfter` rows. */
function synthetic(pieces: number[], failAfter = Infinity): StreamDef {
  return {
    name: 'usage',
    summary: 'synthetic usage rows',
    writeMode: 'replace-days',
    windowDays: () => 7,
    tables: ['claude_usage_keys', 'claude_usage_daily_totals'],
    async *fetchWindow() {
      let n = 0;
      for (const size of pieces) {
        if (n >= failAfter) throw new Error('the source failed mid-window');
        const rows = Array.from({ length: size }, (_, i) => usageRow(day(n + i), n + i));
        n += size;
        yield { table: 'claude_usage_keys', rows } satisfies TableBatch<'claude_usage_keys'>;
        yield { table: 'claude_usage_daily_totals', rows: [totalsRow(day(n))] } satisfies TableBatch<'claude_usage_daily_totals'>;
      }
    },
  };
}

/** A target that records each batch's size as it ends, and how many rows were staged before any batch ended. */
function recording() {
  const batches: Array<[TableName, number]> = [];
  const open = new Map<TableName, number>();
  let stagedBeforeFirstBatch = 0;
  const target: BatchTarget = {
    stage: (table, rows, from, to) => {
      expect(to).toBeGreaterThan(from);
      expect(to).toBeLessThanOrEqual(rows.length);
      open.set(table, (open.get(table) ?? 0) + to - from);
      if (batches.length === 0) stagedBeforeFirstBatch += to - from;
    },
    endBatch: async (table) => {
      batches.push([table, open.get(table) ?? 0]);
      open.set(table, 0);
    },
  };
  return { target, batches, stagedBeforeFirstBatch: () => stagedBeforeFirstBatch };
}

describe('the window writer batches', () => {
  it('hands rows to the engine as they arrive and ends a batch every configured number of rows per table, the rest last', async () => {
    const { target, batches, stagedBeforeFirstBatch } = recording();
    const writer = new WindowWriter({ organizationId: 'org_test', tables: ['claude_usage_keys', 'claude_usage_daily_totals'], days: WEEK, ledger: ledger(), batchRows: 1000 }, target);
    await writer.append('claude_usage_keys', Array.from({ length: 777 }, (_, i) => usageRow(day(i), i)));
    // The writer keeps no rows of its own: the first piece is with the engine before any batch is full.
    expect(stagedBeforeFirstBatch()).toBe(777);
    expect(batches).toEqual([]);
    for (let p = 1; p < 7; p++) await writer.append('claude_usage_keys', Array.from({ length: 777 }, (_, i) => usageRow(day(i), p * 777 + i)));
    for (let p = 0; p < 7; p++) await writer.append('claude_usage_daily_totals', Array.from({ length: 400 }, (_, i) => totalsRow(day(i))));
    // No batch ends before it is full.
    expect(batches.filter(([, n]) => n !== 1000)).toEqual([]);
    expect(await writer.finish()).toBe(7 * 777 + 7 * 400);
    expect(batches.filter(([t]) => t === 'claude_usage_keys').map(([, n]) => n)).toEqual([1000, 1000, 1000, 1000, 1000, 439]);
    expect(batches.filter(([t]) => t === 'claude_usage_daily_totals').map(([, n]) => n)).toEqual([1000, 1000, 800]);
  });

  it('the default batch is WINDOW_BATCH_ROWS, and a batch size that is no whole number ≥ 1 is refused', async () => {
    const { target, batches } = recording();
    const writer = new WindowWriter({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: WEEK, ledger: ledger() }, target);
    await writer.append('claude_usage_keys', Array.from({ length: WINDOW_BATCH_ROWS * 2 + 1 }, (_, i) => usageRow(day(i), i)));
    expect(await writer.finish()).toBe(WINDOW_BATCH_ROWS * 2 + 1);
    expect(batches.map(([, n]) => n)).toEqual([WINDOW_BATCH_ROWS, WINDOW_BATCH_ROWS, 1]);
    for (const batchRows of [0, 1.5, -1]) {
      expect(() => new WindowWriter({ organizationId: 'o', tables: ['claude_usage_keys'], days: WEEK, ledger: ledger(), batchRows }, recording().target)).toThrow(/batchRows must be a whole number/);
    }
  });
});

describe('a window through the jobs, the writer and DuckDB', () => {
  let wh: DuckDbWarehouse;
  let n = 0;
  beforeEach(async () => {
    wh = await openDuckDbWarehouse(tmp.file(`w-${++n}.duckdb`));
    await wh.init();
  });
  afterEach(async () => {
    await wh.close();
  });

  function run(stream: StreamDef, runId: string) {
    const ctx: ExecutionContext = {
      warehouse: wh,
      // Never called: the synthetic stream reads nothing.
      client: new AdminApiClient({ baseUrl: 'http://127.0.0.1:9', apiKey: TEST_KEY }),
      runId,
      options: { usageBucket: '1d' },
      concurrency: 1,
      today: '2025-02-01',
      emit: () => undefined,
      apiKey: TEST_KEY,
      organization: { id: 'org_stamp', name: 'Stamp', type: 'organization' },
    };
    return executeWindows(ctx, [{ stream, window: WEEK } as WindowTask]);
  }

  const stamps = (table: string) =>
    wh.query(`SELECT organization_id, run_id, CAST(epoch_ms(ingested_at) AS VARCHAR) AS at, count(*) AS n FROM ${table} GROUP BY ALL`);

  it('stamps every row of the window with the same organization, run and ingested_at: those of its ledger row', async () => {
    // 12 pieces of 1,234 rows: more than two of the writer's batches.
    const result = await run(synthetic(Array<number>(12).fill(1234)), 'run-stamp');
    expect(result).toMatchObject({ ok: 1, failed: 0, rows: 12 * 1234 + 12 });
    const [w] = await wh.listWindows();
    expect(w).toMatchObject({ runId: 'run-stamp', organizationId: 'org_stamp', status: 'ok', rows: 12 * 1234 + 12 });
    // Compared as epoch milliseconds: DuckDB's text of a timestamp drops trailing zeros of the fraction.
    const at = String(Date.parse(w!.startedAt));
    expect(await stamps('claude_usage_keys')).toEqual([{ organization_id: 'org_stamp', run_id: 'run-stamp', at, n: 12 * 1234 }]);
    expect(await stamps('claude_usage_daily_totals')).toEqual([{ organization_id: 'org_stamp', run_id: 'run-stamp', at, n: 12 }]);
  });

  it('a stream failing after batches went into the transaction leaves nothing of the window; the last good one stays', async () => {
    await run(synthetic(Array<number>(3).fill(1000)), 'run-good');
    const before = await stamps('claude_usage_keys');
    // 11,000 rows yielded (two full batches handed to DuckDB) before the source fails.
    const result = await run(synthetic(Array<number>(20).fill(1000), 11_000), 'run-crash');
    expect(result).toMatchObject({ ok: 0, failed: 1 });
    expect(await stamps('claude_usage_keys')).toEqual(before);
    expect(before).toMatchObject([{ run_id: 'run-good', n: 3000 }]);
    const windows = await wh.listWindows();
    expect(windows.map((x) => [x.runId, x.status])).toContainEqual(['run-crash', 'failed']);
    expect(windows.find((x) => x.runId === 'run-crash')!.error).toContain('the source failed mid-window');
  });

  it('refuses a row that carries a stamped column, naming it, and writes nothing', async () => {
    const carrying = { ...usageRow('2025-01-01', 1), run_id: 'sneaked-in' } as RowOf<'claude_usage_keys'>;
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: WEEK, ledger: ledger() }, (sink) => sink.append('claude_usage_keys', [carrying])),
    ).rejects.toThrow('claude_usage_keys: a row carries run_id, which the window writer stamps from the window; leave it out of the row');
    expect(await wh.query('SELECT count(*) AS n FROM claude_usage_keys')).toEqual([{ n: 0 }]);
  });
});
