/**
 * What users read, pinned: `--help` of the program and of every command, and every report in each
 * format (table, json, csv) from a deterministic warehouse (seeded emulator, fixed days). A change
 * to any of them shows up as a snapshot diff to review (`npx vitest run -u` accepts it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { CliRuntime } from '../../src/cli/runtime.js';
import { REPORT_NAMES } from '../../src/reports/registry.js';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-15';
const FROM = '2026-02-20';
const TO = '2026-03-14';

/** Only what is the same on every machine: the temporary warehouse path is replaced by a name. */
function stable(text: string, w?: FilledWarehouse): string {
  return w ? text.split(w.file).join('<warehouse>').split(w.dir).join('<dir>') : text;
}

// Every command, as the full help lists them (top-level await: it.each needs them when tests are collected).
const commands = (await buildProgram(new CliRuntime({ env: {}, stdout: process.stdout, stderr: process.stderr }))).commands.map((c) => c.name());

describe('--help', () => {

  it('of the program', async () => {
    const r = await runCli(['--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchSnapshot();
  });

  it.each(commands)('of %s', async (command) => {
    const r = await runCli([command, '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchSnapshot();
  });
});

describe('report output', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: TODAY, from: FROM, to: TO, seed: 11, name: 'snapshots.duckdb' });
  });
  afterAll(async () => {
    await w?.close();
  });

  for (const format of ['table', 'json', 'csv'] as const) {
    it.each(REPORT_NAMES)(`--by %s --format ${format}`, async (by) => {
      const r = await w.cli(['report', '--by', by, '--format', format, '--from', FROM, '--to', TO, '--warehouse', w.url]);
      expect(r.code, r.stderr).toBe(0);
      expect(stable(r.stdout, w)).toMatchSnapshot();
    });
  }
});
