/**
 * Every fault the API (or the path to it) can produce, one at a time: transient ones end with the
 * warehouse exactly equal to the emulator's ground truth; permanent ones end with the window recorded
 * failed, one clear error line, a non-zero exit and nothing of that window written — and a later run
 * completes it exactly. (test/pipeline/recovery.test.ts covers random faults + a tight rate limit
 * without retry-after, and a permanently failing 500.)
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, test } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions, type FaultRule } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { expectMatchesTruth } from '../helpers/truth.js';
import { queryWarehouse, snapshotTables } from '../helpers/warehouse-snapshot.js';
import { envFor, FROM, rowsInDays, TODAY } from './helpers.js';

const DAYS = eachDay(FROM, TODAY);
let emu: Emulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function ledgerProblems(file: string) {
  return queryWarehouse(file, "SELECT stream, window_start AS s, window_end AS e, status, error FROM ingest_windows WHERE status <> 'ok' ORDER BY 1, 2");
}

interface TransientCase {
  name: string;
  rules?: FaultRule[];
  emulator?: Partial<EmulatorOptions>;
  env?: Record<string, string>;
  /** What the ledger must show was survived. */
  expectRetries?: boolean;
  expectRateLimited?: boolean;
  /**
   * Also run the backfill again with --refresh and require the warehouse unchanged. Done for the
   * faults that break off or repeat answers mid-window (a reset body, a rate-limit storm); the
   * re-run itself meets no fault (the rules' `times` are used up), so repeating it for every kind
   * proved the same idempotence eleven times.
   */
  rerun?: boolean;
}

const transient: TransientCase[] = [
  { name: '429 storm with retry-after (injected)', rules: [{ kind: '429_retry_after', path: 'usage_report/messages', times: 3 }], expectRateLimited: true },
  { name: '429 storm with retry-after (rate limiter)', emulator: { rateLimit: { rpm: 3000, burst: 5, retryAfter: true } }, expectRateLimited: true, rerun: true },
  { name: '500 api_error', rules: [{ kind: '500', path: 'cost_report', times: 3 }], expectRetries: true },
  { name: '502 with an HTML body', rules: [{ kind: '502_html', path: 'cost_report', times: 2 }], expectRetries: true },
  { name: '503', rules: [{ kind: '503', path: 'usage_report/messages', times: 3 }], expectRetries: true },
  { name: '529 overloaded', rules: [{ kind: '529', path: 'usage_report/claude_code', times: 3 }], expectRetries: true },
  { name: 'socket reset mid-body', rules: [{ kind: 'reset', path: 'cost_report', times: 2 }], expectRetries: true, rerun: true },
  { name: 'truncated JSON with status 200', rules: [{ kind: 'truncated_json', path: 'usage_report/messages', times: 2 }], expectRetries: true },
  { name: 'invalid JSON with status 200', rules: [{ kind: 'invalid_json', path: 'usage_report/claude_code', times: 2 }], expectRetries: true },
  {
    name: 'a response slower than the client timeout',
    rules: [{ kind: 'slow', path: 'usage_report/messages', times: 2 }],
    emulator: { slowMs: 3_000 },
    env: { CLAUDE_INGEST_TIMEOUT_MS: '400' },
    expectRetries: true,
  },
];

describe('transient faults end exactly equal to the ground truth', () => {
  test.each(transient)('$name', async (c) => {
    emu = await startEmulator({ seed: 21, today: TODAY, org: 'small', historyDays: 60, faultRules: c.rules ?? [], ...c.emulator });
    const file = join(tempDir(), 'w.duckdb');
    const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(emu, c.env));
    expect(res.stderr).not.toContain('"severity":"ERROR"');
    expect(res.code, res.stderr).toBe(0);
    const stats = emu.stats();
    expect(stats.faults + stats.rateLimited).toBeGreaterThan(0);
    await expectMatchesTruth(file, emu, DAYS);
    expect(await ledgerProblems(file)).toEqual([]);
    const [ledger] = await queryWarehouse(file, 'SELECT SUM(retries) AS retries, SUM(rate_limited) AS limited FROM ingest_windows');
    if (c.expectRetries) expect(Number(ledger!.retries)).toBeGreaterThan(0);
    if (c.expectRateLimited) expect(Number(ledger!.limited)).toBeGreaterThan(0);
    if (!c.rerun) return;
    // A second run over the same days changes nothing: no duplicates.
    const before = await snapshotTables(file);
    expect((await runCli(['backfill', '--from', FROM, '--refresh', '--warehouse', `duckdb:${file}`], envFor(emu, c.env))).code).toBe(0);
    expect(await snapshotTables(file)).toEqual(before);
  });

  // Unknown extra fields and enum values: not a fault to survive but answers to keep as sent.
  it('stores unknown extra fields and enum values as sent instead of dropping the rows', async () => {
    emu = await startEmulator({ seed: 21, today: TODAY, org: 'small', historyDays: 60, faultRules: [{ kind: 'extra_fields' }] });
    const file = join(tempDir(), 'w.duckdb');
    const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(emu));
    expect(res.stderr).not.toContain('"severity":"ERROR"');
    expect(res.code, res.stderr).toBe(0);
    expect(emu.stats().faults).toBeGreaterThan(0);
    expect(await ledgerProblems(file)).toEqual([]);
    const [seen] = await queryWarehouse(
      file,
      `SELECT (SELECT COUNT(*) FROM claude_costs WHERE cost_type = 'new_cost') AS cost,
              (SELECT COUNT(*) FROM claude_usage_keys WHERE service_tier = 'flex_turbo') AS tier,
              (SELECT COUNT(*) FROM claude_code_productivity WHERE subscription_type = 'enterprise_plus') AS sub`,
    );
    expect(Number(seen!.cost)).toBeGreaterThan(0);
    expect(Number(seen!.tier)).toBeGreaterThan(0);
    expect(Number(seen!.sub)).toBeGreaterThan(0);
    await expectMatchesTruth(file, emu, DAYS);
  });
});

interface PermanentCase {
  name: string;
  rules: FaultRule[];
  args?: string[];
  /** The stream whose window holding `day` must fail, and the tables that must hold nothing for that window's days. */
  stream: string;
  day: string;
  tables: Array<'claude_costs' | 'claude_cost_daily_totals' | 'claude_usage_keys' | 'claude_usage_daily_totals' | 'claude_code_productivity' | 'claude_code_model_usage'>;
  /** The error line, after "<stream> <from>..<to> failed: ". */
  message: RegExp;
}

const permanent: PermanentCase[] = [
  {
    name: 'a page token the server rejects (400, never retried)',
    rules: [{ kind: 'bad_page_token', path: 'cost_report', day: '2026-04-25' }],
    stream: 'cost',
    day: '2026-04-25',
    tables: ['claude_costs', 'claude_cost_daily_totals'],
    message: /400.*invalid page token/,
  },
  {
    name: 'a 200 response missing its required fields',
    rules: [{ kind: 'missing_field', path: 'usage_report/messages', times: 1 }],
    stream: 'usage',
    day: FROM,
    tables: ['claude_usage_keys', 'claude_usage_daily_totals'],
    message: /unexpected response body.*\[request-id req_emu_\w+\].*not \\"no spend/,
  },
  {
    name: 'a 502 HTML page that never goes away',
    rules: [{ kind: '502_html', path: 'usage_report/claude_code', day: '2026-05-02' }],
    args: ['--max-attempts', '2'],
    stream: 'claude_code',
    day: '2026-05-02',
    tables: ['claude_code_productivity', 'claude_code_model_usage'],
    message: /502/,
  },
  {
    name: 'a response that always outlasts the timeout',
    rules: [{ kind: 'slow', path: 'usage_report/claude_code', day: '2026-05-03' }],
    args: ['--max-attempts', '2'],
    stream: 'claude_code',
    day: '2026-05-03',
    tables: ['claude_code_productivity', 'claude_code_model_usage'],
    message: /timeout: no complete answer within 300 ms/,
  },
];

describe('permanent faults fail their window cleanly, and a later run completes it exactly', () => {
  test.each(permanent)('$name', async (c) => {
    emu = await startEmulator({ seed: 22, today: TODAY, org: 'small', historyDays: 60, faultRules: c.rules, slowMs: 2_000 });
    const file = join(tempDir(), 'w.duckdb');
    const w = `duckdb:${file}`;
    const env = envFor(emu, { CLAUDE_INGEST_TIMEOUT_MS: '300' });
    const res = await runCli(['backfill', '--from', FROM, ...(c.args ?? []), '--warehouse', w], env);
    expect(res.code).toBe(1);
    expect(res.stderr).not.toMatch(/<html|\n\s+at /i);

    const failed = (await ledgerProblems(file)).filter((r) => r.status === 'failed');
    for (const f of failed) expect(String(f.error)).not.toContain('\n');
    const window = failed.find((r) => r.stream === c.stream && String(r.s) <= c.day && c.day <= String(r.e));
    expect(window, JSON.stringify(failed)).toBeDefined();
    const [from, to] = [String(window!.s), String(window!.e)];
    const errors = res.stderr.split('\n').filter((l) => l.includes('"severity":"ERROR"'));
    const line = errors.find((l) => l.includes(`${c.stream} ${from}..${to} failed: `));
    expect(line, res.stderr).toBeDefined();
    expect(line).toMatch(c.message);
    for (const table of c.tables) expect(await rowsInDays(file, table, from, to), table).toBe(0);


    emu.setFaultRules([]);
    const again = await runCli(['retry', '--warehouse', w], env);
    expect(again.code, again.stderr).toBe(0);
    const resumed = await runCli(['backfill', '--from', FROM, '--warehouse', w], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    await expectMatchesTruth(file, emu, DAYS);
    const [dupes] = await queryWarehouse(
      file,
      'SELECT COUNT(*) AS n FROM (SELECT activity_date, actor_type, actor_id FROM claude_code_productivity GROUP BY ALL HAVING COUNT(*) > 1)',
    );
    expect(dupes!.n).toBe(0);
  });

  it('a window that fails after some of its pages were staged keeps the previous data, not a partial mix', async () => {
    emu = await startEmulator({ seed: 23, today: TODAY, org: 'small', historyDays: 60, slowMs: 1 });
    const file = join(tempDir(), 'w.duckdb');
    const w = `duckdb:${file}`;
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', w], envFor(emu))).code).toBe(0);
    const before = await snapshotTables(file);
    // The cost window reads the grouped report, then the daily totals: the first request passes
    // (a harmless 1 ms stall), every later one is broken, so the failure comes after rows were staged.
    emu.setFaultRules([
      { kind: 'slow', path: 'cost_report', times: 1 },
      { kind: 'missing_field', path: 'cost_report' },
    ]);
    const res = await runCli(['backfill', '--from', FROM, '--refresh', '--streams', 'cost', '--warehouse', w], envFor(emu));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cost 2026-04-20\.\.2026-05-10 failed: .*unexpected response body/);
    expect(emu.stats().byEndpoint.cost_report).toBeGreaterThanOrEqual(2);
    expect(await snapshotTables(file)).toEqual(before);
    await expectMatchesTruth(file, emu, DAYS);
  });
});
