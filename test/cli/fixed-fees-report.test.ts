/**
 * Configured fees in `report --by day|month|workspace` (issue 26): their own column or rows, labelled
 * configured (a `source` field in JSON and CSV), totals that say what they include; a partial month is
 * prorated and its days add up exactly to the month's charge (docs/reconcile.md "Partial months").
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-05';
const FEE = 'fixed_fees_usd (configured)';
let w: FilledWarehouse;
type Doc = {
  columns: string[];
  rows: Array<Record<string, string | number | null>>;
  totals: { cost_report_usd: string; fixed_fees_configured_usd: string; total_usd: string; includes: string[]; excludes: string[] };
};

const half = (x: Decimal) => x.toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN);
// Seats from Feb 10: 19 of 28 days, unit price prorated then × 3; the credit ends Mar 15 (whole February).
const SEATS_FEB = half(new Decimal(31).times(19).div(28)).times(3);
const CREDIT_FEB = new Decimal('-120.50');
const FEB = SEATS_FEB.plus(CREDIT_FEB);

beforeAll(async () => {
  const config = join(tempDir('ci-fees-report-'), 'claude-ingest.yaml');
  writeFileSync(
    config,
    ['fixed_costs:', '  - { name: Team seats, kind: seats, monthly_usd: 31, quantity: 3, from: 2026-02-10 }', '  - { name: Launch credit, kind: credit, monthly_usd: "120.50", from: 2026-02-01, to: 2026-03-15 }'].join('\n'),
  );
  w = await fillWarehouse({ today: TODAY, from: '2026-01-25', seed: 5, args: ['--config', config] });
});
afterAll(async () => {
  await w?.close();
});

async function json(args: string[]): Promise<Doc> {
  const res = await w.cli(['report', ...args, '--format', 'json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Doc;
}
const sum = (vals: Array<string | number | null | undefined>) => vals.reduce<Decimal>((s, v) => s.plus(String(v ?? 0)), new Decimal(0));

describe('report with configured fees', () => {
  it('--by day: a fee column per day, prorated; February\'s days add up exactly to its charge; totals say what they include', async () => {
    const doc = await json(['--by', 'day', '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(doc.columns).toEqual(['day', 'cost_usd', FEE, 'total_usd']);
    expect(doc.rows).toHaveLength(28);
    expect(sum(doc.rows.map((r) => r[FEE])).eq(FEB)).toBe(true);
    // Before the 10th only the credit applies: -120.50 over 28 days.
    const early = doc.rows.filter((r) => String(r.day) < '2026-02-10');
    for (const r of early) expect(new Decimal(String(r[FEE])).lt(0)).toBe(true);
    for (const r of doc.rows) expect(new Decimal(String(r.total_usd)).eq(new Decimal(String(r.cost_usd)).plus(String(r[FEE])))).toBe(true);
    expect(new Decimal(doc.totals.fixed_fees_configured_usd).eq(FEB)).toBe(true);
    expect(new Decimal(doc.totals.cost_report_usd).eq(sum(doc.rows.map((r) => r.cost_usd)))).toBe(true);
    expect(new Decimal(doc.totals.total_usd).eq(new Decimal(doc.totals.cost_report_usd).plus(FEB))).toBe(true);
    expect(doc.totals.includes).toEqual(['API usage (cost_report)', 'fixed fees (configured)']);
    expect(doc.totals.excludes.join(' ')).toContain('outside cost_report');
  });

  it('in a time zone (--tz) and fiscal periods: the same fee days, each in the local period of its date; February still adds up to its charge', async () => {
    const utc = await json(['--by', 'day', '--from', '2026-02-01', '--to', '2026-02-28']);
    const local = await json(['--by', 'day', '--tz', 'America/New_York', '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(local.columns).toContain(FEE);
    expect(local.columns).toContain('day_basis');
    expect(local.columns.at(-1)).toBe('total_usd');
    // A fee has no instant, only calendar days: each local day carries the fee of the same date.
    const utcFee = new Map(utc.rows.map((r) => [String(r.day), String(r[FEE])]));
    for (const r of local.rows.filter((x) => String(x.day) >= '2026-02-01' && String(x.day) <= '2026-02-28')) expect(new Decimal(String(r[FEE])).eq(utcFee.get(String(r.day))!)).toBe(true);
    expect(sum(local.rows.map((r) => r[FEE])).eq(FEB)).toBe(true);
    for (const r of local.rows) expect(new Decimal(String(r.total_usd)).eq(new Decimal(String(r.cost_usd)).plus(String(r[FEE])))).toBe(true);
    expect(local.totals.includes).toContain('fixed fees (configured)');
    // A quarter (fiscal, from January) holds every fee day of the range.
    const quarter = await json(['--by', 'quarter', '--tz', 'Asia/Tokyo', '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(sum(quarter.rows.map((r) => r[FEE])).eq(FEB)).toBe(true);
    expect(quarter.rows.filter((r) => !new Decimal(String(r[FEE] ?? 0)).isZero()).every((r) => typeof r.label === 'string' && String(r.label).length > 0)).toBe(true);
  });

  it('--by month: the month row carries the prorated month; a range ending inside a month takes only its days', async () => {
    const doc = await json(['--by', 'month', '--from', '2026-02-01', '--to', '2026-03-05']);
    const byMonth = new Map(doc.rows.map((r) => [String(r.month), new Decimal(String(r[FEE]))]));
    expect(byMonth.get('2026-02-01')!.eq(FEB)).toBe(true);
    // March 1–5: the seats' 93 and the credit's prorated 15 days, spread over their days; 5 of each.
    const days = await json(['--by', 'day', '--from', '2026-03-01', '--to', '2026-03-31']);
    const marchFirstFive = sum(days.rows.filter((r) => String(r.day) <= '2026-03-05').map((r) => r[FEE]));
    expect(byMonth.get('2026-03-01')!.eq(marchFirstFive)).toBe(true);
    const creditMar = half(new Decimal('120.50').times(15).div(31)).neg();
    expect(sum(days.rows.map((r) => r[FEE])).eq(new Decimal(93).plus(creditMar))).toBe(true);
  });

  it('--by workspace: one row per fee, named "(configured)", with a source column; a workspace filter leaves fees out and says so', async () => {
    const doc = await json(['--by', 'workspace', '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(doc.columns).toEqual(['workspace_id', 'name', 'cost_usd', 'source']);
    const fees = doc.rows.filter((r) => r.source === 'configured');
    expect(fees.map((r) => [r.name, new Decimal(String(r.cost_usd)).toFixed()]).sort()).toEqual([
      ['Launch credit (configured)', CREDIT_FEB.toFixed()],
      ['Team seats (configured)', SEATS_FEB.toFixed()],
    ]);
    expect(doc.rows.filter((r) => r.source !== 'configured').every((r) => r.source === 'cost_report' && r.workspace_id !== undefined)).toBe(true);
    const filtered = await json(['--by', 'workspace', '--from', '2026-02-01', '--to', '2026-02-28', '--workspace', 'default']);
    expect(filtered.columns).toEqual(['workspace_id', 'name', 'cost_usd']);
    expect(filtered.totals.fixed_fees_configured_usd).toBe('0');
    expect(filtered.totals.excludes.join(' ')).toContain('workspace or model filter');
  });

  it('table and CSV label the fees: a totals line in the table, the fee column header in CSV', async () => {
    const table = await w.cli(['report', '--by', 'month', '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Total -?\$[\d,.]+ = API usage \(cost_report\) -?\$[\d,.]+ \+ fixed fees \(configured\) -?\$[\d,.]+; not included: products outside cost_report/);
    const csv = await w.cli(['report', '--by', 'day', '--from', '2026-02-01', '--to', '2026-02-03', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe(`day,cost_usd,${FEE},total_usd`);
    const noFees = await w.cli(['report', '--by', 'day', '--from', '2026-01-25', '--to', '2026-01-31']);
    expect(noFees.stdout).toContain('not included: products outside cost_report');
    expect(noFees.stdout).toContain('fixed fees (configured): none configured in this range');
  });

  it('export day|month|workspace|organization carry the same fee columns as the report; parquet with fees is refused before writing', async () => {
    const dir = tempDir('ci-fees-export-');
    const run = async (what: string, file: string, extra: string[] = []) => {
      const res = await w.cli(['export', what, '--out', join(dir, file), '--from', '2026-02-01', '--to', '2026-02-28', ...extra]);
      expect(res.code, res.stderr).toBe(0);
      return readFileSync(join(dir, file), 'utf8');
    };
    for (const what of ['day', 'month', 'organization']) {
      const csv = await run(what, `${what}.csv`);
      const report = await w.cli(['report', '--by', what, '--from', '2026-02-01', '--to', '2026-02-28', '--format', 'csv']);
      const header = csv.split('\n')[0]!;
      expect(header.endsWith(`,${FEE},total_usd`), header).toBe(true);
      expect(csv, what).toBe(report.stdout);
    }
    const month = parse(await run('month', 'month.csv'), { columns: true }) as Array<Record<string, string>>;
    expect(new Decimal(month[0]![FEE]!).eq(FEB)).toBe(true);
    const org = parse(await run('organization', 'org.csv'), { columns: true }) as Array<Record<string, string>>;
    expect(sum(org.map((r) => r[FEE])).eq(FEB)).toBe(true);
    for (const r of org) expect(new Decimal(r.total_usd!).eq(new Decimal(r.cost_usd!).plus(r[FEE]!))).toBe(true);
    const ws = (await run('workspace', 'ws.json', ['--format', 'json'])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(ws.filter((r) => r.source === 'configured').map((r) => r.name).sort()).toEqual(['Launch credit (configured)', 'Team seats (configured)']);
    const parquet = await w.cli(['export', 'day', '--out', join(dir, 'day.parquet'), '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(parquet.code).toBe(2);
    expect(parquet.stderr).toContain('export day carries configured fees');
    expect(existsSync(join(dir, 'day.parquet'))).toBe(false);
    // Without fees in the range, the warehouse's own export runs as before (parquet included).
    expect((await w.cli(['export', 'day', '--out', join(dir, 'jan.parquet'), '--from', '2026-01-25', '--to', '2026-01-31'])).code).toBe(0);
  });

  it('report --by organization: the fees of each organization beside its spend, and totals that include them', async () => {
    const doc = await json(['--by', 'organization', '--from', '2026-02-01', '--to', '2026-02-28']);
    expect(doc.columns).toEqual(['organization_id', 'name', 'cost_usd', FEE, 'total_usd']);
    expect(sum(doc.rows.map((r) => r[FEE])).eq(FEB)).toBe(true);
    expect(doc.totals.includes).toEqual(['API usage (cost_report)', 'fixed fees (configured)']);
  });
});
