/**
 * `claude-ingest validate` against a real DuckDB warehouse backfilled from the emulator: a clean
 * backfill passes every check; each planted defect makes exactly the matching check FAIL with the
 * right figure, computed independently from the emulator's ground truth.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/check.js';
import { costSqlTexts } from '../../src/checks/double-counting.js';
import { claudeCodeByUserQuery } from '../../src/reports/queries.js';
import { eachDay, type IsoDay } from '../../src/util/dates.js';
import { duckDbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, plantedCopy, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-15';
const FROM = '2026-02-01';
const DAY = '2026-02-20';

let w: FilledWarehouse;
let copies = 0;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 11 });
});
afterAll(async () => {
  await w?.close();
});

const planted = (...sql: string[]) => plantedCopy(w, `defect-${++copies}.duckdb`, ...sql);

async function rawQuery(file: string, sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

interface Validation {
  code: number;
  stderr: string;
  results: CheckResult[];
  summary: { totalUsd: string; days: number; rows: Record<string, number> };
  byId: (id: string) => CheckResult;
}

async function validate(file: string, args: string[] = [], env: Record<string, string> = w.env): Promise<Validation> {
  const res = await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`, ...args], env);
  const doc = JSON.parse(res.stdout || '{"results":[],"summary":{}}') as { results: CheckResult[]; summary: Validation['summary'] };
  return {
    code: res.code,
    stderr: res.stderr,
    results: doc.results,
    summary: doc.summary,
    byId: (id) => {
      const r = doc.results.find((x) => x.id === id);
      if (!r) throw new Error(`no result ${id} in ${res.stdout}${res.stderr}`);
      return r;
    },
  };
}

function failing(v: Validation): string[] {
  return v.results.filter((r) => r.status === 'FAIL').map((r) => r.id);
}

describe('validate on a clean backfill', () => {
  it('passes every check and sums the range exactly', async () => {
    const v = await validate(w.file);
    expect(v.stderr).toBe('');
    expect(v.results.map((r) => [r.id, r.status])).toEqual([
      ['completeness', 'PASS'],
      ['cents', 'PASS'],
      ['duplicates', 'PASS'],
      ['gaps', 'PASS'],
      ['failed-windows', 'PASS'],
      ['no-double-count', 'PASS'],
      ['freshness', 'PASS'],
      ['rounded-values', 'PASS'],
      ['unknown-measures', 'PASS'],
      ['analytics-completeness', 'PASS'],
      // The analytics cost of the products cost_report bills equals it; subscription products are shown, not judged.
      ['cross-api', 'PASS'],
      ['focus-single-source', 'PASS'],
    ]);
    expect(v.code).toBe(0);
    const truthUsd = new Decimal(w.emu.truth.costCentsRange(FROM, TODAY)).div(100);
    expect(v.summary.totalUsd).toBe(truthUsd.toFixed());
  });

  it('prints an aligned table with the summary above it', async () => {
    const res = await w.cli(['validate']);
    expect(res.code).toBe(0);
    const truthUsd = new Decimal(w.emu.truth.costCentsRange(FROM, TODAY)).div(100).toFixed();
    expect(res.stdout).toContain(`Validation ${FROM}..${TODAY} (43 days`);
    expect(res.stdout).toContain(`(exact: ${truthUsd} USD)`);
    const lines = res.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('check '));
    expect(lines[header + 1]).toMatch(/^-+ {2}-+ {2}-+ {2}-+$/);
    // Every status sits in the same column.
    const statusCol = lines[header]!.indexOf('status');
    for (const l of lines.slice(header + 2, header + 9)) expect(l.slice(statusCol, statusCol + 4)).toBe('PASS');
    expect(res.stdout).toContain('All checks passed.');
  });

  it('console match passes within the tolerance and fails outside it', async () => {
    const truthUsd = new Decimal(w.emu.truth.costCentsRange(FROM, TODAY)).div(100);
    const ok = await validate(w.file, ['--expect-total-usd', truthUsd.plus('0.009').toFixed()]);
    expect(ok.byId('console-match').status).toBe('PASS');
    expect(ok.code).toBe(0);
    const off = await validate(w.file, ['--expect-total-usd', truthUsd.plus(1).toFixed(), '--tolerance-usd', '0.5']);
    expect(off.byId('console-match').status).toBe('FAIL');
    expect(off.byId('console-match').detail).toContain('difference -1,');
    expect(off.code).toBe(1);
  });

  it('warns (exit 0) about a cost line above --large-line-usd, naming it', async () => {
    const [[usd]] = (await rawQuery(w.file, `SELECT CAST(MAX(amount_usd) AS VARCHAR) FROM claude_costs`)) as [[string]];
    const v = await validate(w.file, ['--large-line-usd', '1']);
    const cents = v.byId('cents');
    expect(cents.status).toBe('WARN');
    expect(cents.figure).toContain(`$${new Decimal(usd).toFixed(2)}`);
    expect(v.code).toBe(0);
  });

  it('judges lines against the trailing 90 days: a planted outlier warns, naming it', async () => {
    const [[usd]] = (await rawQuery(w.file, `SELECT CAST(MAX(amount_usd) AS VARCHAR) FROM claude_costs WHERE activity_date < DATE '${DAY}'`)) as [[string]];
    const big = new Decimal(usd).times(4);
    const file = await planted(
      `INSERT INTO claude_costs SELECT * REPLACE (CAST(${big.toFixed()} AS DECIMAL(38,14)) AS amount_usd, CAST(${big.times(100).toFixed()} AS DECIMAL(38,12)) AS amount_cents, 'Planted Outlier' AS description) FROM claude_costs WHERE activity_date = DATE '${DAY}' LIMIT 1`,
    );
    const v = await validate(file);
    const cents = v.byId('cents');
    expect(cents.status).toBe('WARN');
    expect(cents.days).toEqual([DAY]);
    expect(cents.figure).toBe(`line $${big.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} > 3× 90-day max`);
    expect(cents.detail).toContain(`on ${DAY}`);
    expect(cents.detail).toContain('Planted Outlier');
    // A line just under three times the history's largest is normal growth, not an outlier.
    const fine = await planted(
      `INSERT INTO claude_costs SELECT * REPLACE (CAST(${new Decimal(usd).times(2).toFixed()} AS DECIMAL(38,14)) AS amount_usd, CAST(${new Decimal(usd).times(200).toFixed()} AS DECIMAL(38,12)) AS amount_cents) FROM claude_costs WHERE activity_date = DATE '${DAY}' LIMIT 1`,
    );
    expect((await validate(fine)).byId('cents').status).not.toBe('WARN');
  });

  it('warns when the newest complete day is old', async () => {
    const v = await validate(w.file, [], { ...w.env, CLAUDE_INGEST_TODAY: '2026-03-20' });
    expect(v.byId('freshness').status).toBe('WARN');
    expect(v.byId('freshness').figure).toBe(`last ${TODAY} (5 days ago)`);
  });

  it('rejects bad input with exit code 2 and one line', async () => {
    for (const args of [['--from', '2026-02-30'], ['--tolerance-usd', 'abc'], ['--from', '2026-03-10', '--to', '2026-03-01']]) {
      const res = await w.cli(['validate', ...args]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('validate finds planted defects', () => {
  it('a lost page: the exact missing cents and tokens for that day', async () => {
    const [wsId, cents] = [...w.emu.truth.costCentsByWorkspace(DAY)].find(([id]) => id !== null)!;
    const [keyId, tokens] = [...w.emu.truth.tokensByApiKey(DAY)].find(([id]) => id !== null)!;
    const file = await planted(
      `DELETE FROM claude_costs WHERE activity_date = DATE '${DAY}' AND workspace_id = '${wsId}'`,
      `DELETE FROM claude_usage_keys WHERE activity_date = DATE '${DAY}' AND api_key_id = '${keyId}'`,
    );
    const v = await validate(file, ['--from', FROM, '--to', TODAY]);
    const c = v.byId('completeness');
    expect(c.status).toBe('FAIL');
    expect(c.days).toEqual([DAY]);
    expect(c.figure).toBe('1 day differ');
    const total = new Decimal(w.emu.truth.costCents(DAY));
    expect(c.detail).toContain(`cost ${DAY}: rows ${total.minus(cents).toFixed()} vs total ${total.toFixed()} cents (-${new Decimal(cents).toFixed()} cents)`);
    expect(c.detail).toContain(`output_tokens -${tokens.output_tokens.toLocaleString('en-US')}`);
    expect(c.detail).toContain(`uncached_input_tokens -${tokens.uncached_input_tokens.toLocaleString('en-US')}`);
    expect(failing(v)).toEqual(['completeness']);
    expect(v.code).toBe(1);
  });

  it('a window written twice: duplicates per table with the key, and completeness over by the day\'s total', async () => {
    const file = await planted(`INSERT INTO claude_costs SELECT * FROM claude_costs WHERE activity_date = DATE '${DAY}'`);
    const [[n]] = (await rawQuery(w.file, `SELECT COUNT(*) FROM claude_costs WHERE activity_date = DATE '${DAY}'`)) as [[bigint]];
    const v = await validate(file);
    const d = v.byId('duplicates');
    expect(d.status).toBe('FAIL');
    expect(d.figure).toBe(`${Number(n)} duplicate rows`);
    expect(d.detail).toContain(`claude_costs: ${Number(n)} extra rows sharing (organization_id, activity_date, workspace_id, description, cost_type, model, service_tier, token_type, context_window, inference_geo)`);
    expect(d.days).toEqual([DAY]);
    const c = v.byId('completeness');
    expect(c.status).toBe('FAIL');
    expect(c.detail).toContain(`(+${new Decimal(w.emu.truth.costCents(DAY)).toFixed()} cents)`);
    expect(failing(v).sort()).toEqual(['completeness', 'duplicates']);
  });

  it('dollars stored as cents on one row', async () => {
    const file = await planted(
      `UPDATE claude_costs SET amount_usd = amount_cents WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '${DAY}' AND amount_cents > 1)`,
    );
    const [[cents]] = (await rawQuery(
      w.file,
      `SELECT CAST(amount_cents AS VARCHAR) FROM claude_costs WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '${DAY}' AND amount_cents > 1)`,
    )) as [[string]];
    const v = await validate(file);
    const c = v.byId('cents');
    expect(c.status).toBe('FAIL');
    expect(c.figure).toBe('1 row off');
    const canon = new Decimal(cents).toFixed();
    expect(c.detail).toContain(`claude_costs ${DAY}: amount_usd ${canon} but amount_cents ${canon}`);
    expect(c.days).toEqual([DAY]);
    expect(failing(v)).toEqual(['cents']);
    expect(v.code).toBe(1);
  });

  /** The claude_code ledger window that covers DAY (window sizes are the stream's business). */
  async function windowCovering(day: string): Promise<{ start: IsoDay; end: IsoDay }> {
    const [[start, end]] = (await rawQuery(
      w.file,
      `SELECT CAST(window_start AS VARCHAR), CAST(window_end AS VARCHAR) FROM ingest_windows
        WHERE stream = 'claude_code' AND DATE '${day}' BETWEEN window_start AND window_end`,
    )) as [[IsoDay, IsoDay]];
    return { start, end };
  }

  it('days no window covers', async () => {
    const { start, end } = await windowCovering(DAY);
    const file = await planted(`DELETE FROM ingest_windows WHERE stream = 'claude_code' AND window_start = DATE '${start}'`);
    const v = await validate(file);
    const g = v.byId('gaps');
    const missing = eachDay(start, end);
    expect(g.status).toBe('FAIL');
    expect(g.days).toEqual(missing);
    expect(g.figure).toBe(missing.length === 1 ? '1 day missing' : `${missing.length} days missing`);
    expect(g.detail).toContain(`claude_code ${start}`);
    expect(g.action).toBe(`claude-ingest backfill --from ${start} --to ${end} --streams claude_code`);
    expect(failing(v)).toEqual(['gaps']);
  });

  it('a failed window suggests retry', async () => {
    const { start, end } = await windowCovering(DAY);
    const file = await planted(
      `UPDATE ingest_windows SET status = 'failed', error = 'HTTP 500 after 8 attempts' WHERE stream = 'claude_code' AND window_start = DATE '${start}'`,
    );
    const v = await validate(file);
    const f = v.byId('failed-windows');
    expect(f.status).toBe('FAIL');
    expect(f.figure).toBe('1 unfinished window');
    expect(f.detail).toContain(`claude_code ${start}..${end} failed: HTTP 500 after 8 attempts`);
    expect(f.action).toBe('claude-ingest retry');
    // The failed window's days are not held by an ok window either.
    expect(failing(v).sort()).toEqual(['failed-windows', 'gaps']);
  });

  it('a cost column added to claude_code_productivity', async () => {
    const file = await planted(`ALTER TABLE claude_code_productivity ADD COLUMN estimated_cost DECIMAL(38,9)`);
    const v = await validate(file);
    const c = v.byId('no-double-count');
    expect(c.status).toBe('FAIL');
    expect(c.figure).toBe('1 cost column');
    expect(c.detail).toContain('claude_code_productivity has cost-like column(s) estimated_cost');
    expect(failing(v)).toEqual(['no-double-count']);
  });
});

describe('no double counting, statically', () => {
  it('no cost query or the FOCUS view reads the Claude Code estimates; the per-user report does', () => {
    const texts = costSqlTexts(duckDbDialect);
    expect(texts.map((t) => t.name)).toContain('view claude_focus_costs');
    for (const t of texts) expect(t.sql, t.name).not.toContain('claude_code_model_usage');
    // The check would see a leak: the one report that legitimately reads the estimates names the table.
    expect(claudeCodeByUserQuery(duckDbDialect, { from: FROM, to: TODAY }).sql).toContain('claude_code_model_usage');
  });
});
