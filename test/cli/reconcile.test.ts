/**
 * `claude-ingest reconcile` on a warehouse backfilled from the emulator with configured fees: an
 * invoice built from the emulator's ground truth (per product, rounded to the cent as an invoice is)
 * reconciles exactly; a line off by a cent fails the default rule and passes a wider tolerance; the
 * FOCUS rule is max($1, √rows × $0.005); a malformed invoice file is one line and exit 2.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciliation } from '../../src/reports/reconcile.js';
import { eachDay, type IsoDay } from '../../src/util/dates.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-05';
const MONTH = '2026-02';
let w: FilledWarehouse;
let config: string;
/** Exact expected dollars per invoice line, from the ground truth. */
let truth: Map<string, Decimal>;

const cents = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-01-25', seed: 3, name: 'r.duckdb' });
  config = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(
    config,
    'fixed_costs:\n  - { name: Team plan seats, kind: seats, monthly_usd: 30, quantity: 25, from: 2026-02-01 }\n  - { name: Launch credit, kind: credit, monthly_usd: "120.50", from: 2026-02-01, to: 2026-02-28 }\n',
  );
  const t = w.emu.truth.analytics;
  const sum = (f: (d: string) => Decimal) => eachDay('2026-02-01' as IsoDay, '2026-02-28' as IsoDay).reduce((s, d) => s.plus(f(d)), new Decimal(0)).div(100);
  const product = (p: string | null) => (d: string) => new Decimal(t.costCentsByProduct(d).get(p) ?? '0');
  const subscriptionCode = sum((d) => new Decimal(t.costCentsNotInCostReport(d)).minus(product('chat')(d)).minus(product('cowork')(d)).minus(product('claude_in_chrome')(d)));
  truth = new Map([
    ['Messages API usage', sum(product('messages_api'))],
    ['Message Batches API', sum(product('message_batches_api'))],
    ['Claude Code (API key)', sum(product('claude_code')).minus(subscriptionCode)],
    ['Claude Code subscription usage', subscriptionCode],
    ['Console usage', sum(product('claude_console'))],
    ['Code execution', sum(product(null))],
    ['Managed Agents sessions', sum(product('managed_agents_api'))],
    ['Claude.ai chat', sum(product('chat'))],
    ['Cowork', sum(product('cowork'))],
    ['Claude in Chrome', sum(product('claude_in_chrome'))],
    ['Team plan seats', new Decimal(750)],
    ['Launch credit', new Decimal('-120.50')],
  ]);
});
afterAll(async () => {
  await w?.close();
});

function invoiceCsv(name: string, adjust: (line: string, usd: Decimal) => Decimal = (_l, u) => u): string {
  const file = join(w.dir, name);
  const lines = [...truth].filter(([, v]) => !v.isZero()).map(([k, v]) => `"${k}",${cents(adjust(k, v)).toFixed(2)},INV-77`);
  writeFileSync(file, ['description,amount_usd,invoice_id', ...lines].join('\n'));
  return file;
}

async function reconcile(args: string[]): Promise<{ code: number; r: Reconciliation | null; stdout: string; stderr: string }> {
  const res = await w.cli(['reconcile', '--month', MONTH, '--config', config, ...args]);
  let r: Reconciliation | null = null;
  if (args.includes('--json') && res.stdout.trim()) r = JSON.parse(res.stdout) as Reconciliation;
  return { code: res.code, r, stdout: res.stdout, stderr: res.stderr };
}

describe('reconcile', () => {
  it('an invoice with every product and fee, each rounded to the cent, reconciles exactly (exit 0)', async () => {
    const { code, r } = await reconcile(['--invoice', invoiceCsv('good.csv'), '--json']);
    expect(code).toBe(0);
    expect(r!.within).toBe(true);
    expect(r!.invoiceId).toBe('INV-77');
    expect(r!.unmatchedInvoice).toEqual([]);
    expect(r!.unmatchedExpected.filter((e) => !new Decimal(e.usd).isZero())).toEqual([]);
    for (const m of r!.matched) {
      expect(m.equalAtCents, m.invoice.description).toBe(true);
      expect(new Decimal(m.expectedUsd).eq(truth.get(m.invoice.description)!), m.invoice.description).toBe(true);
    }
    const exact = [...truth.values()].reduce((s, v) => s.plus(v), new Decimal(0));
    expect(new Decimal(r!.expectedTotalUsd).eq(exact)).toBe(true);
    // The bridge: cost_report + outside = billed usage; + fees = expected.
    const b = r!.bridge;
    expect(new Decimal(b.costReportUsd).plus(b.outsideUsd).eq(b.billedUsd)).toBe(true);
    expect(new Decimal(b.fixedUsd).eq('629.5')).toBe(true);
    expect(b.daysHeld).toBe(28);
    const report = new Decimal(eachDay('2026-02-01' as IsoDay, '2026-02-28' as IsoDay).reduce((s, d) => s.plus(w.emu.truth.costCents(d)), new Decimal(0))).div(100);
    expect(new Decimal(b.costReportUsd).eq(report)).toBe(true);
  });

  it('prints matched lines, the bridge and the verdict as text; records the invoice for the FOCUS view', async () => {
    const { code, stdout } = await reconcile(['--invoice', invoiceCsv('good2.csv')]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Reconcile ${MONTH}`);
    expect(stdout).toContain('Team plan seats (configured)');
    expect(stdout).toMatch(/cost_report \$[\d,]+\.\d\d \+ outside cost_report \$[\d,]+\.\d\d = billed usage/);
    expect(stdout).toContain('WITHIN');
    const db = await DuckDBInstance.create(w.file, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT invoice_id, within_tolerance FROM claude_invoices WHERE month = DATE '${MONTH}-01'`)).getRows();
      expect(rows).toEqual([['INV-77', true]]);
      const inv = (await conn.runAndReadAll(`SELECT COUNT(*) FROM claude_focus_costs WHERE x_ActivityDate BETWEEN DATE '2026-02-01' AND DATE '2026-02-28' AND "InvoiceId" IS DISTINCT FROM 'INV-77'`)).getRows();
      expect(Number(inv[0]![0])).toBe(0);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('a line one cent off is outside the invoice precision (exit 1) and inside --tolerance-usd 0.05', async () => {
    const off = invoiceCsv('off.csv', (l, u) => (l === 'Cowork' ? u.plus('0.01') : u));
    const strict = await reconcile(['--invoice', off, '--json']);
    expect(strict.code).toBe(1);
    expect(strict.r!.within).toBe(false);
    expect(strict.r!.matched.filter((m) => !m.equalAtCents).map((m) => m.invoice.description)).toEqual(['Cowork']);
    expect((await reconcile(['--invoice', off, '--tolerance-usd', '0.05'])).code).toBe(0);
  });

  it('--tolerance focus allows max($1, √rows × $0.005)', async () => {
    const base = (await reconcile(['--invoice', invoiceCsv('f0.csv'), '--json', '--tolerance', 'focus'])).r!;
    const tol = Decimal.max(1, new Decimal(base.focusRows).sqrt().times('0.005'));
    expect(new Decimal(base.tolerance.usd!).minus(tol).abs().lt('0.000001')).toBe(true);
    const inside = invoiceCsv('f1.csv', (l, u) => (l === 'Claude.ai chat' ? u.plus(tol.minus('0.02')) : u));
    expect((await reconcile(['--invoice', inside, '--tolerance', 'focus'])).code).toBe(0);
    const outside = invoiceCsv('f2.csv', (l, u) => (l === 'Claude.ai chat' ? u.plus(tol.plus('0.02')) : u));
    expect((await reconcile(['--invoice', outside, '--tolerance', 'focus'])).code).toBe(1);
  });

  it('--invoice-total: the expected total rounded to the cent is within; an unknown line is listed', async () => {
    const exact = [...truth.values()].reduce((s, v) => s.plus(v), new Decimal(0));
    expect((await reconcile(['--invoice-total', cents(exact).toFixed(2)])).code).toBe(0);
    expect((await reconcile(['--invoice-total', cents(exact).plus('0.01').toFixed(2)])).code).toBe(1);
    const file = join(w.dir, 'extra.json');
    writeFileSync(file, JSON.stringify([...[...truth].filter(([, v]) => !v.isZero()).map(([k, v]) => ({ description: k, amount_usd: cents(v).toFixed(2) })), { description: 'Sales tax', amount_usd: '12.00' }]));
    const { code, r } = await reconcile(['--invoice', file, '--json']);
    expect(code).toBe(1);
    expect(r!.unmatchedInvoice).toEqual([{ description: 'Sales tax', amountUsd: '12' }]);
    expect(new Decimal(r!.differenceUsd).minus(12).abs().lt('0.01')).toBe(true);
  });

  it('report --by fixed_costs lists the configured fees per month, labelled configured', async () => {
    const res = await w.cli(['report', '--by', 'fixed_costs', '--from', '2026-02-01', '--to', '2026-03-05', '--format', 'json']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { title: string; rows: Array<Record<string, string | number | null>> };
    expect(doc.title).toContain('configured, not API data');
    expect(doc.rows.map((r) => [r.month, r['fee (configured)'], r.quantity, new Decimal(String(r.amount_usd)).toFixed(2), r.source])).toEqual([
      ['2026-02-01', 'Launch credit', 1, '-120.50', 'configured'],
      ['2026-02-01', 'Team plan seats', 25, '750.00', 'configured'],
      ['2026-03-01', 'Team plan seats', 25, '750.00', 'configured'],
    ]);
    expect((await w.cli(['report', '--by', 'fixed_costs', '--workspace', 'default'])).code).toBe(2);
  });

  it('--estimates: per day and key, estimated vs billed with the difference and its share', async () => {
    const t = w.emu.truth.analytics;
    const days = ['2026-02-10', '2026-02-11'];
    const lines = ['timestamp,api_key_id,estimated_usd,model'];
    const billed = new Map<string, Decimal>();
    for (const d of days) for (const [k, c] of t.costCentsByApiKey(d)) if (k !== null) billed.set(`${d}|${k}`, new Decimal(c).div(100));
    const [first, second] = [...billed.keys()];
    // Two spans for the first key-day (summed), 10 % over for the second, one row outside the month.
    const [d1, k1] = first!.split('|') as [string, string];
    const [d2, k2] = second!.split('|') as [string, string];
    lines.push(`${d1}T09:00:00Z,${k1},${billed.get(first!)!.div(2).toFixed()},claude-sonnet-4`, `${d1}T17:30:00Z,${k1},${billed.get(first!)!.div(2).toFixed()},claude-sonnet-4`);
    lines.push(`${d2}T12:00:00Z,${k2},${billed.get(second!)!.times('1.1').toFixed()},x`, `2026-03-01T00:00:00Z,${k2},5,x`);
    const file = join(w.dir, 'estimates.csv');
    writeFileSync(file, lines.join('\n'));
    const res = await w.cli(['reconcile', '--month', MONTH, '--estimates', file, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const c = JSON.parse(res.stdout) as { rows: Array<{ day: string; apiKeyId: string; estimatedUsd: string; billedUsd: string | null; differenceUsd: string | null; share: number | null }>; outsideMonth: number };
    expect(c.outsideMonth).toBe(1);
    const row = (d: string, k: string) => c.rows.find((r) => r.day === d && r.apiKeyId === k)!;
    expect(new Decimal(row(d1, k1).differenceUsd!).isZero()).toBe(true);
    expect(new Decimal(row(d1, k1).billedUsd!).eq(billed.get(first!)!)).toBe(true);
    expect(new Decimal(row(d2, k2).differenceUsd!).eq(billed.get(second!)!.times('0.1'))).toBe(true);
    expect(row(d2, k2).share).toBeCloseTo(0.1, 9);
    // A key-day billed but never estimated shows its whole cost as the gap.
    const unestimated = c.rows.find((r) => r.estimatedUsd === '0' && r.billedUsd !== null && r.billedUsd !== '0')!;
    expect(unestimated.share).toBe(-1);
    const text = await w.cli(['reconcile', '--month', MONTH, '--estimates', file]);
    expect(text.stdout).toContain('Estimates vs billed 2026-02');
    expect(text.stdout).toContain('+10.0%');
    writeFileSync(file, 'day,api_key_id,estimated_usd\n2026-02-31,k,1\n');
    expect((await w.cli(['reconcile', '--month', MONTH, '--estimates', file])).code).toBe(2);
  });

  it('a malformed invoice file is one clear line and exit 2', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['no-col.csv', 'item,amount_usd\nSeats,750\n', /no description column/],
      ['bad-amount.csv', 'description,amount_usd\nSeats,seven hundred\n', /line 2: amount_usd "seven hundred" is not an amount/],
      ['bad.json', '[{"description": "Seats", "amount_usd": 750', /not valid JSON/],
      ['empty.csv', '', /empty/],
      ['ragged.csv', 'description,amount_usd\n"Seats,750\n', /not valid CSV/],
    ];
    for (const [name, body, message] of cases) {
      const file = join(w.dir, name);
      writeFileSync(file, body);
      const res = await reconcile(['--invoice', file]);
      expect(res.code, name).toBe(2);
      const lines = res.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      // Not a terminal: the one line is a JSON log record; its message is the line a person reads.
      const text = lines[0]!.startsWith('{') ? String((JSON.parse(lines[0]!) as { message: string }).message) : lines[0]!;
      expect(text, name).toMatch(message);
    }
    const missing = await reconcile(['--invoice', join(w.dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    for (const args of [['--month', '2026-13'], ['--tolerance', 'loose'], []]) {
      const res = await w.cli(['reconcile', ...(args[0] === '--month' ? args : ['--month', MONTH, ...args, ...(args.length ? ['--invoice-total', '1'] : [])])]);
      expect(res.code, args.join(' ')).toBe(2);
    }
  });
});
