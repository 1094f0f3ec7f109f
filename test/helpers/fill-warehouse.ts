/**
 * Fill a real DuckDB warehouse from the emulator through the real CLI (in-process): the starting
 * point for tests that check what the warehouse holds. Returns the emulator (its `truth` is the
 * independent expectation) and the file; call close() when done.
 */
import { join } from 'node:path';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { EmulatorOptions } from '../../src/emulator/types.js';
import { runCli, tempDir, type CliResult } from './cli.js';

export interface FilledWarehouse {
  emu: Emulator;
  dir: string;
  file: string;
  url: string;
  /** The env the backfill ran with (emulator key and URL, pinned today). */
  env: Record<string, string>;
  backfill: CliResult;
  /** Runs another CLI command against the same emulator and warehouse settings. */
  cli(args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

export interface FillOptions {
  today: string;
  from: string;
  /** Default today. */
  to?: string;
  seed?: number;
  org?: EmulatorOptions['org'];
  emulator?: Omit<EmulatorOptions, 'today' | 'seed' | 'org'>;
  /** Extra backfill arguments, e.g. ['--streams', 'cost']. */
  args?: string[];
  /** File name inside the temp dir. */
  name?: string;
}

export async function fillWarehouse(o: FillOptions): Promise<FilledWarehouse> {
  const emu = await startEmulator({ today: o.today, seed: o.seed ?? 42, org: o.org ?? 'small', ...o.emulator });
  const dir = tempDir('ci-fill-');
  const file = join(dir, o.name ?? 'w.duckdb');
  const url = `duckdb:${file}`;
  const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: o.today };
  try {
    const backfill = await runCli(['backfill', '--from', o.from, '--to', o.to ?? o.today, '--warehouse', url, ...(o.args ?? [])], env);
    if (backfill.code !== 0) throw new Error(`backfill failed (${backfill.code}): ${backfill.stderr.slice(-2000)}`);
    return {
      emu,
      dir,
      file,
      url,
      env,
      backfill,
      cli: (args) => runCli([...args, '--warehouse', url], env),
      close: async () => {
        await emu.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A copy of a filled warehouse with SQL applied directly through DuckDB: a planted defect. */
export async function plantedCopy(w: FilledWarehouse, name: string, ...sql: string[]): Promise<string> {
  const file = join(w.dir, name);
  copyFileSync(w.file, file);
  if (existsSync(`${w.file}.wal`)) copyFileSync(`${w.file}.wal`, `${file}.wal`);
  await runSql(file, ...sql);
  return file;
}

/** SQL applied to a warehouse file directly through DuckDB (not claude-ingest's code): an edit by hand. */
export async function runSql(file: string, ...sql: string[]): Promise<void> {
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  try {
    for (const s of sql) await conn.run(s);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
