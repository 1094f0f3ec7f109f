/**
 * Kept proofs (src/checks/proofs.ts): a validate after a validate proves only the days whose rows
 * changed, and its verdict is the whole proof all the same. Defects are planted AFTER a proof of
 * every day is kept, on an old day and a new day, through DuckDB directly (no ledger row changes):
 * validate still catches each one, with the same results as `validate --full`.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dayPrintsFile, stateStamp } from '../../src/warehouse/duckdb/day-prints.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/check.js';
import { addDays, eachDay, type IsoDay } from '../../src/util/dates.js';
import { fillWarehouse, plantedCopy, runSql, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { runCli } from '../helpers/cli.js';

const TODAY = '2026-03-15';
const FROM = '2026-02-01';
const OLD = '2026-02-03';
const NEW = addDays(TODAY, -1);
const DAYS = eachDay(FROM, TODAY).length;
/** completeness, cents, duplicates, analytics-completeness, cross-api, focus-single-source. */
const DAILY_CHECKS = 6;

let w: FilledWarehouse;
let copies = 0;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 23 });
});
afterAll(async () => {
  await w?.close();
});

interface Validation {
  code: number;
  results: CheckResult[];
  proofs: { proved: number; reused: number };
  /** The summary's spend: from kept per-day sums when proofs are kept (checks/summary-spend.ts). */
  totalUsd: string;
  days: number;
  byId(id: string): CheckResult;
}

async function validate(file: string, ...args: string[]): Promise<Validation> {
  const res = await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`, ...args], w.env);
  const doc = JSON.parse(res.stdout) as { results: CheckResult[]; summary: { proofs: Validation['proofs']; totalUsd: string; days: number } };
  return {
    code: res.code,
    results: doc.results,
    proofs: doc.summary.proofs,
    totalUsd: doc.summary.totalUsd,
    days: doc.summary.days,
    byId: (id) => doc.results.find((r) => r.id === id)!,
  };
}

async function rawRows(file: string, sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function proofRows(file: string): Promise<number> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return Number((await conn.runAndReadAll('SELECT COUNT(*) FROM validation_proofs')).getRows()[0]![0]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('kept proofs', () => {
  let first: Validation;

  beforeAll(async () => {
    first = await validate(w.file);
  });

  it('the first validate proves every day and keeps it; the next reuses every day with the same results', async () => {
    expect(first.proofs).toEqual({ proved: DAYS * DAILY_CHECKS, reused: 0 });
    // One row per daily check, and one for the summary's spend per day.
    expect(await proofRows(w.file)).toBe(DAILY_CHECKS + 1);
    const again = await validate(w.file);
    expect(again.proofs).toEqual({ proved: 0, reused: DAYS * DAILY_CHECKS });
    expect(again.results).toEqual(first.results);
    expect([again.totalUsd, again.days]).toEqual([first.totalUsd, first.days]);
    expect(again.code).toBe(first.code);
  });

  it('--full proves every day again', async () => {
    const full = await validate(w.file, '--full');
    expect(full.proofs).toEqual({ proved: DAYS * DAILY_CHECKS, reused: 0 });
    expect(full.results).toEqual(first.results);
    expect([full.totalUsd, full.days]).toEqual([first.totalUsd, first.days]);
  });

  it('a part of the range reuses the days kept for the whole range', async () => {
    const part = await validate(w.file, '--from', '2026-03-01', '--to', '2026-03-10');
    expect(part.proofs).toEqual({ proved: 0, reused: 10 * DAILY_CHECKS });
  });

  it('defects planted on an old and a new day after every day was proved are caught, as --full finds them', async () => {
    const file = await plantedCopy(
      w,
      `late-${++copies}.duckdb`,
      // A window written twice on an old day: duplicates, and its cost lines add up to twice the total.
      `INSERT INTO claude_costs SELECT * FROM claude_costs WHERE activity_date = DATE '${OLD}'`,
      // Dollars stored as cents on one row of a new day.
      `UPDATE claude_costs SET amount_usd = amount_cents WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '${NEW}' AND amount_cents > 1)`,
      // A lost page of analytics cost on another old day.
      `DELETE FROM claude_cost_by_key WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_by_key WHERE activity_date = DATE '2026-02-10' AND amount_cents > 0)`,
    );
    const v = await validate(file);
    // Only the changed days were proved again, by the checks that read the changed tables.
    expect(v.proofs.proved).toBeGreaterThan(0);
    expect(v.proofs.proved).toBeLessThanOrEqual(3 * DAILY_CHECKS);
    expect(v.byId('duplicates').status).toBe('FAIL');
    expect(v.byId('duplicates').days).toEqual([OLD]);
    expect(v.byId('completeness').status).toBe('FAIL');
    expect(v.byId('completeness').days).toEqual([OLD]);
    expect(v.byId('cents').status).toBe('FAIL');
    expect(v.byId('cents').days).toEqual([NEW]);
    expect(v.byId('analytics-completeness').status).toBe('FAIL');
    expect(v.byId('analytics-completeness').days).toEqual(['2026-02-10']);
    expect(v.code).toBe(1);
    const full = await validate(file, '--full');
    expect(v.results).toEqual(full.results);
    // The summary's total is summed again for the changed days (kept sums for the others): it moved
    // with the planted rows, to what --full and the SQL over every row say.
    expect(v.totalUsd).not.toBe(first.totalUsd);
    expect(v.totalUsd).toBe(full.totalUsd);
    const [[sum]] = (await rawRows(file, `SELECT CAST(SUM(amount_usd) AS VARCHAR) FROM claude_costs WHERE activity_date BETWEEN DATE '${FROM}' AND DATE '${TODAY}'`)) as [[string]];
    expect(Number(v.totalUsd)).toBeCloseTo(Number(sum), 6);
  });

  it('cents and cross-api: a large line and an analytics amount edited by hand on old days are judged as --full judges them', async () => {
    const file = await plantedCopy(
      w,
      `late-${++copies}.duckdb`,
      // A cost line far above the organization's history, consistent in dollars and cents.
      `UPDATE claude_costs SET amount_cents = 987654321, amount_usd = 9876543.21
        WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '2026-03-01')`,
      // One Analytics API product's cost on an old day edited in place: the bridge no longer holds there.
      `UPDATE claude_cost_by_actor SET amount_cents = amount_cents + 4321
        WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_by_actor WHERE activity_date = DATE '2026-02-05' AND product = 'messages_api' AND amount_cents > 0)`,
    );
    const v = await validate(file);
    expect(v.proofs.proved).toBeGreaterThan(0);
    expect(v.proofs.proved).toBeLessThanOrEqual(2 * DAILY_CHECKS);
    expect(v.byId('cents').status).toBe('WARN');
    expect(v.byId('cents').days).toEqual(['2026-03-01']);
    expect(v.byId('cross-api').status, v.byId('cross-api').detail).toBe('WARN');
    // The large line is cost_report's too: the bridge no longer holds on its day either.
    expect(v.byId('cross-api').days).toEqual(['2026-02-05', '2026-03-01']);
    expect(v.byId('cross-api').detail).toContain('messages_api');
    const full = await validate(file, '--full');
    expect(v.results).toEqual(full.results);
  });

  it('a key edited in place (no row added or removed) is a changed day too', async () => {
    // One cost line of an old day given another line's key by editing its text columns in place.
    const key = ['workspace_id', 'description', 'cost_type', 'model', 'service_tier', 'token_type', 'context_window', 'inference_geo'];
    const first = `(SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '${OLD}')`;
    const file = await plantedCopy(
      w,
      `late-${++copies}.duckdb`,
      `UPDATE claude_costs SET ${key.map((k) => `${k} = (SELECT ${k} FROM claude_costs WHERE rowid = ${first})`).join(', ')}
        WHERE rowid = (SELECT MAX(rowid) FROM claude_costs WHERE activity_date = DATE '${OLD}')`,
    );
    const v = await validate(file);
    expect(v.byId('duplicates').status).not.toBe('PASS');
    expect(v.byId('duplicates').days).toContain(OLD);
    expect(v.results).toEqual((await validate(file, '--full')).results);
  });

  it('a column no check reads, edited by hand, proves nothing again; a day with keys held twice is proved every time', async () => {
    // The fingerprint hashes only the columns some check reads (DailyCheck.daily.columns).
    const quiet = await plantedCopy(
      w,
      `late-${++copies}.duckdb`,
      `UPDATE claude_cost_by_actor SET extra = '{"planted":1}', run_id = 'by-hand' WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_by_actor WHERE activity_date = DATE '${OLD}')`,
    );
    const v = await validate(quiet);
    expect(v.proofs).toEqual({ proved: 0, reused: DAYS * DAILY_CHECKS });
    expect(v.results).toEqual(first.results);
    // A row written twice, proved and kept; then its copy's extra edited by hand: duplicates' facts read
    // extra for keys held twice, so that day is judged again and says what differs, as --full does.
    const file = await plantedCopy(w, `late-${++copies}.duckdb`, `INSERT INTO claude_code_productivity SELECT * FROM claude_code_productivity WHERE rowid = (SELECT MIN(rowid) FROM claude_code_productivity WHERE activity_date = DATE '${OLD}')`);
    const before = await validate(file);
    expect(before.byId('duplicates').days).toEqual([OLD]);
    expect(before.byId('duplicates').detail).not.toContain('differing only in');
    await runSql(file, `UPDATE claude_code_productivity SET extra = '{"planted":"by hand"}' WHERE rowid = (SELECT MAX(rowid) FROM claude_code_productivity WHERE activity_date = DATE '${OLD}')`);
    const after = await validate(file);
    expect(after.proofs.proved).toBe(1);
    expect(after.byId('duplicates').detail).toContain('differing only in planted');
    expect(after.results).toEqual((await validate(file, '--full')).results);
  });

  it('after a daily run, only the days it rewrote are proved again', async () => {
    const file = await plantedCopy(w, `daily-${++copies}.duckdb`);
    await validate(file); // keeps the day fingerprints beside the file, for the run to carry
    const run = await runCli(['run', '--warehouse', `duckdb:${file}`], w.env);
    expect(run.code, run.stderr).toBe(0);
    // The days the run's windows wrote, from the ledger (each stream's lookback and window size).
    const written = new Set<string>();
    for (const [from, to] of await rawRows(
      file,
      `SELECT CAST(window_start AS VARCHAR), CAST(window_end AS VARCHAR) FROM ingest_windows
        WHERE status = 'ok' AND stream <> 'org' AND run_id = (SELECT run_id FROM ingest_runs WHERE command = 'run' ORDER BY started_at DESC LIMIT 1)`,
    )) {
      for (const day of eachDay(String(from) as IsoDay, String(to) as IsoDay)) if (day >= FROM && day <= TODAY) written.add(day);
    }
    expect(written.size).toBeGreaterThan(0);
    expect(written.size).toBeLessThan(DAYS);
    // The run carried the kept fingerprints through its writes: stamped with the file as it left
    // it, the days it wrote marked to be read again, every other day kept.
    const kept = readPrints(file);
    expect(kept.stamp).toBe(stateStamp(file));
    const costs = Object.values(kept.entries).find((e) => e.table === 'claude_costs')!;
    expect(costs.stale.length).toBeGreaterThan(0);
    for (const day of costs.stale) expect(written.has(day)).toBe(true);
    expect(Object.keys(costs.days).length).toBeGreaterThan(DAYS - written.size - 1);
    const v = await validate(file);
    // The emulator sends the same figures again: the rewritten rows differ only in lineage (run_id,
    // ingested_at), which no check reads, so at most the written days are proved again (often none).
    expect(v.proofs.proved).toBeLessThanOrEqual(written.size * DAILY_CHECKS);
    expect(v.proofs.reused).toBeGreaterThanOrEqual((DAYS - written.size) * DAILY_CHECKS);
    expect(v.results).toEqual((await validate(file, '--full')).results);
  });

  it('fingerprints kept beside the file are read instead of the rows, and a defect planted by hand on the same file after that is still caught', async () => {
    const file = await plantedCopy(w, `prints-${++copies}.duckdb`);
    chmodSync(file, 0o600);
    await validate(file);
    const kept = readPrints(file);
    expect(kept.stamp).toBe(stateStamp(file));
    // They hold what the rows hold: no more readable than the warehouse file.
    expect((statSync(dayPrintsFile(file)).mode & 0o777).toString(8)).toBe('600');
    // Used, not only written: a print changed inside the file (its stamp left as it is) makes the
    // checks reading claude_costs prove that one day again, though its rows did not change.
    const [key, costs] = Object.entries(kept.entries).find(([, e]) => e.table === 'claude_costs')!;
    costs.days[OLD]![1] = 'changed:0';
    kept.entries[key] = costs;
    writeFileSync(dayPrintsFile(file), JSON.stringify(kept));
    const reread = await validate(file);
    expect(reread.proofs.proved).toBeGreaterThan(0);
    expect(reread.proofs.proved).toBeLessThanOrEqual(DAILY_CHECKS);
    // Now a row edited by hand with SQL on that old day, in this same file: its state changed, so
    // nothing kept is trusted and the defect is found as --full finds it.
    await runSql(file, `UPDATE claude_costs SET amount_usd = amount_cents WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '${OLD}' AND amount_cents > 1)`);
    expect(stateStamp(file)).not.toBe(kept.stamp);
    const v = await validate(file);
    expect(v.byId('cents').status).toBe('FAIL');
    expect(v.byId('cents').days).toEqual([OLD]);
    expect(v.code).toBe(1);
    expect(v.results).toEqual((await validate(file, '--full')).results);
  });

  it('entries of the wrong shape under the right stamp are dropped (their days hashed again), never thrown on', async () => {
    const file = await plantedCopy(w, `prints-${++copies}.duckdb`);
    const clean = await validate(file);
    const kept = readPrints(file);
    const keys = Object.keys(kept.entries);
    expect(keys.length).toBeGreaterThan(1);
    const bad = kept as unknown as { entries: Record<string, unknown> };
    bad.entries[keys[0]!] = { table: 'claude_costs', from: '2025-01-01', to: '2025-12-31', days: { [OLD]: 'not a pair' }, stale: [] };
    bad.entries[keys[1]!] = { table: 'claude_costs', days: null };
    writeFileSync(dayPrintsFile(file), JSON.stringify(bad));
    const v = await validate(file);
    expect(v.code).toBe(clean.code);
    expect(v.results).toEqual(clean.results);
    expect(v.results).toEqual((await validate(file, '--full')).results);
  });
});

interface KeptPrints {
  stamp: string;
  entries: Record<string, { table: string; days: Record<string, [number, string]>; stale: string[] }>;
}

function readPrints(file: string): KeptPrints {
  return JSON.parse(readFileSync(dayPrintsFile(file), 'utf8')) as KeptPrints;
}
