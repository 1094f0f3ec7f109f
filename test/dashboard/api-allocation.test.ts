/**
 * /api/allocation and team budgets on the dashboard, over a warehouse backfilled from the emulator:
 * spend per day stacked by the chosen dimension, the chargeback totals and the Claude Code value per
 * value, all adding up to the same billed total as `report --by`; without rules, nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocationRulesOfConfig, loadAllocationRules } from '../../src/config/allocation-rules.js';
import { syncFixedCosts } from '../../src/jobs/fixed-costs-sync.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { loadConfig } from '../../src/config/load.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { sumDecimals } from '../../src/util/money.js';
import { asIsoDay } from '../../src/util/dates.js';
import { readAllocationFacts } from '../../src/reports/allocation/facts.js';
import { claudeCodeValueOf, readClaudeCodeActivity } from '../../src/reports/allocation/claude-code-value.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-05';
let w: FilledWarehouse;
let dash: Dashboard;
let bare: Dashboard;
let config: string;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-02-20', seed: 4, name: 'alloc.duckdb', args: ['--streams', 'cost,claude_code,analytics_cost,org'] });
  config = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(
    config,
    `allocation:
  dimensions: [team, cost_center]
  rules:
    - { name: code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-3 } }
    - { name: prod, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-1 } }
alerts:
  budgets:
    - { name: Platform, monthly_usd: 5, scope: { team: Platform } }
`,
  );
  const loaded = loadConfig(config, {});
  const allocation = loadAllocationRules(loaded.config.allocation, loaded.path);
  dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, alerts: loaded.config.alerts ?? null, allocation });
  bare = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
}, 180_000);
let dashboardsClosed = false;
afterAll(async () => {
  if (!dashboardsClosed) {
    await dash?.close();
    await bare?.close();
  }
  await w?.close();
});

type Answer = {
  configured: boolean;
  dim: string;
  values: string[];
  days: Array<{ day: string; values: Record<string, string> }>;
  chargeback: Array<{ value: string; billed_usd: string; share_pct: number }>;
  totalUsd: string;
  claudeCode: Array<Record<string, string | number | null>>;
};

describe('GET /api/allocation', () => {
  it('per day stacked by team, the chargeback totals and the Claude Code value agree with report --by team', async () => {
    const res = await fetch(new URL('/api/allocation?from=2026-03-01&to=2026-03-04&dim=team', dash.url));
    expect(res.status).toBe(200);
    const a = (await res.json()) as Answer;
    expect(a.configured).toBe(true);
    expect(a.days.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
    expect(sumDecimals(a.days.flatMap((d) => Object.values(d.values)))).toBe(a.totalUsd);
    expect(sumDecimals(a.chargeback.map((c) => c.billed_usd))).toBe(a.totalUsd);
    for (const c of a.chargeback) expect(sumDecimals(a.days.map((d) => d.values[c.value] ?? '0')), c.value).toBe(c.billed_usd);
    expect(a.values).toEqual(a.chargeback.map((c) => c.value));
    const cli = JSON.parse((await w.cli(['report', '--by', 'team', '--config', config, '--from', '2026-03-01', '--to', '2026-03-04', '--format', 'json'])).stdout) as { rows: Array<{ team: string; billed_usd: string }> };
    expect(a.chargeback.map((c) => [c.value, c.billed_usd])).toEqual(cli.rows.map((r) => [r.team, r.billed_usd]));
    expect(a.claudeCode.find((r) => r.team === 'Engineering')?.sessions).toBeGreaterThan(0);
    const byCc = (await (await fetch(new URL('/api/allocation?from=2026-03-01&to=2026-03-04&dim=cost_center', dash.url))).json()) as Answer;
    expect(byCc.dim).toBe('cost_center');
    expect(byCc.totalUsd).toBe(a.totalUsd);
  });

  it('the Claude Code value (its people and, with no dated rule, its activity summed over the days) is the one the finest facts and daily activity give', async () => {
    const range = { from: asIsoDay('2026-02-20'), to: asIsoDay('2026-03-04') };
    const a = (await (await fetch(new URL(`/api/allocation?from=${range.from}&to=${range.to}&dim=team`, dash.url))).json()) as Answer;
    const loaded = loadConfig(config, {});
    const rules = loadAllocationRules(loaded.config.allocation, loaded.path)!;
    const wh = await openWarehouse(w.url, { readOnly: true });
    try {
      await wh.init();
      const daily = await readClaudeCodeActivity(wh, range);
      expect((await readClaudeCodeActivity(wh, range, true)).length).toBeLessThan(daily.length);
      const want = claudeCodeValueOf(rules, await readAllocationFacts(wh, range, rules), daily, ['team'], range);
      expect(want.rows.some((r) => Number(r.sessions) > 0)).toBe(true);
      expect(JSON.stringify(a.claudeCode)).toBe(JSON.stringify(want.rows));
    } finally {
      await wh.close();
    }
  });

  it('a bad dim is a 400 naming the dimensions; without rules the section is empty', async () => {
    const bad = await fetch(new URL('/api/allocation?dim=squad', dash.url));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('dim=squad is not an allocation dimension: use one of team, cost_center');
    const none = (await (await fetch(new URL('/api/allocation', bare.url))).json()) as Answer;
    expect(none.configured).toBe(false);
    expect(none.days).toEqual([]);
  });

  it('/api/budgets: a team budget counts the cost the rules allocate to the team', async () => {
    const b = (await (await fetch(new URL('/api/budgets', dash.url))).json()) as { budgets: Array<{ name: string; scope: string; spent_usd: string; unknown: string[] }> };
    const row = b.budgets.find((x) => x.name === 'Platform')!;
    expect(row.scope).toBe('team Platform');
    expect(row.unknown).toEqual([]);
    const cli = JSON.parse((await w.cli(['report', '--by', 'team', '--config', config, '--from', '2026-03-01', '--to', TODAY, '--format', 'json'])).stdout) as { rows: Array<{ team: string; billed_usd: string }> };
    expect(row.spent_usd).toBe(cli.rows.find((r) => r.team === 'Platform')!.billed_usd);
  });
});

describe('GET /api/allocation with configured fees (runs last: it syncs fees into the warehouse)', () => {
  it('the fees allocated to each value are in its total, labelled configured, and the answer says what the total includes', async () => {
    const feeConfig = join(w.dir, 'fees.yaml');
    writeFileSync(
      feeConfig,
      `allocation:\n  dimensions: [team, cost_center]\n  rules:\n    - { name: prod, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-1 } }\nfixed_costs:\n  - { name: Seats, kind: seats, monthly_usd: "31.03", quantity: 3, split: { by: team, percent: { Platform: 50, Research: 25, Engineering: 25 } } }\n`,
    );
    const loaded = loadConfig(feeConfig, {});
    // The other dashboards hold the file open read-only; one writer at a time.
    dashboardsClosed = true;
    await dash.close();
    await bare.close();
    const wh = await openWarehouse(w.url);
    await wh.init();
    try {
      await syncFixedCosts(wh, loaded.config.fixed_costs!, TODAY);
    } finally {
      await wh.close();
    }
    const feeDash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, allocation: allocationRulesOfConfig(loaded.config, loaded.path) });
    try {
      const a = (await (await fetch(new URL('/api/allocation?from=2026-03-01&to=2026-03-04&dim=team', feeDash.url))).json()) as Omit<Answer, 'chargeback'> & { feesUsd: string; totalIncludes: string; chargeback: Array<{ value: string; billed_usd: string; fixed_fees_configured_usd: string }> };
      expect(a.totalIncludes).toMatch(/fixed fees \(configured/);
      expect(sumDecimals(a.chargeback.map((c) => c.fixed_fees_configured_usd))).toBe(a.feesUsd);
      expect(sumDecimals(a.chargeback.map((c) => c.billed_usd))).toBe(a.totalUsd);
      expect(a.chargeback.find((c) => c.value === 'Research')!.fixed_fees_configured_usd).not.toBe('0');
      const cli = JSON.parse((await w.cli(['report', '--by', 'team', '--config', feeConfig, '--from', '2026-03-01', '--to', '2026-03-04', '--format', 'json'])).stdout) as { rows: Array<Record<string, string>> };
      expect(a.chargeback.map((c) => [c.value, c.billed_usd, c.fixed_fees_configured_usd])).toEqual(cli.rows.map((r) => [r.team, r.total_usd, r['fixed_fees_usd (configured)']]));
    } finally {
      await feeDash.close();
    }
  });
});
