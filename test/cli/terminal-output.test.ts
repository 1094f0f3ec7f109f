/** Names the API sends with terminal escapes, NUL and bidi overrides reach report, validate and status stripped. */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { printable } from '../../src/util/terminal-text.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileApi } from '../helpers/hostile-api.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { envFor, TODAY } from '../reliability/helpers.js';

const ESCAPES = ['\u001b[2J\u001b[H', '\u001b]0;pwned\u0007', '\u0000', '\u202e', '\r\u001b[1A', '\u009b31m'];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
let emu: Emulator;
let api: HostileApi;
let file: string;

function poison(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => poison(x, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)]));
  if (typeof v === 'string' && /name/.test(key)) return `${v}${ESCAPES[v.length % ESCAPES.length]}x`;
  return v;
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 4, today: TODAY, org: 'small', historyDays: 30 });
  api = await startHostileApi(emu.url, (r) => (r.path.startsWith('/v1/organizations') ? { rewrite: (b) => poison(b) } : undefined));
  file = join(tempDir(), 'w.duckdb');
  const res = await runCli(['backfill', '--from', '2026-04-26', '--streams', 'cost,usage,claude_code,org', '--warehouse', `duckdb:${file}`], envFor(api));
  expect(res.code, res.stderr).toBe(0);
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
});

it('printable() removes control characters and bidi overrides, and turns breaks into spaces', () => {
  expect(printable('a\u001b[2Jb\u0000c\u202ed\te\nf')).toBe('a[2Jbcd e f');
});

it.each([
  ['report --by workspace', ['report', '--by', 'workspace']],
  ['report --by api_key', ['report', '--by', 'api_key']],
  ['report --by user', ['report', '--by', 'user']],
  ['validate', ['validate']],
  ['status', ['status']],
])('%s prints no control character from the data', async (_name, args) => {
  // The names are stored exactly as sent …
  const [stored] = await queryWarehouse(file, "SELECT COUNT(*) AS n FROM claude_workspaces WHERE name LIKE '%' || chr(27) || '%'");
  expect(Number(stored!.n)).toBeGreaterThan(0);
  const res = await runCli([...args, '--warehouse', `duckdb:${file}`], envFor(api));
  expect([0, 1]).toContain(res.code);
  // … and shown without their escapes.
  expect(res.stdout.length).toBeGreaterThan(0);
  expect(CONTROL.test(res.stdout), JSON.stringify(res.stdout.slice(0, 400))).toBe(false);
});
