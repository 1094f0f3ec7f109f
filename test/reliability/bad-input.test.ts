/**
 * Every bad input of the README's "Bad input" table: one readable line, the documented exit code,
 * no stack trace, and the warehouse unchanged (byte for byte when the input is refused before the
 * warehouse is opened; row for row otherwise). Runs the built CLI as a child process, as a user would,
 * wherever the process itself matters; the up-front refusals, whose line and exit code main() decides
 * alone, run in-process, and a few of them as a process too, which prove the bin passes both through.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { SCHEMA_VERSION } from '../../src/warehouse/tables.js';
import { runCli, runCliProcess, tempDir } from '../helpers/cli.js';
import { queryWarehouse, snapshotTables } from '../helpers/warehouse-snapshot.js';
import { closedPort, envFor, expectOneLineRefusal, fileDigest, FROM, fullDump, startAuthGate, TODAY } from './helpers.js';

let emu: Emulator;
let dir: string;
/** A warehouse holding a clean backfill; pre-open refusals must leave its bytes alone. */
let base: string;

beforeAll(async () => {
  emu = await startEmulator({ seed: 31, today: TODAY, org: 'small', historyDays: 60 });
  dir = tempDir();
  base = join(dir, 'base.duckdb');
  const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${base}`], envFor(emu));
  expect(res.code, res.stderr).toBe(0);
});
afterAll(async () => {
  await emu?.close();
});

function copyOfBase(name: string): string {
  const file = join(dir, name);
  copyFileSync(base, file);
  return file;
}

interface Refusal {
  input: string;
  args: string[];
  env?: Record<string, string | undefined>;
  message: string | RegExp;
}

/** Refused before the warehouse is opened or anything is sent: exit 2. */
const refusedUpFront: Refusal[] = [
  { input: 'impossible date', args: ['backfill', '--from', '2026-02-30'], message: '--from "2026-02-30" is not a real calendar day' },
  { input: 'not a date', args: ['backfill', '--from', 'yesterday'], message: '--from "yesterday" is not a date: use YYYY-MM-DD' },
  { input: '--from after --to', args: ['backfill', '--from', '2026-05-01', '--to', '2026-04-01'], message: '--from 2026-05-01 is after --to 2026-04-01: swap them' },
  { input: 'future --from', args: ['backfill', '--from', '2026-06-01'], message: '--from 2026-06-01 is in the future (today is 2026-05-10 UTC)' },
  { input: 'future --to', args: ['backfill', '--from', '2026-05-01', '--to', '2026-07-01'], message: '--to 2026-07-01 is in the future' },
  { input: 'unknown stream', args: ['backfill', '--from', FROM, '--streams', 'cost,bogus'], message: 'unknown stream "bogus": choose from' },
  { input: 'negative --lookback', args: ['run', '--lookback', '-1'], message: '--lookback -1 is not a whole number of days from 1 to 90' },
  { input: 'zero --lookback', args: ['run', '--lookback', '0'], message: '--lookback 0 is not a whole number of days from 1 to 90' },
  { input: 'absurd --lookback', args: ['run', '--lookback', '100000'], message: '--lookback 100000 is not a whole number of days from 1 to 90' },
  { input: 'non-numeric --lookback', args: ['run', '--lookback', 'week'], message: '--lookback week is not a whole number' },
  { input: 'unsupported --usage-bucket', args: ['run', '--usage-bucket', '5m'], message: '--usage-bucket 5m is not supported: use 1d (default) or 1h' },
  { input: 'missing key', args: ['run'], env: { ANTHROPIC_ADMIN_KEY: undefined }, message: 'set ANTHROPIC_ADMIN_KEY (or ANTHROPIC_ADMIN_API_KEY / ANTHROPIC_ADMIN_KEY_FILE)' },
  { input: 'a key with inner whitespace', args: ['run'], env: { ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01 notakey' }, message: 'contains spaces or non-ASCII characters' },
  {
    input: 'ANTHROPIC_ADMIN_KEY_FILE that does not exist',
    args: ['run'],
    env: { ANTHROPIC_ADMIN_KEY: undefined, ANTHROPIC_ADMIN_KEY_FILE: '/nonexistent/admin.key' },
    message: 'ANTHROPIC_ADMIN_KEY_FILE /nonexistent/admin.key cannot be read (ENOENT)',
  },
  { input: 'ftp:// base URL', args: ['run'], env: { ANTHROPIC_BASE_URL: 'ftp://127.0.0.1/' }, message: 'the Admin API base URL must use https (got ftp)' },
  { input: 'garbage base URL', args: ['run'], env: { ANTHROPIC_BASE_URL: 'not a url' }, message: 'the Admin API base URL "not a url" is not a URL' },
  {
    input: 'http:// to a non-loopback host',
    args: ['run'],
    env: { ANTHROPIC_BASE_URL: 'http://api.anthropic.invalid' },
    message: 'refusing to send the admin key in clear text to http://api.anthropic.invalid',
  },
  { input: 'unsupported warehouse URL', args: ['run', '--warehouse', 'mysql://db/x'], message: '--warehouse "mysql://db/x" uses an unsupported scheme' },
];

describe('refused before anything is opened or sent (exit 2, warehouse bytes unchanged)', () => {
  async function expectRefusedUpFront(c: Refusal, run: typeof runCli): Promise<void> {
    const before = fileDigest(base);
    const args = c.args.includes('--warehouse') ? c.args : [...c.args, '--warehouse', `duckdb:${base}`];
    const requestsBefore = emu.stats().total;
    const res = await run(args, envFor(emu, c.env));
    expectOneLineRefusal(res, 2, c.message);
    expect(fileDigest(base)).toBe(before);
    // Refused before any request: nothing reached the API (a count, not a clock, so a loaded machine passes too).
    expect(emu.stats().total).toBe(requestsBefore);
  }

  test.each(refusedUpFront)('$input', (c) => expectRefusedUpFront(c, runCli));

  // One refusal of an option, one of the environment and one of a URL, as the built CLI in its own process.
  test.each(refusedUpFront.filter((c) => ['not a date', 'missing key', 'unsupported warehouse URL'].includes(c.input)))('as a process: $input', (c) =>
    expectRefusedUpFront(c, runCliProcess),
  );

  it('none of them creates a warehouse file that did not exist', async () => {
    for (const c of refusedUpFront) {
      if (c.args.includes('--warehouse')) continue;
      const fresh = join(dir, 'never-created.duckdb');
      const res = await runCli([...c.args, '--warehouse', `duckdb:${fresh}`], envFor(emu, c.env));
      expect(res.code, c.input).toBe(2);
      expect(existsSync(fresh), c.input).toBe(false);
    }
  });

  it('refuses http:// to a remote host without a connection or DNS lookup', async () => {
    // A .invalid name can never resolve; the refusal comes from checkBaseUrl alone, before the client exists.
    const started = Date.now();
    const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${join(dir, 'remote.duckdb')}`], envFor(emu, { ANTHROPIC_BASE_URL: 'http://10.0.0.1:8080' }));
    expectOneLineRefusal(res, 2, 'refusing to send the admin key in clear text to http://10.0.0.1:8080');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(existsSync(join(dir, 'remote.duckdb'))).toBe(false);
  });
});

describe('warehouse problems (exit 2, file unchanged)', () => {
  it('an unwritable warehouse path', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const res = await runCliProcess(['backfill', '--from', FROM, '--warehouse', `duckdb:${join(blocker, 'w.duckdb')}`], envFor(emu));
    expectOneLineRefusal(res, 2, /cannot create the warehouse at .*a-file\/w\.duckdb/);
  });

  it('a file that is not a DuckDB database', async () => {
    const file = join(dir, 'corrupt.duckdb');
    writeFileSync(file, 'this is not a database\n'.repeat(500));
    const before = fileDigest(file);
    const res = await runCliProcess(['run', '--warehouse', `duckdb:${file}`], envFor(emu));
    expectOneLineRefusal(res, 2, /corrupt\.duckdb is not a DuckDB database \(or is damaged\)/);
    expect(fileDigest(file)).toBe(before);
    const status = await runCliProcess(['status', '--warehouse', `duckdb:${file}`], envFor(emu));
    expectOneLineRefusal(status, 2, 'is not a DuckDB database');
    expect(fileDigest(file)).toBe(before);
  });

  it('a DuckDB file that belongs to something else', async () => {
    const file = join(dir, 'foreign.duckdb');
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    await conn.run("CREATE TABLE sales AS SELECT 1 AS id, 'x' AS item");
    conn.closeSync();
    db.closeSync();
    const res = await runCliProcess(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(emu));
    expectOneLineRefusal(res, 2, /foreign\.duckdb is not a claude-ingest warehouse \(it has other tables: sales\)/);
    const db2 = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const conn2 = await db2.connect();
    const tables = (await conn2.runAndReadAll('SELECT table_name FROM duckdb_tables()')).getRows().map(([t]) => String(t));
    const rows = (await conn2.runAndReadAll('SELECT * FROM sales')).getRows();
    conn2.closeSync();
    db2.closeSync();
    expect(tables).toEqual(['sales']);
    expect(rows).toEqual([[1, 'x']]);
  });

  it('a warehouse written by a newer schema version', async () => {
    const file = copyOfBase('newer.duckdb');
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    await conn.run(`UPDATE claude_ingest_meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`);
    conn.closeSync();
    db.closeSync();
    const before = await fullDump(file);
    // The first as a process, the rest in-process: the refusal is the warehouse's, whoever opens it.
    for (const [i, args] of [['run'], ['backfill', '--from', FROM], ['retry'], ['status']].entries()) {
      const res = await (i === 0 ? runCliProcess : runCli)([...args, '--warehouse', `duckdb:${file}`], envFor(emu));
      expectOneLineRefusal(res, 2, `this warehouse was written by a newer claude-ingest (schema ${SCHEMA_VERSION + 1} > ${SCHEMA_VERSION}): upgrade claude-ingest`);
    }
    expect(await fullDump(file)).toEqual(before);
  });

  it('status of a warehouse that does not exist', async () => {
    const missing = join(dir, 'missing.duckdb');
    const res = await runCliProcess(['status', '--warehouse', `duckdb:${missing}`], envFor(emu));
    expectOneLineRefusal(res, 2, /there is no warehouse at .*missing\.duckdb/);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('the API cannot be used (exit 1, data unchanged, failure in the ledger)', () => {
  /** The last line is the error; every line is JSON with a severity; no stack trace anywhere. */
  function expectFailedRun(res: { code: number; stderr: string; stdout: string }, message: RegExp) {
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trim().split('\n').map((l) => JSON.parse(l) as { severity: string; message: string });
    expect(lines.at(-1)!.severity).toBe('ERROR');
    expect(lines.at(-1)!.message).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at |unexpected error/);
  }

  it('an unreachable base URL (closed loopback port): stops at once instead of retrying every window', async () => {
    const file = copyOfBase('unreachable.duckdb');
    const before = await snapshotTables(file);
    const port = await closedPort();
    const started = Date.now();
    const res = await runCliProcess(['run', '--warehouse', `duckdb:${file}`], envFor(emu, { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` }));
    expectFailedRun(res, new RegExp(`stopped: .*could not be reached \\(ECONNREFUSED\\): check ANTHROPIC_BASE_URL`));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await snapshotTables(file)).toEqual(before);
    const [run] = await queryWarehouse(file, "SELECT status FROM ingest_runs WHERE command = 'run'");
    expect(run).toEqual({ status: 'failed' });
  });

  it('a key the API rejects (401): one clear line, nothing written, the key not echoed', async () => {
    // The emulator accepts any sk-ant-admin… key; the real API only the keys that exist. The gate
    // answers 401 authentication_error for any other key, as the real API does.
    const gate = await startAuthGate(emu, 'sk-ant-admin01-the-only-valid-key');
    try {
      const file = copyOfBase('rejected.duckdb');
      const before = await snapshotTables(file);
      const key = 'sk-ant-admin01-revoked-key-0000000000';
      const res = await runCliProcess(['run', '--warehouse', `duckdb:${file}`], envFor(gate, { ANTHROPIC_ADMIN_KEY: key }));
      expectFailedRun(res, /stopped: The Admin API rejected the key \(401 authentication_error: invalid x-api-key\).*: set ANTHROPIC_ADMIN_KEY to a key the Admin API accepts/);
      expect(res.stderr).not.toContain(key);
      expect(gate.rejected()).toBeGreaterThan(0);
      // Fatal: the run stops after the requests already in flight, rather than failing window after window.
      // (One more than the windows in flight: the run's GET /v1/organizations/me, which is not retried either.)
      expect(gate.rejected()).toBeLessThanOrEqual(5);
      expect(await snapshotTables(file)).toEqual(before);
    } finally {
      await gate.close();
    }
  });

  it('a range before the history (every stream returns nothing): exit 0 with a clear warning', async () => {
    const file = copyOfBase('empty-range.duckdb');
    const before = await snapshotTables(file);
    const res = await runCliProcess(['backfill', '--from', '2025-01-01', '--to', '2025-01-05', '--warehouse', `duckdb:${file}`], envFor(emu));
    expect(res.code).toBe(0);
    const warnings = res.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { severity: string; message: string })
      .filter((l) => l.severity === 'WARNING');
    expect(warnings.map((w) => w.message)).toContain(
      'the API returned no usage, cost or Claude Code data at all for 2025-01-01..2025-01-05: check the dates and that the key belongs to the right organization',
    );
    // The name lists are refreshed (same content); no fact rows appear or disappear.
    expect(await snapshotTables(file)).toEqual(before);
  });
});

it('a base URL on a port fetch refuses (e.g. 9) stops at once with exit 2, not after minutes of retries', async () => {
  const dir = tempDir('bad-port-');
  const res = await runCliProcess(['backfill', '--from', '2026-05-01', '--to', '2026-05-02', '--warehouse', `duckdb:${join(dir, 'w.duckdb')}`], {
    ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-bad-port-test',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
    CLAUDE_INGEST_TODAY: '2026-05-10',
  });
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('port 9 is one browsers block');
  expect(res.stderr).not.toContain('bad-port-test');
});
