/**
 * Two writers on one DuckDB file: the second refuses with exit 3 (or waits with --lock-wait and then
 * succeeds); nothing is duplicated and the file stays readable. A SIGKILLed writer leaves no stale lock.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, runCliProcess, spawnCli, tempDir } from '../helpers/cli.js';
import { expectMatchesTruth } from '../helpers/truth.js';
import { queryWarehouse, snapshotTables } from '../helpers/warehouse-snapshot.js';
import { envFor, expectOneLineRefusal, FROM, TODAY, watch } from './helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function duplicateKeys(file: string): Promise<number> {
  const [r] = await queryWarehouse(
    file,
    `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM claude_cost_daily_totals GROUP BY activity_date, currency HAVING COUNT(*) > 1))
          + (SELECT COUNT(*) FROM (SELECT 1 FROM claude_usage_daily_totals GROUP BY bucket_start HAVING COUNT(*) > 1))
          + (SELECT COUNT(*) FROM (SELECT 1 FROM claude_code_productivity GROUP BY activity_date, actor_type, actor_id HAVING COUNT(*) > 1))
          + (SELECT COUNT(*) FROM (SELECT 1 FROM claude_api_keys GROUP BY id HAVING COUNT(*) > 1)) AS n`,
  );
  return Number(r!.n);
}

describe('two writers on the same warehouse', () => {
  it('the second backfill refuses with exit 3 and a clear line; the first finishes exactly', async () => {
    emu = await startEmulator({ seed: 41, today: TODAY, org: 'small', historyDays: 60 });
    const file = join(tempDir(), 'w.duckdb');
    const env = envFor(emu);
    // The first writer is held mid-run (its usage requests unanswered) until both refusals are seen,
    // so it cannot have finished before the second starts, however loaded the machine is.
    const hold = emu.hold('usage_report');
    const first = watch(spawnCli(['backfill', '--from', FROM, '--json', '--warehouse', `duckdb:${file}`], env));
    await Promise.race([hold.held, first.exited.then(() => Promise.reject(new Error(`first exited early: ${first.stderr}`)))]);

    const second = await runCliProcess(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], env);
    expectOneLineRefusal(second, 3, /the warehouse .*w\.duckdb is in use by another process \(pid \d+\): wait for the running claude-ingest to finish or use another --warehouse/);
    const run = await runCliProcess(['run', '--warehouse', `duckdb:${file}`], env);
    expectOneLineRefusal(run, 3, 'is in use by another process');

    hold.release();
    expect((await first.exited).code).toBe(0);
    await expectMatchesTruth(file, emu, eachDay(FROM, TODAY));
    expect(await duplicateKeys(file)).toBe(0);
    const [runs] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM ingest_runs');
    expect(runs!.n).toBe(1); // the refused commands wrote nothing, not even a run row
  });

  it('with --lock-wait the second run says it waits, waits, then succeeds; the result equals a single run', async () => {
    emu = await startEmulator({ seed: 42, today: TODAY, org: 'small', historyDays: 60 });
    const dir = tempDir();
    const single = join(dir, 'single.duckdb');
    const file = join(dir, 'w.duckdb');
    const env = envFor(emu);
    expect((await runCli(['run', '--warehouse', `duckdb:${single}`], env)).code).toBe(0);

    // The first writer is held mid-run until the second has said it waits for the lock: the second
    // cannot have found the file free, however loaded the machine is.
    const hold = emu.hold('usage_report');
    const first = watch(spawnCli(['run', '--json', '--warehouse', `duckdb:${file}`], env));
    await Promise.race([hold.held, first.exited.then(() => Promise.reject(new Error(`first exited early: ${first.stderr}`)))]);
    const second = watch(spawnCli(['run', '--json', '--lock-wait', '60', '--warehouse', `duckdb:${file}`], env));
    await second.until(/"event":"lock_wait"/);
    expect(second.stderr).toMatch(/the warehouse is in use by pid \d+: waiting up to 60 s for it \(--lock-wait\)/);
    hold.release();
    expect((await first.exited).code).toBe(0);
    const done = await second.exited;
    expect(done.code, second.stderr).toBe(0);

    expect(await snapshotTables(file)).toEqual(await snapshotTables(single));
    expect(await duplicateKeys(file)).toBe(0);
    const runs = await queryWarehouse(file, "SELECT status FROM ingest_runs WHERE command = 'run'");
    expect(runs).toEqual([{ status: 'ok' }, { status: 'ok' }]);
  });

  it('--lock-wait that runs out still ends with exit 3', async () => {
    emu = await startEmulator({ seed: 43, today: TODAY, org: 'small', historyDays: 60 });
    const file = join(tempDir(), 'w.duckdb');
    const env = envFor(emu);
    const hold = emu.hold('usage_report');
    const first = watch(spawnCli(['backfill', '--from', FROM, '--json', '--warehouse', `duckdb:${file}`], env));
    await Promise.race([hold.held, first.exited.then(() => Promise.reject(new Error(`first exited early: ${first.stderr}`)))]);
    const second = await runCliProcess(['run', '--json', '--lock-wait', '0.5', '--warehouse', `duckdb:${file}`], env);
    // It said it waits, then refused with one error line.
    const [waits, ...rest] = second.stderr.trim().split('\n');
    expect(JSON.parse(waits!)).toMatchObject({ severity: 'INFO', event: 'lock_wait' });
    expectOneLineRefusal({ ...second, stderr: rest.join('\n') }, 3, 'is in use by another process');
    hold.release();
    expect((await first.exited).code).toBe(0);
  });

  it('a SIGKILLed writer leaves no stale lock: the next backfill works at once and completes exactly', async () => {
    emu = await startEmulator({ seed: 44, today: TODAY, org: 'small', historyDays: 60, latencyMs: 100 });
    const dir = tempDir();
    const clean = join(dir, 'clean.duckdb');
    const file = join(dir, 'w.duckdb');
    const env = envFor(emu);
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${clean}`], env)).code).toBe(0);

    const child = spawnCli(['backfill', '--from', FROM, '--json', '--warehouse', `duckdb:${file}`], env);
    const first = watch(child);
    await first.until(/"event":"window_ok"/);
    child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const next = await runCliProcess(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], env);
    expect(next.code, next.stderr).toBe(0);
    expect(await snapshotTables(file)).toEqual(await snapshotTables(clean));
    expect(await duplicateKeys(file)).toBe(0);
    // The killed run's windows left "running" are not failures of the finished backfill.
    const status = JSON.parse((await runCli(['status', '--json', '--warehouse', `duckdb:${file}`], env)).stdout) as { streams: Array<{ missingDays: string[] }> };
    for (const s of status.streams) expect(s.missingDays).toEqual([]);
  });
});
