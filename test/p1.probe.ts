import { startEmulator, EMULATOR_ADMIN_KEY } from '/work/main/src/emulator/index.js';
import { runCli, tempDir } from '/work/main/test/helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const emu = await startEmulator({ seed: 1, today: '2026-05-10', org: 'small', historyDays: 60 });
const dir = tempDir();
const w = `duckdb:${join(dir, 'w.duckdb')}`;
const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: '2026-05-10' };
const cases: [string, string[], Record<string, string|undefined>][] = [
  ['bad date', ['backfill', '--from', '2026-13-01', '--warehouse', w], env],
  ['from>to', ['backfill', '--from', '2026-05-01', '--to', '2026-04-01', '--warehouse', w], env],
  ['future', ['backfill', '--from', '2026-06-01', '--warehouse', w], env],
  ['before history', ['backfill', '--from', '2025-01-01', '--to', '2025-01-05', '--warehouse', w], env],
  ['no key', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_ADMIN_KEY: undefined }],
  ['api key', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_ADMIN_KEY: 'sk-ant-api03-xyz' }],
  ['closed port', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' }],
  ['ftp', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_BASE_URL: 'ftp://127.0.0.1/' }],
  ['garbage', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_BASE_URL: 'not a url' }],
  ['remote http', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_BASE_URL: 'http://api.example.invalid' }],
  ['stream', ['backfill', '--from', '2026-05-01', '--streams', 'cost,bogus', '--warehouse', w], env],
  ['lookback -1', ['run', '--lookback', '-1', '--warehouse', w], env],
  ['lookback 100000', ['run', '--lookback', '100000', '--warehouse', w], env],
  ['unwritable', ['backfill', '--from', '2026-05-01', '--warehouse', 'duckdb:/proc/nope/x.duckdb'], env],
  ['keyfile missing', ['backfill', '--from', '2026-05-01', '--warehouse', w], { ...env, ANTHROPIC_ADMIN_KEY: undefined, ANTHROPIC_ADMIN_KEY_FILE: '/nonexistent/key' }],
];
const corrupt = join(dir, 'corrupt.duckdb'); writeFileSync(corrupt, 'hello this is not duckdb'.repeat(200));
cases.push(['corrupt', ['backfill', '--from', '2026-05-01', '--warehouse', `duckdb:${corrupt}`], env]);
for (const [name, args, e] of cases) {
  const t = Date.now();
  const r = await runCli(args, e);
  console.log(`--- ${name}: code ${r.code} (${Date.now()-t}ms)\n${r.stdout}${r.stderr}`);
}
await emu.close();
