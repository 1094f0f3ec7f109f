/**
 * A warehouse file with a damaged block: every command that reads it says so in one line naming the
 * file and the fix (exit 2), and nothing more is written to it (the file's bytes stay as they were).
 */
import { closeSync, copyFileSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { expectOneLineRefusal, fileDigest } from '../reliability/helpers.js';

let w: FilledWarehouse;
/** DuckDB's file layout: a 12 KB header, then 256 KB blocks, each starting with its 8-byte checksum. */
const HEADER = 3 * 4096;
const BLOCK = 256 * 1024;

beforeAll(async () => {
  w = await fillWarehouse({ today: '2026-03-10', from: '2026-01-01', seed: 2, args: ['--streams', 'cost'] });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

/** A copy of the warehouse with one block of claude_costs' data overwritten. */
async function damagedCopy(): Promise<string> {
  const file = join(tempDir(), 'damaged.duckdb');
  copyFileSync(w.file, file);
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  const rows = (await conn.runAndReadAll("SELECT block_id FROM pragma_storage_info('claude_costs') WHERE block_id >= 0 AND NOT persistent = false ORDER BY block_id")).getRows();
  conn.closeSync();
  db.closeSync();
  const block = Number(rows[Math.floor(rows.length / 2)]![0]);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, HEADER + block * BLOCK + 1024);
  closeSync(fd);
  return file;
}

const DAMAGED = /^the warehouse .*damaged\.duckdb is damaged \(Corrupt database file: computed checksum \d+ does not match stored checksum \d+ in block at location \d+\): nothing more is written to it; move it aside and restore a backup, or backfill into a new file$/;

it.each([
  ['report', ['report', '--by', 'day']],
  ['export', ['export', 'claude_costs', '--out', join(tempDir(), 'x.csv')]],
  ['validate', ['validate']],
])('%s: one line naming the file and the fix, exit 2', async (_name, args) => {
  const file = await damagedCopy();
  const res = await runCli([...args, '--warehouse', `duckdb:${file}`], w.env);
  expectOneLineRefusal(res, 2, DAMAGED);
});

it('run: stops at the damaged block, exit 2, and writes nothing more to the file', async () => {
  const file = await damagedCopy();
  const before = fileDigest(file);
  // --refresh-like: the whole range is read again, so the damaged days are replaced (a read of them first).
  const res = await runCli(['backfill', '--from', '2026-01-01', '--streams', 'cost', '--refresh', '--warehouse', `duckdb:${file}`], w.env);
  expect(res.code, res.stderr).toBe(2);
  const errors = errorLines(res.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(DAMAGED);
  expect(fileDigest(file)).toBe(before);
});
