/**
 * The kept allocation lines (claude_cost_allocation_lines, issue 31): `report --by`, `chargeback` and
 * /api/allocation answer from a GROUP BY over them, byte for byte what the engine gives over the
 * facts. The engine's answer is taken from a copy of the same warehouse with the kept lines and days emptied
 * (so the reader falls back to it). Rules with a proportional split, a percentage split, a rule on a
 * person and every kind of configured fee (a proportional one cut by the range included). When the
 * rules changed since the lines were kept, or a day was ingested again, the reader says so and
 * answers from the engine; `allocate` makes the kept lines answer again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllocationRules } from '../../../src/config/allocation-rules.js';
import { loadConfig } from '../../../src/config/load.js';
import { startDashboard } from '../../../src/dashboard/server.js';
import { keptCurrency } from '../../../src/reports/allocation/materialised-lines.js';
import { allocatedDaily } from '../../../src/reports/allocation/scope-daily.js';
import { asIsoDay } from '../../../src/util/dates.js';
import { openWarehouse } from '../../../src/warehouse/open-warehouse.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { fillWarehouse, plantedCopy, type FilledWarehouse } from '../../helpers/fill-warehouse.js';

const TODAY = '2026-02-10';
const FROM = '2025-12-20';
const RULES = `allocation:
  dimensions: [team, cost_center]
  rules:
    - { name: prod keys, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-100 } }
    - { name: claude code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-300 } }
    - { name: ci keys, match: { api_key: "ci-*" }, split: { by: team, percent: { Platform: 60, Research: 40 } }, set: { cost_center: CC-900 } }
    - { name: shared staging, match: { api_key: "staging-*" }, split: { by: team, proportional_to: billed } }
    - { name: research, match: { workspace: Research }, set: { team: Research, cost_center: CC-200 } }
    - { name: opus, match: { model: "claude-opus-*" }, set: { team: Research, cost_center: CC-201 } }
  unallocated: { team: Unallocated, cost_center: "-" }
`;
const FEES = `fixed_costs:
  - { name: Team plan seats, kind: seats, monthly_usd: "30.01", quantity: 7, allocate: { team: Platform, cost_center: CC-100 } }
  - { name: Support, kind: support, monthly_usd: "100.01", split: { by: team, percent: { Platform: 33.33, Research: 33.33, Engineering: 33.34 } } }
  - { name: Shared tools, monthly_usd: "77.77", split: { by: team, proportional_to: billed } }
  - { name: Misc, monthly_usd: "0.07" }
`;
const SLOW = 'computed from the facts (slower)';

let w: FilledWarehouse;
let config: string;
let changed: string;
/** The same warehouse with the kept lines emptied: every reader answers from the engine. */
let engine: string;

const on = (file: string, args: string[], cfg = config) => runCli([...args, '--config', cfg, '--warehouse', `duckdb:${file}`], w.env);

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

/** The same command on the kept lines and on the engine: both succeed, the same stdout; only the engine's run says it was slow. */
async function same(args: string[], cfg = config, file = w.file): Promise<string> {
  const kept = await on(file, args, cfg);
  const slow = await on(engine, args, cfg);
  expect(kept.code, kept.stderr).toBe(0);
  expect(slow.code, slow.stderr).toBe(0);
  expect(kept.stderr).not.toContain(SLOW);
  expect(slow.stderr).toContain(SLOW);
  expect(kept.stdout.length).toBeGreaterThan(100);
  expect(kept.stdout).toBe(slow.stdout);
  return kept.stdout;
}

beforeAll(async () => {
  const dir = tempDir('ci-kept-lines-');
  config = join(dir, 'claude-ingest.yaml');
  writeFileSync(config, `${RULES}${FEES}`);
  changed = join(dir, 'changed.yaml');
  writeFileSync(changed, `${RULES.replace('percent: { Platform: 60, Research: 40 }', 'percent: { Platform: 25, Research: 75 }')}${FEES}`);
  // The backfill syncs the fees and keeps the allocation at its end, as a run with this config does.
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 11, args: ['--streams', 'cost,claude_code,analytics_cost,org', '--config', config] });
  engine = await plantedCopy(w, 'engine.duckdb', 'DELETE FROM claude_cost_allocation_lines', 'DELETE FROM claude_cost_allocation_days');
}, 240_000);
afterAll(async () => {
  await w?.close();
});

describe('reading the kept allocation lines', () => {
  it('keeps the lines for every day with facts, with the rules hash the reports name', async () => {
    const rows = await q(w.file, `SELECT COUNT(DISTINCT activity_date) AS days, COUNT(*) AS n, MIN(rules_hash) AS h, MAX(rules_hash) AS h2, COUNT(DISTINCT source) AS sources FROM claude_cost_allocation_lines`);
    const facts = await q(w.file, `SELECT COUNT(*) AS days FROM (SELECT activity_date FROM claude_cost_by_actor UNION SELECT activity_date FROM claude_costs)`);
    expect(rows[0]!.days).toBe(facts[0]!.days);
    expect(Number(rows[0]!.n)).toBeGreaterThan(Number(rows[0]!.days));
    expect(rows[0]!.sources).toBe('2');
    const doc = JSON.parse(await same(['report', '--by', 'team', '--format', 'json', '--from', FROM, '--to', TODAY])) as { rules_hash: string; columns: string[] };
    expect(rows[0]!.h).toBe(doc.rules_hash);
    expect(rows[0]!.h2).toBe(doc.rules_hash);
    // The fees have their own column: they are in the answer.
    expect(doc.columns).toContain('fixed_fees_usd (configured)');
  });

  it('report --by gives the engine\'s answer byte for byte, in every format', async () => {
    for (const format of ['table', 'json', 'csv']) {
      for (const by of ['team', 'team,cost_center']) await same(['report', '--by', by, '--format', format, '--from', FROM, '--to', TODAY]);
    }
    for (const by of ['team,person', 'cost_center,product,model', 'team,day', 'cost_center,month,fee', 'team,api_key,workspace,cost_type,source']) {
      await same(['report', '--by', by, '--format', 'json', '--from', FROM, '--to', TODAY]);
    }
    // A range that cuts months: the proportional fee's basis is still its whole month.
    await same(['report', '--by', 'team,fee', '--format', 'csv', '--from', '2026-01-10', '--to', '2026-01-20']);
  });

  it('chargeback gives the engine\'s lines and totals byte for byte', async () => {
    for (const [by, ext] of [[undefined, 'csv'], ['team', 'json'], ['cost_center', 'csv']] as const) {
      const a = join(w.dir, `kept.${ext}`);
      const b = join(w.dir, `engine.${ext}`);
      const args = ['chargeback', '--month', '2026-01', ...(by ? ['--by', by] : [])];
      const kept = await on(w.file, [...args, '--out', a]);
      const slow = await on(engine, [...args, '--out', b]);
      expect(kept.code, kept.stderr).toBe(0);
      expect(slow.code, slow.stderr).toBe(0);
      expect(kept.stderr).not.toContain(SLOW);
      expect(slow.stderr).toContain(SLOW);
      expect(readFileSync(a, 'utf8').length).toBeGreaterThan(200);
      expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
      expect(kept.stdout).toBe(slow.stdout.replace(b, a));
    }
  });

  it('/api/allocation gives the engine\'s answer', async () => {
    const loaded = loadConfig(config, {});
    // With the fees (part of the rules' hash), as the dashboard's --config loads them: the kept lines are current for them.
    const allocation = loadAllocationRules(loaded.config.allocation, loaded.path, undefined, loaded.config.fixed_costs ?? [])!;
    const wh = await openWarehouse(w.url, { readOnly: true });
    try {
      expect(await keptCurrency(wh, allocation, { from: asIsoDay(FROM), to: asIsoDay(TODAY) })).toBeNull();
    } finally {
      await wh.close();
    }
    const kept = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, allocation });
    const slow = await startDashboard({ warehouseUrl: `duckdb:${engine}`, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, allocation });
    try {
      for (const dim of ['team', 'cost_center']) {
        const path = `/api/allocation?from=${FROM}&to=${TODAY}&dim=${dim}`;
        const [a, b] = await Promise.all([fetch(new URL(path, kept.url)), fetch(new URL(path, slow.url))]);
        const text = await a.text();
        expect(a.status, text).toBe(200);
        const doc = JSON.parse(text) as { days: unknown[]; claudeCode: Array<{ claude_code_billed_usd: string }> };
        expect(doc.days.length).toBeGreaterThan(20);
        // The value of Claude Code is in the answer compared (from the kept lines on one side, the engine on the other).
        expect(doc.claudeCode.some((r) => r.claude_code_billed_usd !== '0')).toBe(true);
        expect(text).toBe(await b.text());
      }
    } finally {
      await kept.close();
      await slow.close();
    }
  });

  it('the value of Claude Code (report --product claude_code) gives the engine\'s answer byte for byte', async () => {
    for (const by of ['team', 'team,person', 'cost_center,person']) {
      const out = await same(['report', '--by', by, '--product', 'claude_code', '--format', 'json', '--from', FROM, '--to', TODAY]);
      // The rules give all of Claude Code to one team; per person there are many rows.
      expect((JSON.parse(out) as { rows: unknown[] }).rows.length).toBeGreaterThan(by.includes('person') ? 5 : 0);
    }
    await same(['report', '--by', 'team', '--product', 'claude_code', '--format', 'csv', '--from', '2026-01-10', '--to', '2026-01-20']);
  });

  it('Claude Code cost a proportional split took: the value comes from the engine (its basis is then Claude Code alone), the rest from the kept lines', async () => {
    const splitCode = join(w.dir, 'split-code.yaml');
    writeFileSync(splitCode, `${RULES.replace('- { name: claude code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-300 } }', '- { name: code split, match: { product: claude_code }, split: { by: team, proportional_to: billed } }')}${FEES}`);
    expect(readFileSync(splitCode, 'utf8')).toContain('code split');
    const file = await plantedCopy(w, 'split-code.duckdb');
    const allocated = await runCli(['allocate', '--config', splitCode, '--warehouse', `duckdb:${file}`], w.env);
    expect(allocated.code, allocated.stderr).toBe(0);
    const args = ['report', '--by', 'team', '--product', 'claude_code', '--format', 'json', '--from', FROM, '--to', TODAY];
    const value = await on(file, args, splitCode);
    expect(value.code, value.stderr).toBe(0);
    expect(value.stderr).toContain(SLOW);
    expect(value.stderr).toContain('proportional split code split');
    expect(value.stdout).toBe((await on(engine, args, splitCode)).stdout);
    // The whole allocation is still the kept lines' (the split's basis there is every product's, as the engine's).
    await same(['report', '--by', 'team', '--format', 'json', '--from', FROM, '--to', TODAY], splitCode, file);
  });

  it('a budget scoped to a team counts the same per day from the kept lines as from the engine, fees included', async () => {
    const loaded = loadConfig(config, {});
    const rules = loadAllocationRules(loaded.config.allocation, loaded.path, undefined, loaded.config.fixed_costs ?? [])!;
    const daily = async (file: string) => {
      const wh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
      const why: string[] = [];
      try {
        return { days: [...(await allocatedDaily(wh, rules, { team: 'Platform' }, { from: asIsoDay('2026-01-01'), to: asIsoDay(TODAY) }, (r) => why.push(r)))], why };
      } finally {
        await wh.close();
      }
    };
    const kept = await daily(w.file);
    const slow = await daily(engine);
    expect(kept.why).toEqual([]);
    expect(slow.why.length).toBe(1);
    expect(kept.days.length).toBeGreaterThan(20);
    expect(kept.days).toEqual(slow.days);
    expect(kept.days.map(([d]) => d)).toEqual([...kept.days.map(([d]) => d)].sort());
  });

  it('rules changed since the lines were kept: the engine answers, and the command says why; allocate makes them answer again', async () => {
    const args = ['report', '--by', 'team', '--format', 'csv', '--from', FROM, '--to', TODAY];
    const before = await on(w.file, args, changed);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stderr).toContain(SLOW);
    expect(before.stderr).toContain('made with other rules');
    const slow = await on(engine, args, changed);
    expect(before.stdout).toBe(slow.stdout);
    // The new split shows: the old rules' answer would differ.
    expect(before.stdout).not.toBe((await on(w.file, args)).stdout);
    const file = await plantedCopy(w, 'reallocated.duckdb');
    const allocated = await runCli(['allocate', '--config', changed, '--warehouse', `duckdb:${file}`], w.env);
    expect(allocated.code, allocated.stderr).toBe(0);
    expect(await same(args, changed, file)).toBe(before.stdout);
  });

  it('a day ingested again after its lines were kept: the engine answers until allocate runs', async () => {
    const file = await plantedCopy(w, 'late.duckdb', `UPDATE claude_cost_by_actor SET ingested_at = ingested_at + INTERVAL 1 DAY WHERE activity_date = (SELECT MAX(activity_date) FROM claude_cost_by_actor)`);
    const res = await on(file, ['report', '--by', 'team', '--format', 'json', '--from', FROM, '--to', TODAY]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('was ingested again after its allocation was kept');
    // A range without that day still answers from the kept lines.
    const earlier = await on(file, ['report', '--by', 'team', '--format', 'json', '--from', FROM, '--to', '2026-01-31']);
    expect(earlier.stderr).not.toContain(SLOW);
  });

  it('a workspace filter is answered by the engine (splits and fees see only the filtered facts)', async () => {
    const res = await on(w.file, ['report', '--by', 'team', '--workspace', 'default', '--from', FROM, '--to', TODAY]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('a workspace or model filter');
  });

  it('validate proves the kept lines against the engine, day by day: a planted cent is caught on its day', async () => {
    const ok = await on(w.file, ['validate', '--from', FROM, '--to', TODAY, '--json']);
    expect(ok.stdout).toContain('the kept allocation reports read is the same on every day');
    const day = String((await q(w.file, `SELECT CAST(MIN(activity_date) + 20 AS VARCHAR) AS d FROM claude_cost_allocation_lines`))[0]!.d);
    const file = await plantedCopy(w, 'planted.duckdb', `UPDATE claude_cost_allocation_lines SET amount_cents = amount_cents + 1 WHERE rowid = (SELECT MIN(rowid) FROM claude_cost_allocation_lines WHERE activity_date = DATE '${day}')`);
    const bad = await on(file, ['validate', '--from', FROM, '--to', TODAY, '--json']);
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout) as { results: Array<{ id: string; status: string; days?: string[]; detail: string }> };
    const check = doc.results.find((c) => c.id === 'allocation')!;
    expect(check.status).toBe('FAIL');
    expect(check.days).toEqual([day]);
    expect(check.detail).toContain('claude_cost_allocation_lines');
    // Without its kept lines a range is proved from the facts alone.
    const none = await on(engine, ['validate', '--from', FROM, '--to', TODAY, '--json']);
    expect(none.stdout).toContain('no kept allocation current for the range');
  });
});
