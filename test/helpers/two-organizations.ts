/**
 * Two organizations in one DuckDB warehouse, through the real CLI: one emulator serving each admin
 * key its own organization (and ground truth), a claude-ingest.yaml naming both, one backfill.
 * The starting point for the tests of everything that reads across organizations.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runCli, tempDir, type CliResult } from './cli.js';
import { plantedCopy, type FilledWarehouse } from './fill-warehouse.js';
import { queryWarehouse } from './warehouse-snapshot.js';

export const KEY_A = 'sk-ant-admin01-production-key-aaaaaaaa';
export const KEY_B = 'sk-ant-admin01-research-key-bbbbbbbbbb';

export interface TwoOrganizations {
  emu: Emulator;
  dir: string;
  file: string;
  env: Record<string, string>;
  /** Organization ids of KEY_A and KEY_B. */
  a: string;
  b: string;
  /** Their names as the API reports them (claude_organization.name). */
  nameA: string;
  nameB: string;
  cli(args: string[], file?: string): Promise<CliResult>;
  /** A copy of the warehouse with SQL applied: a planted defect. */
  planted(name: string, ...sql: string[]): Promise<string>;
  close(): Promise<void>;
}

/** `config`: more claude-ingest.yaml lines (e.g. `timezone: …`); `args`: more backfill arguments. */
export async function twoOrganizations(o: { today: string; from: string; seeds?: [number, number]; config?: string; args?: string[] }): Promise<TwoOrganizations> {
  const [seedA, seedB] = o.seeds ?? [7, 8];
  const emu = await startEmulator({
    today: o.today,
    historyDays: 60,
    organizations: [
      { adminKey: KEY_A, seed: seedA, org: 'small' },
      { adminKey: KEY_B, seed: seedB, org: 'small' },
    ],
  });
  const dir = tempDir('ci-orgs-');
  const config = join(dir, 'claude-ingest.yaml');
  writeFileSync(config, ['organizations:', '  - name: Production', '    admin_key: "${KEY_A}"', '  - name: Research', '    admin_key: "${KEY_B}"', ...(o.config ? [o.config] : []), ''].join('\n'));
  const file = join(dir, 'two.duckdb');
  const env = { ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: o.today, CLAUDE_INGEST_CONFIG: config, KEY_A, KEY_B };
  const cli = (args: string[], f = file) => runCli([...args, '--warehouse', `duckdb:${f}`], env);
  const close = async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const res = await cli(['backfill', '--from', o.from, '--to', o.today, ...(o.args ?? [])]);
    if (res.code !== 0) throw new Error(`backfill failed (${res.code}): ${res.stderr.slice(-2000)}`);
    const ta = emu.truthFor(KEY_A);
    const tb = emu.truthFor(KEY_B);
    const fake = { file, dir } as FilledWarehouse;
    const names = new Map((await queryWarehouse(file, 'SELECT id, name FROM claude_organization')).map((r) => [String(r.id), String(r.name)]));
    return {
      emu,
      dir,
      file,
      env,
      a: ta.organizationId,
      b: tb.organizationId,
      nameA: names.get(ta.organizationId) ?? '',
      nameB: names.get(tb.organizationId) ?? '',
      cli,
      planted: (name, ...sql) => plantedCopy(fake, name, ...sql),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
