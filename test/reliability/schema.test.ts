/**
 * Schema versioning through the CLI: a warehouse from the previous schema is migrated forward by the
 * next ingest, in one transaction (a failed migration leaves it exactly as it was), read-only commands
 * refuse it until then, and a newer warehouse is refused (see also bad-input.test.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { SCHEMA_VERSION } from '../../src/warehouse/tables.js';
import { runCli, runCliProcess, tempDir } from '../helpers/cli.js';
import { snapshotTables } from '../helpers/warehouse-snapshot.js';
import { envFor, expectOneLineRefusal, fileDigest, FROM, fullDump, TODAY } from './helpers.js';

let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator({ seed: 61, today: TODAY, org: 'small', historyDays: 60 });
  dir = tempDir();
});
afterAll(async () => {
  await emu?.close();
});

async function raw(file: string, sql: string[]): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  try {
    let last: unknown[][] = [];
    for (const s of sql) last = (await conn.runAndReadAll(s)).getRows();
    return last;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const versionOf = async (file: string) => (await raw(file, ["SELECT value FROM claude_ingest_meta WHERE key = 'schema_version'"]))[0]?.[0];
const hasColumn = async (file: string, table: string, column: string) =>
  (await raw(file, [`SELECT COUNT(*) FROM duckdb_columns() WHERE table_name = '${table}' AND column_name = '${column}'`]))[0]![0] === 1n;

/** A warehouse as the previous schema (version 0) wrote it: two nullable columns did not exist yet. */
async function previousSchemaWarehouse(name: string): Promise<string> {
  const file = join(dir, name);
  expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(emu))).code).toBe(0);
  await raw(file, [
    'ALTER TABLE ingest_windows DROP COLUMN rate_limited',
    'ALTER TABLE claude_costs DROP COLUMN inference_geo',
    "UPDATE claude_ingest_meta SET value = '0' WHERE key = 'schema_version'",
  ]);
  return file;
}

describe('schema versions through the CLI', () => {
  it('the next ingest migrates a previous-schema warehouse forward, keeping its rows', { timeout: 150_000 }, async () => {
    const clean = join(dir, 'clean.duckdb');
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${clean}`], envFor(emu))).code).toBe(0);
    const file = await previousSchemaWarehouse('v0.duckdb');
    const [[rowsBefore]] = (await raw(file, ['SELECT COUNT(*) FROM claude_costs'])) as [[bigint]];

    // Read-only commands do not migrate; they say what to do.
    const before = fileDigest(file);
    const status = await runCliProcess(['status', '--warehouse', `duckdb:${file}`], envFor(emu));
    expectOneLineRefusal(status, 2, `has schema 0, older than ${SCHEMA_VERSION}: run an ingest command (e.g. claude-ingest run) once to migrate it`);
    expect(fileDigest(file)).toBe(before);

    const run = await runCliProcess(['run', '--lookback', '1', '--warehouse', `duckdb:${file}`], envFor(emu));
    expect(run.code, run.stderr).toBe(0);
    expect(await versionOf(file)).toBe(String(SCHEMA_VERSION));
    expect(await hasColumn(file, 'claude_costs', 'inference_geo')).toBe(true);
    expect(await hasColumn(file, 'ingest_windows', 'rate_limited')).toBe(true);
    const [[rowsAfter]] = (await raw(file, ['SELECT COUNT(*) FROM claude_costs'])) as [[bigint]];
    expect(rowsAfter).toBe(rowsBefore);
    expect((await runCliProcess(['status', '--warehouse', `duckdb:${file}`], envFor(emu))).code).toBe(0);

    // Re-reading the whole range fills the new column: the result equals a warehouse born at this version.
    expect((await runCli(['backfill', '--from', FROM, '--refresh', '--warehouse', `duckdb:${file}`], envFor(emu))).code).toBe(0);
    expect(await snapshotTables(file)).toEqual(await snapshotTables(clean));
  });

  it('a migration that cannot complete leaves the warehouse exactly as it was (one transaction)', async () => {
    const file = await previousSchemaWarehouse('v0-broken.duckdb');
    // A required column is missing too: the migration adds claude_costs.inference_geo, then must give up.
    await raw(file, ['ALTER TABLE ingest_windows DROP COLUMN requests', 'ALTER TABLE ingest_windows DROP COLUMN stream']);
    const before = await fullDump(file);
    const res = await runCliProcess(['run', '--warehouse', `duckdb:${file}`], envFor(emu));
    expectOneLineRefusal(res, 2, 'cannot migrate ingest_windows: it lacks the required column stream');
    expect(await versionOf(file)).toBe('0');
    expect(await hasColumn(file, 'claude_costs', 'inference_geo')).toBe(false);
    expect(await hasColumn(file, 'ingest_windows', 'requests')).toBe(false);
    expect(await fullDump(file)).toEqual(before);
  });

  it('a newer warehouse is refused by every command with "upgrade claude-ingest"', async () => {
    const file = join(dir, 'newer.duckdb');
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(emu))).code).toBe(0);
    await raw(file, [`UPDATE claude_ingest_meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`]);
    const before = fileDigest(file);
    for (const args of [['run'], ['status'], ['report'], ['validate']]) {
      const res = await runCli([...args, '--warehouse', `duckdb:${file}`], envFor(emu));
      expectOneLineRefusal(res, 2, 'upgrade claude-ingest');
    }
    expect(fileDigest(file)).toBe(before);
  });
});
