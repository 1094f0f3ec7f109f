/**
 * `metrics serve` scraped by a real Prometheus server (Debian's package) started on loopback with a
 * generated config and the shipped rules: the values read back through its HTTP API agree with
 * `claude-ingest report` to the cent, the breakdowns add up to the totals, the health gauges say what
 * status and validate say, the scrape passes `promtool check metrics`, the shipped alerts evaluate on
 * real series, and every query of the Grafana dashboard runs and names a published metric.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAMILIES } from '../../src/metrics/families.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';
import { addDays, dayStartMs } from '../../src/util/dates.js';
import { lastCompleteDay } from '../../src/jobs/ledger-queries.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { report, sum } from '../dashboard/helpers.js';
import { promtool, ROOT, startPrometheus, type Prometheus } from './prometheus-server.js';

const TODAY = '2026-03-15';
const FROM = '2026-01-20';
const BUDGET_USD = '1000';
const DAY_MS = 86_400_000;
const now = () => dayStartMs(TODAY) + (Date.now() % DAY_MS);

let w: FilledWarehouse;
let server: MetricsServer;
let prom: Prometheus;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 7, name: 'metrics.duckdb' });
  server = await startMetricsServer({
    warehouseUrl: w.url,
    port: 0,
    today: () => TODAY,
    now,
    warmIntervalMs: 0,
    log: () => {},
    budgets: [{ name: 'Whole org', monthly_usd: Number(BUDGET_USD), thresholds_pct: [100], forecast: true }],
  });
  prom = await startPrometheus(w.dir, new URL(server.url).host);
  await prom.waitFor('claude_ingest_billed_cost_usd');
}, 120_000);
afterAll(async () => {
  await prom?.close();
  await server?.close();
  await w?.close();
});

/** One value per series of an instant query, by the given label. */
async function values(expr: string, label: string): Promise<Map<string, number>> {
  return new Map((await prom.query(expr)).map((r) => [r.metric[label] ?? '', Number(r.value[1])]));
}

/** Equal to the cent: the float Prometheus holds rounds to the exact amount's cents. */
function expectCent(actual: number | undefined, exact: string, what: string) {
  expect(actual, what).toBeDefined();
  expect(new Decimal(actual!).toDecimalPlaces(2).toFixed(2), what).toBe(new Decimal(exact).toDecimalPlaces(2).toFixed(2));
  expect(Math.abs(actual! - Number(exact)), what).toBeLessThan(1e-6);
}

async function dayTotal(from: string, to: string): Promise<string> {
  return sum((await report(w, 'day', ['--from', from, '--to', to])).map((r) => r.cost_usd));
}

describe('billed cost through Prometheus', () => {
  it('today, yesterday and month to date equal report --by day for the same days, to the cent', async () => {
    const got = await values('claude_ingest_billed_cost_usd{source="provider"}', 'period');
    expectCent(got.get('today'), await dayTotal(TODAY, TODAY), 'today');
    expectCent(got.get('yesterday'), await dayTotal('2026-03-14', '2026-03-14'), 'yesterday');
    expectCent(got.get('month_to_date'), await dayTotal('2026-03-01', TODAY), 'month_to_date');
    // The forecast is at least what is spent and at most a plausible month.
    expect(got.get('month_forecast')!).toBeGreaterThanOrEqual(got.get('month_to_date')!);
    expect([...got.keys()].sort()).toEqual(['month_forecast', 'month_to_date', 'today', 'yesterday']);
    // Only organization, period and source: summing over period alone never double-counts a breakdown.
    const labels = (await prom.query('claude_ingest_billed_cost_usd')).map((r) => Object.keys(r.metric).filter((k) => !['__name__', 'job', 'instance'].includes(k)).sort());
    for (const l of labels) expect(l).toEqual(['organization', 'period', 'source']);
  });

  it('by workspace and by model: each series equals report --by workspace|model, and they add up to the total', async () => {
    const args = ['--from', '2026-03-01', '--to', TODAY];
    const ws = await values('claude_ingest_billed_cost_by_workspace_usd{period="month_to_date"}', 'workspace');
    const byWs = await report(w, 'workspace', args);
    expect(byWs.length).toBeGreaterThan(1);
    for (const r of byWs) expectCent(ws.get(String(r.workspace_id ?? 'default')), String(r.cost_usd), `workspace ${r.name}`);
    expect(ws.get('other')).toBe(0);
    const models = await values('claude_ingest_billed_cost_by_model_usd{period="month_to_date"}', 'model');
    for (const r of await report(w, 'model', args)) expectCent(models.get(String(r.model ?? '(no model)')), String(r.cost_usd), `model ${r.model}`);
    const total = await dayTotal('2026-03-01', TODAY);
    for (const family of ['claude_ingest_billed_cost_by_workspace_usd', 'claude_ingest_billed_cost_by_model_usd']) {
      const summed = await values(`sum by (period) (${family})`, 'period');
      expectCent(summed.get('month_to_date'), total, `${family} summed`);
      expectCent(summed.get('yesterday'), await dayTotal('2026-03-14', '2026-03-14'), `${family} yesterday summed`);
    }
  });

  it('by product and by API key equal report --by product|api_key (Analytics API)', async () => {
    const args = ['--from', '2026-03-01', '--to', TODAY];
    const products = await values('claude_ingest_billed_cost_by_product_usd{period="month_to_date"}', 'product');
    const byProduct = await report(w, 'product', args);
    expect(byProduct.length).toBeGreaterThan(1);
    for (const r of byProduct) expectCent(products.get(String(r.product)), String(r.billed_cost_usd), `product ${r.product}`);
    const keys = await values('claude_ingest_billed_cost_by_api_key_usd{period="month_to_date"}', 'api_key');
    const byKey = await report(w, 'api_key', args);
    for (const r of byKey) expectCent(keys.get(String(r.api_key_id ?? 'console')), String(r.billed_cost_usd), `key ${r.name}`);
    const users = await values('claude_ingest_billed_cost_by_user_usd{period="month_to_date"}', 'user');
    const byUser = await report(w, 'user', args);
    expect(byUser.length).toBeGreaterThan(1);
    for (const r of byUser.slice(0, 50)) expectCent(users.get(String(r.actor)), String(r.billed_cost_usd), `user ${r.actor}`);
    const [keySum] = await prom.query('sum(claude_ingest_billed_cost_by_api_key_usd{period="month_to_date"})');
    expectCent(Number(keySum!.value[1]), sum(byKey.map((r) => r.billed_cost_usd)), 'keys summed');
    // Tokens by type: every key's tokens of report --by api_key.
    const tokens = await values('claude_ingest_tokens{period="month_to_date"}', 'type');
    expect(tokens.get('output_tokens')).toBe(byKey.reduce((a, r) => a + Number(r.output_tokens), 0));
    expect(tokens.get('cache_read_input_tokens')).toBe(byKey.reduce((a, r) => a + Number(r.cache_read_input_tokens), 0));
    const keyTokens = await values('sum by (type) (claude_ingest_tokens_by_api_key{period="month_to_date"})', 'type');
    expect(keyTokens).toEqual(tokens);
  });

  it('the budget ratio is month-to-date spend over the amount; the shipped budget alert fires on it', async () => {
    const ratio = await values('claude_ingest_budget_usage_ratio', 'kind');
    const spent = new Decimal(await dayTotal('2026-03-01', TODAY)).div(BUDGET_USD);
    expect(ratio.get('spent')).toBeCloseTo(spent.toNumber(), 10);
    expect(ratio.get('forecast')!).toBeGreaterThanOrEqual(ratio.get('spent')!);
    expect(spent.gte(1)).toBe(true); // the seed spends more than $1,000 by the 15th
    const alerts = await prom.waitFor('ALERTS{alertname="ClaudeIngestBudgetExceeded",alertstate="firing"}');
    expect(alerts[0]!.metric.budget).toBe('Whole org');
  });
});

describe('data health through Prometheus', () => {
  it('freshness is the time since the newest complete day ended; failed windows 0; last success is the backfill', async () => {
    const fresh = await values('claude_ingest_data_freshness_seconds', 'stream');
    const status = JSON.parse((await w.cli(['status', '--json'])).stdout) as { lastRuns: Array<{ finishedAt: string }> };
    expect([...fresh.keys()].sort()).toEqual(['analytics_cost', 'analytics_usage', 'claude_code', 'cost', 'usage']);
    const wh = await openWarehouse(w.url, { readOnly: true });
    const ledger = await wh.listWindows();
    await wh.close();
    for (const [stream, v] of fresh) {
      const last = lastCompleteDay(ledger, stream)!;
      const expected = Math.max(0, (now() - dayStartMs(addDays(last, 1))) / 1000);
      expect(Math.abs(v - expected), stream).toBeLessThan(120);
    }
    const failed = await values('claude_ingest_failed_windows', 'stream');
    expect([...failed.values()].every((v) => v === 0)).toBe(true);
    const [last] = await prom.query('claude_ingest_last_success_timestamp_seconds');
    expect(Number(last!.value[1])).toBeCloseTo(Date.parse(status.lastRuns[0]!.finishedAt) / 1000, 2);
    const stale = await prom.query('ALERTS{alertname="ClaudeIngestDataStale"}');
    expect(stale).toEqual([]);
  });

  it('one gauge per validate check: 0 pass, 1 warn, 2 fail, as validate reports them for the same days', async () => {
    const got = await values('claude_ingest_validate_check_status', 'check');
    const res = await w.cli(['validate', '--from', '2026-02-09', '--to', TODAY, '--json']);
    const results = (JSON.parse(res.stdout) as { results: Array<{ id: string; status: 'PASS' | 'WARN' | 'FAIL' }> }).results;
    expect(results.length).toBeGreaterThan(5);
    expect(new Map(results.map((r) => [r.id, { PASS: 0, WARN: 1, FAIL: 2 }[r.status]]))).toEqual(got);
  });
});

describe('the exposition and the shipped files', () => {
  it('passes promtool check metrics; every published family has HELP and TYPE', async () => {
    const text = await (await fetch(server.url)).text();
    const check = promtool(['check', 'metrics'], text);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
    for (const f of FAMILIES) expect(text).toContain(`# TYPE ${f.def.name} gauge`);
  });

  it('a scrape of an unchanged warehouse is answered from memory; a write is read once, before the next scrape', async () => {
    const before = server.reads();
    for (let i = 0; i < 3; i++) expect((await fetch(server.url)).status).toBe(200);
    expect(server.reads()).toBe(before);
    // A write (the daily run re-reads today) changes the change token.
    const run = await w.cli(['run', '--lookback', '1', '--streams', 'cost']);
    expect(run.code, run.stderr).toBe(0);
    // The CLI ran in this process: its DuckDB instance finishes closing (checkpoint) a moment later.
    await vi.waitFor(async () => {
      await server.refresh();
      expect(server.reads()).toBeGreaterThan(before);
    }, { timeout: 20_000, interval: 200 });
    await new Promise((r) => setTimeout(r, 500));
    await server.refresh();
    const after = server.reads();
    for (let i = 0; i < 3; i++) expect((await fetch(server.url)).status).toBe(200);
    expect(server.reads()).toBe(after);
  });

  it('the rules pass promtool check rules and their unit tests, and the server loaded them all healthy', async () => {
    const check = promtool(['check', 'rules', 'deploy/prometheus/claude-ingest.rules.yml']);
    expect(check.out).toContain('SUCCESS');
    expect(check.code).toBe(0);
    const test = promtool(['test', 'rules', 'claude-ingest.rules.test.yml', 'claude-ingest.rules.spike.test.yml'], undefined, join(ROOT, 'deploy/prometheus'));
    expect(test.out).toContain('SUCCESS');
    expect(test.code).toBe(0);
    const rules = (await prom.get('/api/v1/rules')).data as { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBe(9);
    for (const r of all) expect(r.health, r.name).toBe('ok');
  });

  it('every query of the Grafana dashboard names only published metrics, runs on Prometheus and finds data', async () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/claude-ingest-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ name: string; definition?: string }> };
    };
    const published = new Set(FAMILIES.map((f) => f.def.name));
    const exprs = [
      ...dash.panels.flatMap((p) => p.targets.map((t) => ({ where: p.title, expr: t.expr }))),
      ...dash.templating.list.flatMap((v) => (v.definition ? [{ where: `variable ${v.name}`, expr: v.definition }] : [])),
    ];
    expect(exprs.length).toBeGreaterThan(15);
    for (const { where, expr } of exprs) {
      const names = expr.match(/\bclaude_ingest_[a-z0-9_]+/g) ?? [];
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) expect(published.has(n), `${where}: ${n} is not a published metric`).toBe(true);
      const variable = /^label_values\((\w+), (\w+)\)$/.exec(expr);
      const q = variable ? `count by (${variable[2]}) (${variable[1]})` : expr.replaceAll('$organization', '.+');
      expect((await prom.waitFor(q, 10_000)).length, `${where}: ${q} found nothing`).toBeGreaterThan(0);
    }
  });
});

