/**
 * The warehouse's change token, as the dashboard relies on it: DuckDB's is a stat (it answers while a
 * writer holds the file, and after close()), a read leaves it alone so kept answers are served, and
 * a committed write changes it. And the server that started while a writer held the file computes
 * the default view ahead once the writer is gone (it has no token until it opened the file once).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_VIEW, startDashboard } from '../../src/dashboard/server.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { fillWarehouse, runSql, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { holdWriteLock, plantedCopy } from './helpers.js';

const TODAY = '2026-03-15';
let w: FilledWarehouse;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-03-01', seed: 3, name: 'token.duckdb', args: ['--streams', 'cost'] });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const write = (file: string, sql: string) => runSql(file, sql);

describe('DuckDB change token', () => {
  it('is unchanged by reads, answers after close() and while a writer holds the file, and changes with a write', async () => {
    const file = await plantedCopy(w, 'token-a.duckdb');
    const wh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
    const before = await wh.changeToken!();
    expect(before).toMatch(/^\d+:[\d.]+:[\d.]+:\d+\|/);
    expect((await wh.query(`SELECT COUNT(*) AS n FROM ${wh.dialect.table('claude_costs')}`))[0]!.n).toBeGreaterThan(0);
    await wh.close();
    expect(await wh.changeToken!()).toBe(before);

    // A reader that opens, queries and closes again: still the same token.
    const again = await openWarehouse(`duckdb:${file}`, { readOnly: true });
    await again.query(`SELECT SUM(amount_usd) FROM ${again.dialect.table('claude_costs')}`);
    await again.close();
    expect(await wh.changeToken!()).toBe(before);

    // A writer that holds the file but has not written: the token can be read (no open) and is the same.
    const lock = await holdWriteLock(file);
    try {
      expect(await wh.changeToken!()).toBe(before);
    } finally {
      await lock.release();
    }

    await write(file, `INSERT INTO claude_costs SELECT * FROM claude_costs WHERE activity_date = DATE '2026-03-05'`);
    const after = await wh.changeToken!();
    expect(after).not.toBe(before);
    await write(file, `DELETE FROM claude_costs WHERE activity_date = DATE '2026-03-06'`);
    expect(await wh.changeToken!()).not.toBe(after);
  });
});

describe('the dashboard and the change token', () => {
  it('started while a writer held the file, computes the default view ahead once the writer is gone', async () => {
    const file = await plantedCopy(w, 'token-b.duckdb');
    const first = await holdWriteLock(file);
    let dash: Awaited<ReturnType<typeof startDashboard>> | undefined;
    try {
      dash = await startDashboard({ warehouseUrl: `duckdb:${file}`, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 100 });
      expect((await fetch(new URL('/api/meta', dash.url))).status).toBe(503);
    } finally {
      await first.release();
    }
    try {
      // No page asks in between: the timer alone opens the file once the writer is gone.
      await vi.waitUntil(() => dash!.isWarm(), { timeout: 30_000, interval: 50 });
      const second = await holdWriteLock(file);
      try {
        const statuses = await Promise.all(DEFAULT_VIEW.map(async (path) => (await fetch(new URL(path, dash!.url))).status));
        expect(statuses).toEqual(DEFAULT_VIEW.map(() => 200));
        expect((await fetch(new URL('/api/spend?stack=model', dash!.url))).status).toBe(503);
      } finally {
        await second.release();
      }
    } finally {
      await dash?.close();
    }
  }, 60_000);
});
