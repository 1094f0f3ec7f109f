/**
 * Allocated fees through the real CLI (issues 25 × 26), against a warehouse backfilled from the
 * emulator with the fees synced from the same config: `report --by team` gives them their own column
 * labelled configured, the chargeback's lines and totals add up to usage + fees (the header says so),
 * validate's allocation check proves allocated + unallocated = billed + fees, and a team's budget
 * counts the fees allocated to the team. Fee totals are cross-checked against `report --by month`,
 * which reads them by another path (the spend report's fee column).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../../helpers/fill-warehouse.js';

const TODAY = '2026-02-10';
const FEE = 'fixed_fees_usd (configured)';
const CONFIG = `allocation:
  dimensions: [team, cost_center]
  rules:
    - { name: prod keys, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-100 } }
    - { name: research, match: { workspace: Research }, set: { team: Research, cost_center: CC-200 } }
    - { name: claude code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-300 } }
  unallocated: { team: Unallocated, cost_center: "-" }
fixed_costs:
  - { name: Team plan seats, kind: seats, monthly_usd: "30.01", quantity: 7, allocate: { team: Platform, cost_center: CC-100 } }
  - { name: Support, kind: support, monthly_usd: "100.01", split: { by: team, percent: { Platform: 33.33, Research: 33.33, Engineering: 33.34 } } }
  - { name: Shared tools, monthly_usd: "77.77", split: { by: team, proportional_to: billed } }
  - { name: Misc, monthly_usd: "0.07" }
alerts:
  budgets:
    - { name: Platform team, monthly_usd: 1, scope: { team: Platform } }
`;
let w: FilledWarehouse;
let config: string;
type Doc = { columns: string[]; title: string; rows: Array<Record<string, string | number | null>>; totals?: Record<string, string> };
const sum = (vals: Array<string | number | null | undefined>) => vals.reduce<Decimal>((s, v) => s.plus(String(v ?? 0)), new Decimal(0));

beforeAll(async () => {
  config = join(tempDir('ci-fee-alloc-'), 'claude-ingest.yaml');
  writeFileSync(config, CONFIG);
  w = await fillWarehouse({ today: TODAY, from: '2026-01-01', seed: 7, args: ['--streams', 'cost,claude_code,analytics_cost,org', '--config', config] });
}, 180_000);
afterAll(async () => {
  await w?.close();
});

async function json(args: string[]): Promise<Doc> {
  const res = await w.cli([...args, '--config', config, '--format', 'json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Doc;
}
/** January's fees as the spend report adds them (claude_fixed_costs prorated by days). */
async function januaryFees(): Promise<Decimal> {
  const doc = await json(['report', '--by', 'month', '--from', '2026-01-01', '--to', '2026-01-31']);
  return new Decimal(String(doc.rows[0]![FEE]));
}

describe('allocated fees through the CLI', () => {
  it('report --by team: fees in their own column labelled configured, total_usd = billed + fees, adding up to the month\'s fees', async () => {
    const doc = await json(['report', '--by', 'team', '--from', '2026-01-01', '--to', '2026-01-31']);
    expect(doc.columns).toEqual(['team', 'billed_usd', 'list_usd', FEE, 'total_usd', 'share_pct']);
    expect(doc.title).toMatch(/fixed fees \(configured/);
    const fees = await januaryFees();
    expect(fees.gt(0)).toBe(true);
    expect(sum(doc.rows.map((r) => r[FEE])).eq(fees)).toBe(true);
    for (const r of doc.rows) expect(new Decimal(String(r.total_usd)).eq(new Decimal(String(r.billed_usd)).plus(String(r[FEE])))).toBe(true);
    // Misc has no allocation: the unallocated value carries it.
    expect(new Decimal(String(doc.rows.find((r) => r.team === 'Unallocated')![FEE])).gte('0.07')).toBe(true);
    // Combined dimensions and the fee column: one row per team × fee.
    const combined = await json(['report', '--by', 'team,fee', '--from', '2026-01-01', '--to', '2026-01-31']);
    const support = combined.rows.filter((r) => r.fee === 'Support (configured)');
    expect(support.map((r) => r.team).sort()).toEqual(['Engineering', 'Platform', 'Research']);
    expect(sum(support.map((r) => r[FEE])).eq('100.01')).toBe(true);
  });

  it('chargeback: fee lines with the dimension columns; lines add up to usage + fees; the header and JSON say what the total includes', async () => {
    const out = join(w.dir, 'cb-fees.csv');
    const res = await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/The totals include fixed fees \(configured, not API data\)/);
    const text = readFileSync(out, 'utf8');
    const include = text.split('\n').find((l) => l.startsWith('# the totals include:'))!;
    expect(include).toMatch(/^# the totals include: billed API usage \+ fixed fees \(configured in claude-ingest\.yaml, not API data\): API usage [\d.]+ \+ fixed fees \(configured\) [\d.]+; fee lines have source configured$/);
    const lines = parse(text, { columns: true, comment: '#' }) as Array<Record<string, string>>;
    const fees = lines.filter((l) => l.source === 'configured');
    const usage = lines.filter((l) => l.source !== 'configured');
    expect(fees.every((l) => l.fee!.endsWith(' (configured)') && l.team !== '' && l.cost_center !== '' && l.api_key === '')).toBe(true);
    expect(sum(fees.map((l) => l.billed_usd!)).eq(await januaryFees())).toBe(true);
    const month = await json(['report', '--by', 'team', '--from', '2026-01-01', '--to', '2026-01-31']);
    expect(sum(usage.map((l) => l.billed_usd!)).eq(sum(month.rows.map((r) => r.billed_usd)))).toBe(true);
    const jsonOut = join(w.dir, 'cb-fees.json');
    expect((await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--by', 'team', '--out', jsonOut])).code).toBe(0);
    const doc = JSON.parse(readFileSync(jsonOut, 'utf8')) as { totals: Array<Record<string, string>>; total: Record<string, string> };
    expect(new Decimal(doc.total.billed_usd!).eq(new Decimal(doc.total.usage_billed_usd!).plus(doc.total.fixed_fees_configured_usd!))).toBe(true);
    expect(sum(doc.totals.map((t) => t.billed_usd)).eq(doc.total.billed_usd!)).toBe(true);
    expect(sum(doc.totals.map((t) => t.fixed_fees_configured_usd)).eq(doc.total.fixed_fees_configured_usd!)).toBe(true);
    expect(doc.total.includes).toMatch(/fixed fees/);
  });

  it('validate: allocated + unallocated = billed + fees on every day', async () => {
    const res = await w.cli(['validate', '--config', config, '--from', '2026-01-01', '--to', '2026-02-09', '--json']);
    const doc = JSON.parse(res.stdout) as { results: Array<{ id: string; status: string; figure: string; detail: string }> };
    const check = doc.results.find((r) => r.id === 'allocation')!;
    expect(check.status).toBe('PASS');
    expect(check.detail).toMatch(/equals its billed total plus its fixed fees \(prorated by days\) to the last digit/);
    expect(check.detail).toMatch(/fixed fees \(configured\) \$/);
  });

  it("a team's budget counts the fees allocated to the team", async () => {
    const res = await w.cli(['alerts', '--config', config, '--dry-run', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { events: Array<{ rule: string; subject: string; figures: Record<string, unknown> }> };
    const ev = doc.events.find((e) => e.rule === 'budget' && e.subject === 'Platform team')!;
    const team = await json(['report', '--by', 'team', '--from', String(ev.figures.from), '--to', String(ev.figures.to)]);
    const platform = team.rows.find((r) => r.team === 'Platform')!;
    expect(new Decimal(String(platform[FEE])).gt(0)).toBe(true);
    expect(new Decimal(String(ev.figures.spent_usd)).eq(String(platform.total_usd))).toBe(true);
  });

  it('backfill --config wrote the parts: the FOCUS export has one Support row per team, Tags naming it', async () => {
    const out = join(w.dir, 'focus.json');
    const res = await w.cli(['export', 'claude_focus_costs', '--out', out, '--format', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    const support = rows.filter((r) => r.x_Source === 'configured' && r.ChargeDescription === 'Support (configured)' && String(r.BillingPeriodStart).startsWith('2026-01-01'));
    expect(support.map((r) => (JSON.parse(r.Tags!) as Record<string, string>).team).sort()).toEqual(['Engineering', 'Platform', 'Research']);
    expect(sum(support.map((r) => r.BilledCost)).eq('100.01')).toBe(true);
  });
});
