/**
 * The admin key never leaves: not in stdout, stderr, JSON logs, error messages, the ledger, any
 * table, exported files or the DuckDB file's bytes — whichever variable it came from, whether the run
 * succeeds, fails on faults, or is rejected with 401 by a server that even quotes the key back.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { TABLES } from '../../src/warehouse/tables.js';
import { runCli, runCliProcess, tempDir, type CliResult } from '../helpers/cli.js';
import { expectMatchesTruth } from '../helpers/truth.js';
import { envFor, FROM, startAuthGate, TODAY } from './helpers.js';

const MARK = 'SECRETCANARY';
const KEY = `sk-ant-admin01-${MARK}-${randomBytes(24).toString('base64url')}-AA`;
/** Pieces that would betray a partial leak (a prefix, the random middle, the tail). */
const FRAGMENTS = [KEY, MARK, KEY.slice(20, 44), KEY.slice(-20)];

let emu: Emulator;
let dir: string;
let file: string;
const outputs: Array<{ what: string; text: string }> = [];

function record(what: string, res: CliResult): CliResult {
  outputs.push({ what, text: res.stdout + '\n' + res.stderr });
  return res;
}

function expectNoKey(what: string, text: string): void {
  for (const f of FRAGMENTS) expect(text.includes(f), `${what} contains the key (${f.slice(0, 6)}…)`).toBe(false);
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 51, today: TODAY, org: 'small', historyDays: 60 });
  dir = tempDir();
  file = join(dir, 'w.duckdb');
});
afterAll(async () => {
  await emu?.close();
});

describe('the admin key never appears anywhere', () => {
  it('normal runs of every command, with the key from each of the three sources', { timeout: 180_000 }, async () => {
    const w = ['--warehouse', `duckdb:${file}`];
    const keyFile = join(dir, 'admin.key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const sources = {
      ANTHROPIC_ADMIN_KEY: { ANTHROPIC_ADMIN_KEY: KEY },
      ANTHROPIC_ADMIN_API_KEY: { ANTHROPIC_ADMIN_KEY: undefined, ANTHROPIC_ADMIN_API_KEY: KEY },
      ANTHROPIC_ADMIN_KEY_FILE: { ANTHROPIC_ADMIN_KEY: undefined, ANTHROPIC_ADMIN_KEY_FILE: keyFile },
    };
    for (const [name, extra] of Object.entries(sources)) {
      const env = envFor(emu, extra);
      // The last source through the real binary too: what reaches stdout/stderr of the process.
      const run = name === 'ANTHROPIC_ADMIN_KEY_FILE' ? runCliProcess : runCli;
      const res = record(`backfill via ${name}`, await run(['backfill', '--from', FROM, '--refresh', ...w], env));
      expect(res.code, `${name}: ${res.stderr}`).toBe(0);
    }
    await expectMatchesTruth(file, emu, eachDay(FROM, TODAY));

    const env = envFor(emu, { ANTHROPIC_ADMIN_KEY: KEY });
    expect(record('run', await runCli(['run', ...w], env)).code).toBe(0);
    expect(record('run --json', await runCli(['run', '--json', '--lookback', '1', ...w], env)).code).toBe(0);
    expect(record('status', await runCli(['status', ...w], env)).code).toBe(0);
    expect(record('status --json', await runCli(['status', '--json', ...w], env)).code).toBe(0);
    // validate exits 1 when a check FAILs; only the output matters here.
    record('validate', await runCli(['validate', ...w], env));
    record('validate --json', await runCli(['validate', '--json', ...w], env));
    expect(record('report', await runCli(['report', ...w], env)).code).toBe(0);
    expect(record('report --format json', await runCli(['report', '--format', 'json', '--by', 'api_key', ...w], env)).code).toBe(0);
    for (const table of ['ingest_runs', 'ingest_windows', 'claude_api_keys']) {
      const out = join(dir, `${table}.csv`);
      expect(record(`export ${table}`, await runCli(['export', table, '--out', out, ...w], env)).code).toBe(0);
      expectNoKey(`exported ${table}`, readFileSync(out, 'utf8'));
    }
  });

  it('failing runs: faults that exhaust their retries, retry, and a 401 from a server that echoes the key', { timeout: 180_000 }, async () => {
    const w = ['--warehouse', `duckdb:${file}`];
    const env = envFor(emu, { ANTHROPIC_ADMIN_KEY: KEY });
    emu.setFaultRules([
      { kind: '500', path: 'cost_report', day: '2026-05-01' },
      { kind: 'missing_field', path: 'usage_report/claude_code', day: '2026-05-02' },
      { kind: 'reset', path: 'usage_report/messages', times: 2 },
    ]);
    expect(record('faulty backfill', await runCliProcess(['backfill', '--from', FROM, '--refresh', '--max-attempts', '2', ...w], env)).code).toBe(1);
    expect(record('faulty retry', await runCli(['retry', '--max-attempts', '2', ...w], env)).code).toBe(1);
    expect(record('status with failures', await runCli(['status', ...w], env)).code).toBe(0);
    emu.setFaultRules([]);

    const gate = await startAuthGate(emu, 'sk-ant-admin01-some-other-key', { echoKey: true });
    try {
      const via = envFor(gate, { ANTHROPIC_ADMIN_KEY: KEY });
      const res = record('401 run', await runCliProcess(['run', ...w], via));
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/401/);
      expect(gate.rejected()).toBeGreaterThan(0);
      expect(record('401 retry', await runCli(['retry', ...w], via)).code).toBe(1);
    } finally {
      await gate.close();
    }

    expect(record('retry after the faults', await runCli(['retry', ...w], env)).code).toBe(0);
    await expectMatchesTruth(file, emu, eachDay(FROM, TODAY));

    // A key with junk in it is refused before anything is sent, without being echoed either.
    for (const bad of [`${KEY} trailing`, `${KEY}\u00e9`]) {
      const res = record('bad key', await runCli(['run', ...w], envFor(emu, { ANTHROPIC_ADMIN_KEY: bad })));
      expect(res.code).toBe(2);
    }
    // A key of another kind is sent (its kind is learned from the answers) and refused by the API (403, 401): not echoed.
    for (const other of [KEY.replace('sk-ant-admin01', 'sk-ant-api03'), KEY.replace('sk-ant-', 'sk_ant_')]) {
      const res = record('other key', await runCli(['run', ...w], envFor(emu, { ANTHROPIC_ADMIN_KEY: other })));
      expect(res.code).toBe(1);
    }
    // The bogus ANTHROPIC_BASE_URL carrying the key must not be echoed.
    const res = record('key in base URL', await runCli(['run', ...w], envFor(emu, { ANTHROPIC_ADMIN_KEY: KEY, ANTHROPIC_BASE_URL: `https://x:${KEY}@api.anthropic.com` })));
    expect(res.code).toBe(2);
  });

  it('is in no output, no table, no column, and not in the DuckDB file bytes', async () => {
    expect(outputs.length).toBeGreaterThan(15);
    for (const o of outputs) expectNoKey(o.what, o.text);

    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    try {
      for (const def of Object.values(TABLES)) {
        const rows = (await conn.runAndReadAll(`SELECT * FROM "${def.name}"`)).getRowsJson();
        expectNoKey(`table ${def.name}`, JSON.stringify(rows));
      }
      // Every column of every table and view DuckDB knows, ours or not.
      const all = (await conn.runAndReadAll("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()")).getRows();
      for (const [t, c] of all) {
        const hits = await conn.runAndReadAll(`SELECT COUNT(*) FROM "${String(t)}" WHERE CAST("${String(c)}" AS VARCHAR) LIKE $1`, [`%${MARK}%`]);
        expect(Number(hits.getRows()[0]![0]), `${String(t)}.${String(c)}`).toBe(0);
      }
      await conn.run('CHECKPOINT');
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    for (const name of readdirSync(dir)) {
      if (name === 'admin.key') continue;
      const bytes = readFileSync(join(dir, name));
      for (const f of FRAGMENTS) expect(bytes.includes(Buffer.from(f)), `${name} bytes`).toBe(false);
    }
    expect(existsSync(`${file}.wal`)).toBe(false);
  });
});
