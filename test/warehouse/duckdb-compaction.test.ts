import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { COMPACTED_KEY, countRowGroups, ROW_GROUP_ROWS, TAIL_DAYS } from '../../src/warehouse/duckdb/compaction.js';
import { DEFAULT_LOOKBACK_DAYS } from '../../src/jobs/daily-run.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { openShared } from '../../src/warehouse/duckdb/instance.js';
import type { DayRange } from '../../src/util/dates.js';
import { ledger, tempDir, usageRow } from './helpers.js';

const tmp = tempDir('ci-compact-');
afterAll(() => tmp.cleanup());

/**
 * A backfill's tail as measured on the one-year large org: windows of one full row group plus a few
 * thousand rows, each committed as whole row groups of its own. One greedy pass of DuckDB's vacuum
 * leaves 6 row groups; a second pass reaches 5, the fewest 538,733 rows fit in.
 */
const EXTRA_ROWS = [12_437, 19_021, 11_700, 4_055];
const TOTAL = EXTRA_ROWS.reduce((s, n) => s + ROW_GROUP_ROWS + n, 0);

async function writeWindow(wh: DuckDbWarehouse, days: DayRange, rows: number): Promise<number> {
  return wh.replaceWindow(
    { organizationId: 'org_test', tables: ['claude_usage_keys'], days, ledger: ledger({ runId: 'run-bulk', windowStart: days.from, windowEnd: days.to }) },
    async (sink) => {
      for (let start = 0; start < rows; start += 10_000) {
        const batch = Array.from({ length: Math.min(10_000, rows - start) }, (_, i) => usageRow(days.from, start + i));
        await sink.append('claude_usage_keys', batch);
      }
    },
  );
}

/** Row groups and meta of a closed warehouse file, read by a separate read-only instance. */
async function inspect(file: string): Promise<{ rowGroups: number; rows: number; tokens: string; compactedAt: string | null }> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const rowGroups = Number((await conn.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('claude_usage_keys')`)).getRows()[0]?.[0]);
    const [rows, tokens] = (await conn.runAndReadAll('SELECT count(*), sum(uncached_input_tokens)::VARCHAR FROM claude_usage_keys')).getRows()[0] ?? [];
    const meta = (await conn.runAndReadAll('SELECT value FROM claude_ingest_meta WHERE key = $1', [COMPACTED_KEY])).getRows();
    return { rowGroups, rows: Number(rows), tokens: String(tokens), compactedAt: meta.length ? String(meta[0]?.[0]) : null };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('row group compaction on close', () => {
  it('after a bulk write, repeats checkpoints until no pass merges, leaving the fewest row groups and every row', async () => {
    const file = tmp.file('bulk.duckdb');
    const wh = await openDuckDbWarehouse(file);
    await wh.init();
    let day = 1;
    for (const extra of EXTRA_ROWS) {
      const d = `2025-01-0${day++}` as DayRange['from'];
      expect(await writeWindow(wh, { from: d, to: d }, ROW_GROUP_ROWS + extra)).toBe(ROW_GROUP_ROWS + extra);
    }
    // What one checkpoint alone leaves: the state every closing checkpoint left before compaction.
    const shared = await openShared(file);
    const conn = await shared.acquire();
    await conn.run('CHECKPOINT');
    const afterOnePass = await countRowGroups(conn);
    shared.release(conn);
    await shared.unref();
    await wh.close();

    const closed = await inspect(file);
    expect(afterOnePass).toBeGreaterThan(closed.rowGroups);
    expect(closed.rowGroups).toBe(Math.ceil(TOTAL / ROW_GROUP_ROWS));
    // A checkpoint that lost or duplicated a row would change either figure.
    expect(closed.rows).toBe(TOTAL);
    const expectedTokens = EXTRA_ROWS.reduce((s, n) => s + ((ROW_GROUP_ROWS + n) * (ROW_GROUP_ROWS + n - 1)) / 2, 0);
    expect(closed.tokens).toBe(String(expectedTokens));
    expect(closed.compactedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('leaves a small write alone: no extra checkpoint, no meta entry', async () => {
    const file = tmp.file('small.duckdb');
    const wh = await openDuckDbWarehouse(file);
    await wh.init();
    await writeWindow(wh, { from: '2025-01-01', to: '2025-01-01' }, 1_000);
    await wh.close();
    const closed = await inspect(file);
    expect(closed.rows).toBe(1_000);
    expect(closed.compactedAt).toBeNull();
  });

  it("moves the newest days to each table's end when the newest window committed before older ones", async () => {
    const file = tmp.file('tail.duckdb');
    const wh = await openDuckDbWarehouse(file);
    await wh.init();
    // As a backfill's shorter, newest window finishes first: the newest days are written first.
    const newest: DayRange = { from: '2025-01-08', to: '2025-01-10' };
    await writeWindow(wh, newest, 3_000);
    await writeWindow(wh, { from: '2025-01-01', to: '2025-01-07' }, ROW_GROUP_ROWS + 1_000);
    // The tail as the writers left it: first in the table.
    const shared = await openShared(file);
    const conn = await shared.acquire();
    const before = await tailPlacement(conn);
    shared.release(conn);
    await shared.unref();
    await wh.close();

    const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const reader = await instance.connect();
    try {
      const after = await tailPlacement(reader);
      expect(before.tailLast).toBe(false);
      expect(after.tailLast).toBe(true);
      // Nothing lost, nothing doubled: the same rows per day, the same token sum.
      expect(after.perDay).toEqual(before.perDay);
      expect(after.tokens).toBe(before.tokens);
    } finally {
      reader.closeSync();
      instance.closeSync();
    }
  });

  it('keeps as many days last as the daily run re-reads by default', () => {
    expect(TAIL_DAYS).toBe(DEFAULT_LOOKBACK_DAYS);
  });
});

/** Whether every row of the newest TAIL_DAYS + 1 days sits after every older row, and what the table holds. */
async function tailPlacement(conn: DuckDBConnection): Promise<{ tailLast: boolean; perDay: string; tokens: string }> {
  const [row] = (
    await conn.runAndReadAll(`
      WITH t AS (SELECT rowid AS r, activity_date >= (SELECT max(activity_date) - ${TAIL_DAYS} FROM claude_usage_keys) AS tail FROM claude_usage_keys)
      SELECT max(r) FILTER (WHERE NOT tail) < min(r) FILTER (WHERE tail),
             (SELECT string_agg(activity_date || '=' || n, ',' ORDER BY activity_date) FROM (SELECT activity_date, count(*) n FROM claude_usage_keys GROUP BY 1)),
             (SELECT sum(uncached_input_tokens)::VARCHAR FROM claude_usage_keys)
      FROM t`)
  ).getRows();
  return { tailLast: row?.[0] === true, perDay: String(row?.[1]), tokens: String(row?.[2]) };
}
