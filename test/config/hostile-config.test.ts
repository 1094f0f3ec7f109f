/** Config files that are hostile or broken: one line, exit 2, nothing done; a literal admin key is a WARNING. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { expectOneLineRefusal } from '../reliability/helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

function file(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'alerts: { notify: [] }',
].join('\n');

describe('broken config files', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a YAML alias bomb', () => file('bomb.yaml', aliasBomb), /bomb\.yaml: not valid YAML: more than 100 alias expansions \(a YAML alias bomb\?\): write the values out$/],
    ['a 2 MB file', () => file('big.yaml', `alerts:\n  budgets: []\n# ${'x'.repeat(2 * 1024 * 1024)}\n`), /big\.yaml is 2,097,\d{3} bytes, more than a config file may hold \(262,144\): point --config at claude-ingest\.yaml$/],
    ['nesting 100,000 deep', () => file('deep.yaml', `${'['.repeat(100_000)}${']'.repeat(100_000)}`), /deep\.yaml(:\d+)?: not valid YAML: /],
    ['binary junk', () => file('junk.yaml', '\u0000\u0001\u0002\u00ff\ufffd: [\n'), /junk\.yaml(:\d+)?: not valid YAML: /],
  ];
  it.each(cases)('%s: one line, exit 2', async (_name, make, message) => {
    const res = await runCli(['alerts', '--config', make(), '--warehouse', `duckdb:${join(tempDir(), 'w.duckdb')}`], {});
    expectOneLineRefusal(res, 2, message);
  });
});

it('an admin key written into the file is a WARNING naming where (never the key), and the command goes on', async () => {
  emu = await startEmulator({ seed: 1, today: '2026-03-10', org: 'small', historyDays: 10 });
  const cfg = file('keys.yaml', `organizations:\n  - name: Production\n    admin_key: ${EMULATOR_ADMIN_KEY}\n`);
  const res = await runCli(['retry', '--config', cfg, '--warehouse', `duckdb:${join(tempDir(), 'w.duckdb')}`], {
    ANTHROPIC_BASE_URL: emu.url,
    CLAUDE_INGEST_TODAY: '2026-03-10',
  });
  expect(res.code, res.stderr).toBe(0);
  const warnings = res.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { severity: string; message: string })
    .filter((l) => l.severity === 'WARNING');
  expect(warnings.map((w) => w.message)).toEqual([
    `${cfg}:3: organizations[0].admin_key holds an admin key itself: use "\${ANTHROPIC_ADMIN_KEY_…}" or admin_key_file, and keep the key out of the file`,
  ]);
  expect(res.stderr).not.toContain(EMULATOR_ADMIN_KEY);
});
