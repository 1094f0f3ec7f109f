/**
 * /api/bridge on a warehouse backfilled from the emulator with configured fees and a reconciled
 * month: per month, cost_report + the products outside it = billed usage (both from the ground
 * truth), + configured fees = expected, and the invoice `reconcile` recorded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { eachDay, type IsoDay } from '../../src/util/dates.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-05';
let w: FilledWarehouse;
let dash: Dashboard;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-02-01', seed: 9, name: 'bridge.duckdb' });
  const config = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(config, 'fixed_costs:\n  - { name: Support, kind: support, monthly_usd: "99.99" }\n  - { name: Credit, kind: credit, monthly_usd: 10, to: 2026-02-15 }\n');
  const rec = await w.cli(['reconcile', '--month', '2026-02', '--invoice-total', '1.00', '--invoice-id', 'INV-9', '--config', config]);
  expect(rec.code).toBe(1);
  dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
});
afterAll(async () => {
  await dash?.close();
  await w?.close();
});

describe('GET /api/bridge', () => {
  it('per month: cost_report, + outside = billed, + configured fees = expected, and the recorded invoice', async () => {
    const res = await fetch(new URL('/api/bridge', dash.url));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { months: Array<Record<string, unknown> & { fixed: Array<{ name: string; usd: string }>; invoice: { id: string; usd: string; within: boolean } | null }> };
    expect(body.months.map((m) => m.month)).toEqual(['2026-02', '2026-03']);
    const feb = body.months[0]!;
    const days = eachDay('2026-02-01' as IsoDay, '2026-02-28' as IsoDay);
    const t = w.emu.truth;
    const report = days.reduce((s, d) => s.plus(t.costCents(d)), new Decimal(0)).div(100);
    const outside = days.reduce((s, d) => s.plus(t.analytics.costCentsNotInCostReport(d)), new Decimal(0)).div(100);
    expect(new Decimal(String(feb.costReportUsd)).eq(report)).toBe(true);
    expect(new Decimal(String(feb.outsideUsd)).eq(outside)).toBe(true);
    expect(new Decimal(String(feb.billedUsd)).eq(report.plus(outside))).toBe(true);
    // The credit ends on the 15th: 15 of February's 28 days, prorated (half-even to $0.00000001).
    const credit = new Decimal(10).times(15).div(28).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).neg();
    expect(feb.fixed).toEqual([{ name: 'Credit', usd: credit.toFixed() }, { name: 'Support', usd: '99.99' }]);
    expect(new Decimal(String(feb.expectedUsd)).eq(report.plus(outside).plus('99.99').plus(credit))).toBe(true);
    expect(feb.invoice).toEqual({ id: 'INV-9', usd: '1', within: false });
    const mar = body.months[1]!;
    expect(mar.fixed).toEqual([{ name: 'Support', usd: '99.99' }]);
    expect(mar.invoice).toBeNull();
    expect(mar.daysHeld).toBe(5);
  });

  it('/api/spend: the headline total is cost_report alone; configured fees of the same days beside it, with the sum', async () => {
    const res = await fetch(new URL('/api/spend?from=2026-02-01&to=2026-02-28', dash.url));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: { usd: string }; fixedFees: { usd: string; names: string[]; withApiUsd: string } | null };
    const days = eachDay('2026-02-01' as IsoDay, '2026-02-28' as IsoDay);
    const report = days.reduce((s, d) => s.plus(w.emu.truth.costCents(d)), new Decimal(0)).div(100);
    const credit = new Decimal(10).times(15).div(28).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).neg();
    expect(new Decimal(body.total.usd).eq(report)).toBe(true);
    expect(body.fixedFees!.names.sort()).toEqual(['Credit', 'Support']);
    expect(new Decimal(body.fixedFees!.usd).eq(credit.plus('99.99'))).toBe(true);
    expect(new Decimal(body.fixedFees!.withApiUsd).eq(report.plus(credit).plus('99.99'))).toBe(true);
    const filtered = (await (await fetch(new URL('/api/spend?from=2026-02-01&to=2026-02-28&workspace=default', dash.url))).json()) as { fixedFees: unknown };
    expect(filtered.fixedFees).toBeNull();
  });

  it('refuses parameters it does not take', async () => {
    const res = await fetch(new URL('/api/bridge?workspace=x', dash.url));
    expect(res.status).toBe(400);
  });
});
