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
import { lastCompleteDay } from '../../src/ledger/queries.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { report, sum } from '../dashboard/helpers.js';
import { promtool, ROOT, startPrometheus, type Prometheus } from './prometheus-server.js';

const TODAY = '2026-03-15';
const FROM = '2026-01-20';
const BUDGET_USD = '1000';
const DAY_MS = 86_400_000;
const PEAK_DAY = '2026-03-14';
/** Besides the usage-tier cap the emulator always reports: a weekly and a daily organization limit, and a disabled one. */
const SPEND_LIMITS = [{ amountCents: '150000', period: 'weekly' as const }, { amountCents: '9000', period: 'daily' as const }, { amountCents: '100', enabled: false }];
const now = () => dayStartMs(TODAY) + (Date.now() % DAY_MS);

let w: FilledWarehouse;
let server: MetricsServer;
let prom: Prometheus;
let peakRows: Awaited<ReturnType<typeof report>>;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 7, name: 'metrics.duckdb', emulator: { spendLimits: SPEND_LIMITS } });
  // The headroom cache a scrape reads (the scrape itself never calls the API): two days of peaks.
  // Its rows are what the gauges must say (asking again later could re-read a day and write a run).
  peakRows = await report(w, 'rate_limit', ['--from', '2026-03-13', '--to', PEAK_DAY]);
  // The CLI ran in this process: its last write (the run's end) is visible once its DuckDB instance has closed.
  await vi.waitFor(async () => {
    const wh = await openWarehouse(w.url, { readOnly: true });
    try {
      const [run] = await wh.listRuns(1);
      expect(run!.finishedAt).not.toBeNull();
    } finally {
      await wh.close();
    }
  }, { timeout: 20_000, interval: 200 });
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

  it('tokens by workspace, model and product: the keys of the cost breakdown, adding up per type to the tokens of their source', async () => {
    const tokens = await values('claude_ingest_tokens{period="month_to_date"}', 'type');
    expect(tokens.size).toBe(5);
    for (const dim of ['workspace', 'model', 'product']) {
      const keys = async (family: string) => [...new Set((await prom.query(`${family}{period="month_to_date"}`)).map((r) => r.metric[dim]!))].sort();
      expect(await keys(`claude_ingest_tokens_by_${dim}`), dim).toEqual(await keys(`claude_ingest_billed_cost_by_${dim}_usd`));
    }
    for (const dim of ['workspace', 'model']) {
      for (const period of ['today', 'yesterday', 'month_to_date']) {
        const all = await values(`claude_ingest_tokens{period="${period}"}`, 'type');
        expect(await values(`sum by (type) (claude_ingest_tokens_by_${dim}{period="${period}"})`, 'type'), `${dim} ${period}`).toEqual(all);
      }
    }
    // Workspace tokens are the key report's, grouped: report --by api_key --workspace gives each one's.
    const byWs = await report(w, 'workspace', ['--from', '2026-03-01', '--to', TODAY]);
    const top = byWs.find((r) => r.workspace_id !== null)!;
    const keyRows = await report(w, 'api_key', ['--from', '2026-03-01', '--to', TODAY, '--workspace', String(top.workspace_id)]);
    const ws = await values(`claude_ingest_tokens_by_workspace{period="month_to_date",workspace="${String(top.workspace_id)}"}`, 'type');
    expect(ws.get('output_tokens')).toBe(keyRows.reduce((a, r) => a + Number(r.output_tokens), 0));
    expect(ws.get('uncached_input_tokens')).toBe(keyRows.reduce((a, r) => a + Number(r.uncached_input_tokens), 0));
    // Product tokens are the Analytics API's: Claude Code and the Messages API both used some.
    const products = await values('sum by (product) (claude_ingest_tokens_by_product{period="month_to_date"})', 'product');
    expect(products.get('messages_api')!).toBeGreaterThan(0);
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

describe('limits through Prometheus', () => {
  it('spend-limit usage ratios: spent and forecast over the amount of each enabled limit, as report --by spend_limit, to the cent', async () => {
    const rows = await report(w, 'spend_limit');
    // The usage-tier cap, the weekly and the daily limit: the disabled one is not judged.
    expect(rows.map((r) => String(r.limit)).sort()).toEqual(['organization spend limit (daily)', 'organization spend limit (weekly)', 'usage-tier cap (monthly)']);
    const ratios = await prom.query('claude_ingest_spend_limit_usage_ratio');
    const amounts = await prom.query('claude_ingest_spend_limit_usd');
    expect(amounts.length).toBe(rows.length);
    expect(ratios.length).toBe(rows.length * 2); // spent and forecast each
    for (const r of rows) {
      const id = String(r.spend_limit_id);
      const amount = amounts.find((s) => s.metric.spend_limit === id)!;
      expectCent(Number(amount.value[1]), String(r.amount_usd), `${id} amount`);
      const spent = ratios.find((s) => s.metric.spend_limit === id && s.metric.kind === 'spent')!;
      const fc = ratios.find((s) => s.metric.spend_limit === id && s.metric.kind === 'forecast')!;
      expect(spent.metric.limit).toBe(r.limit);
      expect(spent.metric.scope_type).toBe(String(r.limit).startsWith('usage-tier') ? 'usage_tier' : 'organization');
      expect(spent.metric.source).toBe('provider');
      // The period label is the limit's own period (the report's from..to is that period).
      const kind = r.period_from === r.period_to ? 'daily' : r.period_from === '2026-03-01' ? 'monthly' : 'weekly';
      expect(spent.metric.period).toBe(kind);
      const amountUsd = new Decimal(String(r.amount_usd));
      expectCent(new Decimal(spent.value[1]).times(amountUsd).toNumber(), String(r.spent_usd), `${id} spent`);
      expectCent(new Decimal(fc.value[1]).times(amountUsd).toNumber(), String(r.forecast_usd), `${id} forecast`);
      expect(Math.abs(Number(spent.value[1]) * 100 - Number(r.share_pct)), `${id} share`).toBeLessThan(0.01);
    }
    // The daily limit's spend is today's cost; the monthly cap's the month to date.
    const daily = rows.find((r) => r.period_from === r.period_to)!;
    expectCent(Number(daily.spent_usd), await dayTotal(TODAY, TODAY), 'daily limit = today');
  });

  it('rate-limit headroom: the newest cached day, peak over limit per model group and limiter, as report --by rate_limit', async () => {
    const rows = peakRows.filter((r) => r.day === PEAK_DAY && r.share_pct !== null);
    expect(rows.length).toBeGreaterThan(1);
    const got = await prom.query('claude_ingest_rate_limit_peak_ratio');
    expect(got.length).toBe(rows.length);
    for (const r of rows) {
      const s = got.find((x) => x.metric.model_group_name === r.model_group && x.metric.limiter === r.limiter)!;
      expect(s, `${r.model_group} ${r.limiter}`).toBeDefined();
      expect(s.metric.model_group).not.toBe('');
      expect(Number(s.value[1]) * Number(r.limit)).toBeCloseTo(Number(r.peak), 6);
      expect(new Decimal(s.value[1]).times(100).toDecimalPlaces(2, Decimal.ROUND_DOWN).toNumber()).toBeCloseTo(Number(r.share_pct), 2);
    }
    const [day] = await prom.query('claude_ingest_rate_limit_peak_day_timestamp_seconds');
    expect(Number(day!.value[1])).toBe(dayStartMs(PEAK_DAY) / 1000);
  });
});

describe('data health through Prometheus', () => {
  it('freshness is the time since the newest complete day ended; failed windows 0; last success is the backfill', async () => {
    const fresh = await values('claude_ingest_data_freshness_seconds', 'stream');
    const status = JSON.parse((await w.cli(['status', '--json'])).stdout) as { lastRuns: Array<{ finishedAt: string | null; status: string }> };
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
    const lastOk = status.lastRuns.filter((r) => r.status === 'ok' && r.finishedAt !== null).map((r) => Date.parse(r.finishedAt!)).sort((a, b) => b - a)[0]!;
    expect(Number(last!.value[1])).toBeCloseTo(lastOk / 1000, 2);
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
    // An earlier test's write may still be landing (DuckDB checkpoints as its instance closes): wait
    // until a scrape reads nothing, then hold the cache to its promise.
    await vi.waitFor(async () => {
      const settled = server.reads();
      expect((await fetch(server.url)).status).toBe(200);
      expect(server.reads()).toBe(settled);
    }, { timeout: 20_000, interval: 200 });
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
    expect(all.length).toBe(11);
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

