/**
 * The kept days (claude_cost_allocation_days, issue 31): the kept lines summed per day, source and
 * dimension values, written with them in one transaction. `report --by <dimensions>` and every
 * reader's currency check read them instead of the year's lines; they are never stale: lines edited
 * apart from them send the detail readers to the engine, a file made before them is read (read-only)
 * from the lines, and an empty one (write-opened, not yet allocated) sends readers to the engine
 * until allocate or the next run. validate keeps the allocation check's verdict per day: a defect
 * planted after the verdict was kept, on an old day or the newest, is still caught; --full re-proves.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/cli.js';
import { fillWarehouse, plantedCopy, type FilledWarehouse } from '../../helpers/fill-warehouse.js';

const TODAY = '2026-02-10';
const FROM = '2026-01-01';
const RULES = `allocation:
  dimensions: [team, cost_center]
  rules:
    - { name: prod keys, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-100 } }
    - { name: claude code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-300 } }
    - { name: shared staging, match: { api_key: "staging-*" }, split: { by: team, proportional_to: billed } }
    - { name: research, match: { workspace: Research }, set: { team: Research, cost_center: CC-200 } }
  unallocated: { team: Unallocated, cost_center: "-" }
fixed_costs:
  - { name: Shared tools, monthly_usd: "77.77", split: { by: team, proportional_to: billed } }
`;
const SLOW = 'computed from the facts (slower)';

let w: FilledWarehouse;
let config: string;
/** The same warehouse with no kept allocation: every reader answers from the engine. */
let engine: string;

const on = (file: string, args: string[]) => runCli([...args, '--config', config, '--warehouse', `duckdb:${file}`], w.env);

async function q(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const TEAM = ['report', '--by', 'team', '--format', 'json', '--from', FROM, '--to', TODAY];
/** chargeback --month 2026-01 to a JSON file: its stderr and the file's text. */
async function chargeback(file: string): Promise<{ stderr: string; text: string }> {
  const out = join(w.dir, `${file.split('/').pop()!}.chargeback.json`);
  const res = await on(file, ['chargeback', '--month', '2026-01', '--format', 'json', '--out', out]);
  expect(res.code, res.stderr).toBe(0);
  return { stderr: res.stderr, text: readFileSync(out, 'utf8') };
}

interface Validation {
  summary: { proofs?: { proved: number; reused: number } };
  results: Array<{ id: string; status: string; days?: string[]; detail: string }>;
}
async function validate(file: string, ...extra: string[]): Promise<{ code: number; doc: Validation; check: Validation['results'][number] }> {
  const res = await on(file, ['validate', '--from', FROM, '--to', TODAY, '--json', ...extra]);
  expect(res.stdout, res.stderr).toContain('"results"');
  const doc = JSON.parse(res.stdout) as Validation;
  return { code: res.code, doc, check: doc.results.find((c) => c.id === 'allocation')! };
}

beforeAll(async () => {
  const dir = tempDir('ci-kept-days-');
  config = join(dir, 'claude-ingest.yaml');
  writeFileSync(config, RULES);
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 7, args: ['--streams', 'cost,claude_code,analytics_cost,org', '--config', config] });
  engine = await plantedCopy(w, 'engine.duckdb', 'DELETE FROM claude_cost_allocation_lines', 'DELETE FROM claude_cost_allocation_days');
}, 240_000);
afterAll(async () => {
  await w?.close();
});

describe('the kept days', () => {
  it('are the kept lines summed per day, source and dimension values, and allocating again gives the same rows', async () => {
    const sums = `SELECT organization_id, activity_date, source, dimensions, SUM(amount_cents) AS billed, SUM(list_amount_cents) AS list, COUNT(*) AS n, MIN(rules_hash) AS h FROM claude_cost_allocation_lines GROUP BY ALL ORDER BY ALL`;
    const days = `SELECT organization_id, activity_date, source, dimensions, amount_cents AS billed, list_amount_cents AS list, line_count AS n, rules_hash AS h FROM claude_cost_allocation_days ORDER BY ALL`;
    const a = await q(w.file, sums);
    expect(a.length).toBeGreaterThan(40);
    expect(await q(w.file, days)).toEqual(a);
    // Idempotent: rebuilding (twice) writes the same rows.
    const file = await plantedCopy(w, 'again.duckdb');
    for (let k = 0; k < 2; k++) {
      const res = await runCli(['allocate', '--rebuild', '--config', config, '--warehouse', `duckdb:${file}`], w.env);
      expect(res.code, res.stderr).toBe(0);
    }
    expect(await q(file, days)).toEqual(a);
  });

  it('answer report --by team without the lines, the engine\'s answer byte for byte', async () => {
    const slow = await on(engine, TEAM);
    expect(slow.stderr).toContain(SLOW);
    const kept = await on(w.file, TEAM);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).not.toContain(SLOW);
    expect(kept.stdout).toBe(slow.stdout);
    // The lines emptied by hand: --by team still answers from the kept days (it never read the lines) …
    const noLines = await plantedCopy(w, 'no-lines.duckdb', 'DELETE FROM claude_cost_allocation_lines');
    const team = await on(noLines, TEAM);
    expect(team.stderr).not.toContain(SLOW);
    expect(team.stdout).toBe(slow.stdout);
    // … while chargeback, which reads them, sees they no longer add up to the kept days and asks the engine.
    const cb = await chargeback(noLines);
    expect(cb.stderr).toContain('the kept lines do not add up to the kept days');
    expect(cb.text).toBe((await chargeback(engine)).text);
  });

  it('lines rewritten apart from the kept days (as an older build would): chargeback answers from the engine, with the reason', async () => {
    const file = await plantedCopy(w, 'apart.duckdb', `UPDATE claude_cost_allocation_lines SET amount_cents = amount_cents + 0.01 WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_allocation_lines WHERE activity_date = DATE '2026-01-15')`);
    const res = await chargeback(file);
    expect(res.stderr).toContain(SLOW);
    expect(res.stderr).toContain('do not add up to the kept days (claude_cost_allocation_days) on 2026-01');
    expect(res.text.length).toBeGreaterThan(500);
    expect(res.text).toBe((await chargeback(engine)).text);
    // The kept lines answer when they and the kept days agree.
    const kept = await chargeback(w.file);
    expect(kept.stderr).not.toContain(SLOW);
    expect(kept.text).toBe(res.text);
  });

  it('a file made before the kept days: a read-only open is not refused and reads the lines; allocate adds them', async () => {
    const file = await plantedCopy(w, 'old.duckdb', 'DROP TABLE claude_cost_allocation_days');
    const slow = (await on(engine, TEAM)).stdout;
    const team = await on(file, TEAM);
    expect(team.code, team.stderr).toBe(0);
    expect(team.stderr).not.toContain(SLOW);
    expect(team.stdout).toBe(slow);
    const cb = await chargeback(file);
    expect(cb.stderr).not.toContain(SLOW);
    expect(cb.text).toBe((await chargeback(engine)).text);
    // validate reads it read-only too, and proves the lines.
    const v = await validate(file);
    expect(v.check.status, v.check.detail).not.toBe('FAIL');
    expect(v.check.detail).toContain('the kept allocation reports read is the same on every day');
    // validate's write of its proofs created the table, empty: readers say so and ask the engine …
    expect((await q(file, 'SELECT COUNT(*) AS n FROM claude_cost_allocation_days'))[0]!.n).toBe('0');
    const empty = await on(file, TEAM);
    expect(empty.stderr).toContain('no allocation kept for');
    expect(empty.stdout).toBe(slow);
    // … until allocate rebuilds the months that have no kept days.
    const allocated = await runCli(['allocate', '--config', config, '--warehouse', `duckdb:${file}`], w.env);
    expect(allocated.code, allocated.stderr).toBe(0);
    const again = await on(file, TEAM);
    expect(again.stderr).not.toContain(SLOW);
    expect(again.stdout).toBe(slow);
    expect(Number((await q(file, 'SELECT COUNT(*) AS n FROM claude_cost_allocation_days'))[0]!.n)).toBeGreaterThan(40);
  });
});

describe('validate keeps the allocation check per day', () => {
  it('reuses every kept day when nothing changed, and still catches a defect planted after the verdict was kept, on an old day and the newest', async () => {
    const file = await plantedCopy(w, 'proved.duckdb');
    const first = await validate(file);
    expect(first.check.status).not.toBe('FAIL');
    expect(first.check.detail).toContain('the kept allocation reports read is the same on every day');
    const second = await validate(file);
    expect(second.check).toEqual(first.check);
    expect(second.doc.summary.proofs!.proved).toBe(0);
    expect(second.doc.summary.proofs!.reused).toBeGreaterThan(0);
    const newest = String((await q(file, 'SELECT CAST(MAX(activity_date) AS VARCHAR) AS d FROM claude_cost_allocation_days'))[0]!.d);
    for (const [name, day, sql] of [
      // A kept line's cent on an old day (what chargeback reads) …
      ['old-line', '2026-01-05', `UPDATE claude_cost_allocation_lines SET amount_cents = amount_cents + 0.01 WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_allocation_lines WHERE activity_date = DATE '2026-01-05')`],
      // … a kept day's on the newest day (what report --by team reads) …
      ['new-day', newest, `UPDATE claude_cost_allocation_days SET amount_cents = amount_cents + 0.01 WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_allocation_days WHERE activity_date = DATE '${newest}')`],
      // … and a fact changed by hand without allocating again (its time unchanged, so the kept allocation still claims to be current).
      ['old-fact', '2026-01-20', `UPDATE claude_cost_by_actor SET amount_cents = amount_cents + 1 WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_by_actor WHERE activity_date = DATE '2026-01-20' AND amount_cents > 0)`],
    ] as const) {
      const planted = await plantedCopy({ ...w, file }, `${name}.duckdb`, sql);
      const bad = await validate(planted);
      expect(bad.code, name).toBe(1);
      expect(bad.check.status, name).toBe('FAIL');
      expect(bad.check.days, name).toEqual([day]);
      // Only the changed day (and what other checks re-read) is proved anew.
      expect(bad.doc.summary.proofs!.reused, name).toBeGreaterThan(0);
    }
  });

  it('a rules change re-proves every day; --full re-proves everything and gives the same verdict', async () => {
    const file = await plantedCopy(w, 'full.duckdb');
    const first = await validate(file);
    const full = await validate(file, '--full');
    expect(full.check).toEqual(first.check);
    expect(full.doc.summary.proofs!.reused).toBe(0);
    const changed = join(w.dir, 'changed.yaml');
    writeFileSync(changed, RULES.replace('team: Research, cost_center: CC-200', 'team: Science, cost_center: CC-200'));
    const res = await runCli(['validate', '--from', FROM, '--to', TODAY, '--json', '--config', changed, '--warehouse', `duckdb:${file}`], w.env);
    const check = (JSON.parse(res.stdout) as Validation).results.find((c) => c.id === 'allocation')!;
    // Proved again under the new rules: the kept allocation was made with the old ones.
    expect(check.detail).toContain('no kept allocation current for the range');
  });
});
