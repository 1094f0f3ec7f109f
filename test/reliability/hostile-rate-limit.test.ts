/**
 * A 429 that asks for a wait past the retry budget (retry-after, or the reset header) fails the run
 * at once with one honest line, leaves no window `running`, releases the lock (exit 1) and lets
 * `claude-ingest retry` finish the job later.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileApi } from '../helpers/hostile-api.js';
import { expectMatchesTruth } from '../helpers/truth.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { envFor, FROM, TODAY } from './helpers.js';

let emu: Emulator | undefined;
let api: HostileApi | undefined;

afterEach(async () => {
  await api?.close();
  await emu?.close();
  api = emu = undefined;
});

const cases = [
  { name: 'retry-after: 99999', headers: (): Record<string, string> => ({ 'retry-after': '99999' }), asked: 'the API asked to wait 28 h' },
  {
    name: 'a reset header 27 h ahead',
    headers: (): Record<string, string> => ({ 'anthropic-ratelimit-requests-reset': new Date(Date.now() + 27 * 3600_000).toISOString() }),
    asked: 'the API asked to wait 27 h',
  },
];

describe('a wait past the retry budget', () => {
  it.each(cases)('$name fails the run at once, exit 1, and retry completes it later', async (c) => {
    emu = await startEmulator({ seed: 5, today: TODAY, org: 'small', historyDays: 60 });
    let limiting = true;
    api = await startHostileApi(emu.url, (r) =>
      limiting && r.path.endsWith('/cost_report')
        ? { answer: { status: 429, headers: c.headers(), body: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'daily limit' } }) } }
        : undefined,
    );
    const file = join(tempDir(), 'w.duckdb');
    const started = Date.now();
    const res = await runCli(['backfill', '--from', FROM, '--concurrency', '4', '--warehouse', `duckdb:${file}`], envFor(api));
    // Nobody slept: the whole run took seconds, not the day the API asked for.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(res.code, res.stderr).toBe(1);
    const errors = errorLines(res.stderr);
    const last = errors.at(-1)!;
    expect(last).toMatch(new RegExp(`^stopped: ${c.asked} \\(429 rate_limit_error on /v1/organizations/cost_report\\)( \\[request-id req_hostile_\\d+\\])?; the retry budget is 10 min: run \`claude-ingest retry\` later$`));
    // No window is left `running` (that is what a hung worker looked like); none was written half.
    const ledger = await queryWarehouse(file, 'SELECT status, COUNT(*) AS n FROM ingest_windows GROUP BY 1 ORDER BY 1');
    expect(ledger.map((r) => r.status)).not.toContain('running');
    const failed = await queryWarehouse(file, "SELECT error FROM ingest_windows WHERE status = 'failed'");
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(String(f.error)).toContain('the retry budget is 10 min');
    // The lock is released and retry finishes the job once the API lets us in again.
    limiting = false;
    const again = await runCli(['retry', '--warehouse', `duckdb:${file}`], envFor(api));
    expect(again.code, again.stderr).toBe(0);
    const ran = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(api));
    expect(ran.code, ran.stderr).toBe(0);
    await expectMatchesTruth(file, emu, eachDay(FROM, TODAY));
  });
});
