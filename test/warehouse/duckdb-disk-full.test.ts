/**
 * A disk that fills up mid-ingest (simulated with `ulimit -f`: writes past it fail with EFBIG as a
 * full disk fails with ENOSPC): one ERROR line naming the file and the fix, exit 2, and a later run
 * with room completes the job. Runs the built CLI (npm run build).
 */
import { spawn } from 'node:child_process';
import { Decimal } from 'decimal.js';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-03-10';
const SMALL_DISK = resolve(import.meta.dirname, '../helpers/small-disk.mjs');
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 2, today: TODAY, org: 'medium', historyDays: 120 });
});
afterAll(async () => {
  await emu?.close();
});

function backfillWithRoom(kb: number, file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn('bash', ['-c', `ulimit -f ${kb}; exec "${process.execPath}" "${SMALL_DISK}" "$@"`, 'bash', 'backfill', '--from', '2025-12-01', '--streams', 'cost,usage', '--warehouse', `duckdb:${file}`], {
      env: { PATH: process.env.PATH, ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stderr }));
  });
}

it('a full disk: one line naming the file and the fix, exit 2; with room again the run completes', async () => {
  const file = join(tempDir(), 'w.duckdb');
  const res = await backfillWithRoom(4096, file);
  expect(res.code, res.stderr).toBe(2);
  const errors = errorLines(res.stderr);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^the disk holding the warehouse ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full \\(.*File too large\\): free space or move the file, then run again \\(what failed was not committed\\)$`));
  const again = await runCli(['backfill', '--from', '2025-12-01', '--streams', 'cost,usage', '--warehouse', `duckdb:${file}`], {
    ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY,
    ANTHROPIC_BASE_URL: emu.url,
    CLAUDE_INGEST_TODAY: TODAY,
  });
  expect(again.code, again.stderr).toBe(0);
  const cost = new Map((await queryWarehouse(file, 'SELECT activity_date AS d, SUM(amount_cents) AS c FROM claude_costs GROUP BY 1')).map((r) => [r.d, String(r.c)]));
  for (const day of eachDay('2025-12-01', TODAY)) expect(new Decimal(cost.get(day) ?? '0').eq(emu.truth.costCents(day)), `cost ${day}`).toBe(true);
}, 180_000);
