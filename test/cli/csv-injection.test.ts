/**
 * CSV injection: names the API sends that start like spreadsheet formulas reach `export` (every
 * table) and `report --format csv` with a leading ' by default, and as sent with --raw-csv.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { csvField, neutralizeFormula } from '../../src/util/csv.js';
import { TABLES } from '../../src/warehouse/tables.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileApi } from '../helpers/hostile-api.js';
import { envFor, TODAY } from '../reliability/helpers.js';

const PAYLOADS = ["+SUM(1+1)*cmd|' /C calc'!A0", '=HYPERLINK("http://127.0.0.1/x","y")', '-2+3+cmd|x', '@SUM(A1)', '\t=1+1'];
let emu: Emulator;
let api: HostileApi;
let dir: string;
let file: string;

/** Every name and e-mail the API sends, prefixed with a formula (a different one by turn). */
function poison(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => poison(x, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)]));
  if (typeof v === 'string' && /name|email/.test(key)) return `${PAYLOADS[v.length % PAYLOADS.length]}${v}`;
  return v;
}

/** Fields of a CSV text (RFC 4180), row by row. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') {
      row.push(field);
      field = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const formulaStart = (f: string) => /^[=+\-@\t\r]/.test(f) && !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(f);

beforeAll(async () => {
  emu = await startEmulator({ seed: 3, today: TODAY, org: 'small', historyDays: 30 });
  api = await startHostileApi(emu.url, (r) => (r.path.startsWith('/v1/organizations') ? { rewrite: (b) => poison(b) } : undefined));
  dir = tempDir();
  file = join(dir, 'w.duckdb');
  const res = await runCli(['backfill', '--from', '2026-04-26', '--warehouse', `duckdb:${file}`], envFor(api));
  expect(res.code, res.stderr).toBe(0);
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
});

describe('CSV formula neutralization', () => {
  it('neutralizes formula starts but leaves numbers (a negative amount is not a formula)', () => {
    expect(neutralizeFormula('=1+1')).toBe("'=1+1");
    expect(neutralizeFormula('-12.50')).toBe('-12.50');
    expect(neutralizeFormula('+1e5')).toBe('+1e5');
    expect(neutralizeFormula('-2+3')).toBe("'-2+3");
    expect(neutralizeFormula('＝1')).toBe("'＝1");
    expect(csvField('@x')).toBe("'@x");
    expect(csvField('@x', { raw: true })).toBe('@x');
    expect(csvField(-5)).toBe('-5');
  });

  it('export of every table: no field starts like a formula; --raw-csv keeps the names as sent', async () => {
    let hostile = 0;
    for (const table of [...Object.keys(TABLES), 'claude_focus_costs']) {
      const safe = join(dir, `${table}.csv`);
      const raw = join(dir, `${table}.raw.csv`);
      const a = await runCli(['export', table, '--out', safe, '--warehouse', `duckdb:${file}`], envFor(api));
      expect(a.code, a.stderr).toBe(0);
      const b = await runCli(['export', table, '--out', raw, '--raw-csv', '--warehouse', `duckdb:${file}`], envFor(api));
      expect(b.code, b.stderr).toBe(0);
      const safeRows = parseCsv(readFileSync(safe, 'utf8'));
      const rawRows = parseCsv(readFileSync(raw, 'utf8'));
      expect(safeRows.length, table).toBe(rawRows.length);
      for (let i = 0; i < safeRows.length; i++) {
        for (let j = 0; j < safeRows[i]!.length; j++) {
          const s = safeRows[i]![j]!;
          const r = rawRows[i]![j]!;
          expect(formulaStart(s), `${table} row ${i}: ${s}`).toBe(false);
          if (formulaStart(r)) {
            hostile++;
            expect(s).toBe(`'${r}`);
          } else {
            expect(s).toBe(r);
          }
        }
      }
    }
    // The poisoned names did reach the warehouse (workspaces, keys, users, Claude Code actors, the organization).
    expect(hostile).toBeGreaterThan(10);
  });

  it('report --format csv neutralizes too; --raw-csv does not', async () => {
    const a = await runCli(['report', '--by', 'api_key', '--format', 'csv', '--warehouse', `duckdb:${file}`], envFor(api));
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['report', '--by', 'api_key', '--format', 'csv', '--raw-csv', '--warehouse', `duckdb:${file}`], envFor(api));
    const safe = parseCsv(a.stdout).flat();
    const raw = parseCsv(b.stdout).flat();
    expect(safe.filter(formulaStart)).toEqual([]);
    expect(raw.filter(formulaStart).length).toBeGreaterThan(0);
  });
});
