/** Kills, faults, rate limits and permanently failing windows: the data still ends exact. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, runCliProcess, spawnCli, tempDir } from '../helpers/cli.js';
import { expectMatchesTruth } from '../helpers/truth.js';
import { queryWarehouse, snapshotTables } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-05-10';
const FROM = '2026-03-01';
let emu: Emulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const envFor = (e: Emulator, extra: Record<string, string> = {}) => ({
  ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY,
  ANTHROPIC_BASE_URL: e.url,
  CLAUDE_INGEST_TODAY: TODAY,
  CLAUDE_INGEST_RETRY_BASE_MS: '10',
  CLAUDE_INGEST_RETRY_MAX_MS: '200',
  ...extra,
});

describe('recovery', () => {
  it('a backfill killed with SIGKILL halfway, then run again, equals a clean backfill', async () => {
    emu = await startEmulator({ seed: 11, today: TODAY, org: 'small', latencyMs: 15 });
    const dir = tempDir();
    const clean = join(dir, 'clean.duckdb');
    const killed = join(dir, 'killed.duckdb');
    const env = envFor(emu);
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${clean}`], env)).code).toBe(0);

    const child = spawnCli(['backfill', '--from', FROM, '--json', '--warehouse', `duckdb:${killed}`], env);
    let committed = 0;
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        committed += (d.toString().match(/"event":"window_ok"/g) ?? []).length;
        if (committed >= 6 && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(child.signalCode).toBe('SIGKILL');

    const status = await runCli(['status', '--json', '--warehouse', `duckdb:${killed}`], env);
    const parsed = JSON.parse(status.stdout) as { streams: Array<{ stream: string; daysPresent: number }> };
    const held = parsed.streams.find((s) => s.stream === 'claude_code')!.daysPresent;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(eachDay(FROM, TODAY).length);

    const resumed = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${killed}`], env);
    expect(resumed.code).toBe(0);
    expect(await snapshotTables(killed)).toEqual(await snapshotTables(clean));
  });

  it('completes exactly through transient faults and a tight rate limit without retry-after', async () => {
    emu = await startEmulator({ seed: 12, today: TODAY, org: 'small', faultRate: 0.15, rateLimit: { rpm: 600, burst: 4 } });
    const file = join(tempDir(), 'faults.duckdb');
    const res = await runCli(['backfill', '--from', '2026-04-01', '--warehouse', `duckdb:${file}`], envFor(emu));
    expect(res.stderr).not.toContain('"severity":"ERROR"');
    expect(res.code).toBe(0);
    expect(emu.stats().faults).toBeGreaterThan(0);
    expect(emu.stats().rateLimited).toBeGreaterThan(0);
    await expectMatchesTruth(file, emu, eachDay('2026-04-01', TODAY));
    const [ledger] = await queryWarehouse(file, "SELECT SUM(rate_limited) AS limited, SUM(retries) AS retries, COUNT(*) FILTER (WHERE status <> 'ok') AS bad FROM ingest_windows");
    expect(ledger!.bad).toBe(0);
    expect(Number(ledger!.limited)).toBeGreaterThan(0);
  });

  it('records a permanently failing window, exits non-zero, and retry completes it once the fault is lifted', async () => {
    emu = await startEmulator({ seed: 13, today: TODAY, org: 'small', faultRules: [{ kind: '500', path: 'cost_report', day: '2026-04-10' }] });
    const file = join(tempDir(), 'retry.duckdb');
    const w = `duckdb:${file}`;
    const env = envFor(emu);
    const res = await runCliProcess(['backfill', '--from', '2026-04-01', '--max-attempts', '2', '--warehouse', w], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cost 2026-04-01\.\.2026-05-01 failed: .*500/);
    expect(res.stderr).toContain('claude-ingest retry');

    const failed = await queryWarehouse(file, "SELECT stream, window_start AS s, window_end AS e, error FROM ingest_windows WHERE status = 'failed'");
    expect(failed).toEqual([{ stream: 'cost', s: '2026-04-01', e: '2026-05-01', error: expect.stringContaining('500') }]);
    const [costRows] = await queryWarehouse(file, "SELECT COUNT(*) AS n FROM claude_costs WHERE activity_date BETWEEN DATE '2026-04-01' AND DATE '2026-05-01'");
    expect(costRows!.n).toBe(0);
    const status = JSON.parse((await runCli(['status', '--json', '--warehouse', w], env)).stdout) as { failedWindows: unknown[] };
    expect(status.failedWindows).toHaveLength(1);

    // Still failing: retry fails again and says so.
    expect((await runCli(['retry', '--max-attempts', '1', '--warehouse', w], env)).code).toBe(1);

    emu.setFaultRules([]);
    const retried = await runCli(['retry', '--warehouse', w], env);
    expect(retried.code).toBe(0);
    await expectMatchesTruth(file, emu, eachDay('2026-04-01', TODAY));
    const after = JSON.parse((await runCli(['status', '--json', '--warehouse', w], env)).stdout) as { failedWindows: unknown[] };
    expect(after.failedWindows).toHaveLength(0);
  });
});
