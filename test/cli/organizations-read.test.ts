/**
 * status, report and export across several organizations (issue 14): two organizations in one
 * DuckDB file through the real CLI. Totals add up across organizations, --org keeps one, --by
 * organization names each, status judges each organization's days on its own ledger, and the FOCUS
 * view bills each row to its organization (BillingAccountId / BillingAccountName).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseStatus } from '../../src/ledger/status.js';
import { eachDay } from '../../src/util/dates.js';
import { ExactDecimal, sumDecimals } from '../../src/util/money.js';
import { KEY_A, KEY_B, twoOrganizations, type TwoOrganizations } from '../helpers/two-organizations.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-05-10';
const FROM = '2026-04-26';

let w: TwoOrganizations;

beforeAll(async () => {
  w = await twoOrganizations({ today: TODAY, from: FROM });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

/** The organization's billed spend over the range from its own ground truth, in dollars. */
const truthUsd = (key: string) => new ExactDecimal(w.emu.truthFor(key).costCentsRange(FROM, TODAY)).div(100);

async function reportJson(args: string[]): Promise<{ organization: { id: string } | null; organizations?: Array<{ id: string }>; rows: Array<Record<string, string>> }> {
  const res = await w.cli(['report', '--format', 'json', ...args]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout);
}

describe('report across organizations', () => {
  it('--by organization: spend per organization with its name, each its own ground truth, adding up to the total', async () => {
    const doc = await reportJson(['--by', 'organization']);
    const byId = new Map(doc.rows.map((r) => [r.organization_id, r]));
    expect([...byId.keys()].sort()).toEqual([w.a, w.b].sort());
    expect(byId.get(w.a)!.name).toBe(w.nameA);
    expect(byId.get(w.b)!.name).toBe(w.nameB);
    expect(new ExactDecimal(byId.get(w.a)!.cost_usd!).eq(truthUsd(KEY_A))).toBe(true);
    expect(new ExactDecimal(byId.get(w.b)!.cost_usd!).eq(truthUsd(KEY_B))).toBe(true);
    // No --org: every report sums the organizations.
    const days = await reportJson(['--by', 'day']);
    expect(sumDecimals(days.rows.map((r) => r.cost_usd!))).toBe(sumDecimals(doc.rows.map((r) => r.cost_usd!)));
    expect(doc.organizations?.map((o) => o.id).sort()).toEqual([w.a, w.b].sort());

    const csv = await w.cli(['report', '--by', 'organization', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('organization_id,name,cost_usd');
    expect(csv.stdout).toContain(`${w.a},${w.nameA},`);
    const table = await w.cli(['report', '--by', 'organization']);
    expect(table.stdout).toContain('Spend by organization');
    expect(table.stdout).toMatch(new RegExp(`${w.b}\\s+${w.nameB}\\s+\\$`));
    expect(table.stdout).toContain('Organizations: all 2, summed');
  });

  it('--org keeps one organization, by name or id, in every report', async () => {
    for (const sel of [w.nameA, w.a]) {
      const doc = await reportJson(['--by', 'month', '--org', sel]);
      expect(doc.organization?.id).toBe(w.a);
      expect(new ExactDecimal(sumDecimals(doc.rows.map((r) => r.cost_usd!))).eq(truthUsd(KEY_A))).toBe(true);
    }
    const ws = await reportJson(['--by', 'workspace', '--org', w.b]);
    const wsTotal = sumDecimals(ws.rows.map((r) => r.cost_usd!));
    expect(new ExactDecimal(wsTotal).eq(truthUsd(KEY_B))).toBe(true);
    const table = await w.cli(['report', '--by', 'day', '--org', w.b]);
    expect(table.stdout).toContain(`Organization: ${w.nameB}`);
    const bad = await w.cli(['report', '--org', 'Nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--org Nope matches no organization');
  });
});

describe('status across organizations', () => {
  it("shows each organization's streams and runs, and a gap in one organization only", async () => {
    const file = await w.planted('status-gap.duckdb', `UPDATE ingest_windows SET status = 'failed', error = 'planted' WHERE organization_id = '${w.b}' AND stream = 'usage'`);
    const res = await w.cli(['status', '--json'], file);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout) as WarehouseStatus;
    const of = (id: string) => s.organizations!.find((o) => o.id === id)!;
    const usage = (id: string) => of(id).streams.find((st) => st.stream === 'usage')!;
    expect(s.organizations!.map((o) => o.id).sort()).toEqual([w.a, w.b].sort());
    // B's days are missing although A's windows cover the same days.
    expect(usage(w.a).missingDays).toEqual([]);
    expect(usage(w.b).missingDays).toHaveLength(eachDay(FROM, TODAY).length);
    expect(of(w.a).failedWindows).toEqual([]);
    expect(of(w.b).failedWindows.map((x) => x.stream)).toContain('usage');
    expect(of(w.a).lastRuns.every((r) => r.organizationId === w.a)).toBe(true);
    expect(of(w.a).lastRuns.length).toBeGreaterThan(0);

    const text = await w.cli(['status'], file);
    expect(text.stdout).toContain(`== ${w.nameA} (${w.a}) ==`);
    expect(text.stdout).toContain(`== ${w.nameB} (${w.b}) ==`);
    expect(text.stdout).toContain('Organizations: 2');
    expect(text.stdout).toContain(`run: claude-ingest retry --org ${w.b}`);
  });

  it('--org counts only that organization\'s rows', async () => {
    const res = await w.cli(['status', '--json', '--org', w.nameB]);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout) as WarehouseStatus;
    expect(s.organization?.id).toBe(w.b);
    const [own] = await queryWarehouse(w.file, 'SELECT COUNT(*) AS n FROM claude_costs WHERE organization_id = ?', [w.b]);
    expect(s.tables.find((t) => t.table === 'claude_costs')!.rows).toBe(Number(own!.n));
    expect(s.lastRuns.every((r) => r.organizationId === w.b)).toBe(true);
    const text = await w.cli(['status', '--org', w.b]);
    expect(text.stdout).toContain(`Organization: ${w.nameB} (${w.b})`);
  });
});

describe('export and the FOCUS view across organizations', () => {
  it('exports every organization (organization_id a column), or one with --org', async () => {
    const all = join(w.dir, 'all.csv');
    expect((await w.cli(['export', 'claude_costs', '--out', all])).code).toBe(0);
    const header = readFileSync(all, 'utf8').split('\n')[0]!.split(',');
    const orgCol = header.indexOf('organization_id');
    expect(orgCol).toBeGreaterThanOrEqual(0);
    const orgsIn = (file: string) => new Set(readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[orgCol]));
    expect([...orgsIn(all)].sort()).toEqual([w.a, w.b].sort());
    const one = join(w.dir, 'one.csv');
    const res = await w.cli(['export', 'claude_costs', '--org', w.nameA, '--out', one]);
    expect(res.code, res.stderr).toBe(0);
    expect([...orgsIn(one)]).toEqual([w.a]);
    const [n] = await queryWarehouse(w.file, 'SELECT COUNT(*) AS n FROM claude_costs WHERE organization_id = ?', [w.a]);
    expect(readFileSync(one, 'utf8').trim().split('\n').length - 1).toBe(Number(n!.n));
    const report = join(w.dir, 'orgs.csv');
    expect((await w.cli(['export', 'organization', '--out', report])).code).toBe(0);
    expect(readFileSync(report, 'utf8')).toContain(w.nameB);
  });

  it('FOCUS: BillingAccountId is the organization, BillingAccountName its name, each billed its own spend', async () => {
    const rows = await queryWarehouse(
      w.file,
      'SELECT "BillingAccountId" AS id, MIN("BillingAccountName") AS name, COUNT(DISTINCT "BillingAccountName") AS names, CAST(SUM("BilledCost") AS VARCHAR) AS usd FROM claude_focus_costs GROUP BY 1 ORDER BY 1',
    );
    expect(rows.map((r) => r.id)).toEqual([w.a, w.b].sort());
    const by = new Map(rows.map((r) => [String(r.id), r]));
    expect(by.get(w.a)!.name).toBe(w.nameA);
    expect(by.get(w.b)!.name).toBe(w.nameB);
    expect(rows.every((r) => Number(r.names) === 1)).toBe(true);
    // Each account's billed total is exactly one cost source of its own days (analytics by key here).
    for (const id of [w.a, w.b]) {
      const [k] = await queryWarehouse(w.file, 'SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_cost_by_key WHERE organization_id = ?', [id]);
      expect(new ExactDecimal(String(by.get(id)!.usd)).eq(String(k!.usd))).toBe(true);
    }
    const focus = join(w.dir, 'focus-b.csv');
    const res = await w.cli(['export', 'claude_focus_costs', '--org', w.b, '--out', focus]);
    expect(res.code, res.stderr).toBe(0);
    const lines = readFileSync(focus, 'utf8').trim().split('\n');
    const col = lines[0]!.split(',').indexOf('BillingAccountId');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[col]))).toEqual(new Set([w.b]));
  });
});
