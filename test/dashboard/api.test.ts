/**
 * The dashboard's JSON API against a real DuckDB warehouse filled from the emulator through the real
 * CLI: every route's figures equal `claude-ingest report` for the same range and filters, bad input is
 * a clear 400, a warehouse held by a writer is a 503 that clears when the writer goes, and the
 * `dashboard` command itself starts, serves and stops.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_VIEW, startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { DAY_STREAMS } from '../../src/checks/gaps.js';
import { forecastPeriod, periodOf } from '../../src/reports/forecast.js';
import { eachDay, type IsoDay } from '../../src/util/dates.js';
import { canon, claudeCodeActors, holdWriteLock, plantedCopy, report, spawnDashboard, sum, type Json } from './helpers.js';

const TODAY = '2026-03-15';
const FROM = '2026-01-15';

let w: FilledWarehouse;
let dash: Dashboard;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 7, name: 'api.duckdb' });
  // No warming timer: these tests write the file from this process, which must not meet a background read.
  dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
  await dash.warm();
});
afterAll(async () => {
  await dash?.close();
  await w?.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; type: string }> {
  const res = await fetch(new URL(path, dash.url), { headers });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, type, body: type.startsWith('application/json') ? JSON.parse(text) : text };
}

async function ok(path: string): Promise<Json> {
  const r = await get(path);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

describe('GET /api/meta', () => {
  it('the span of the data, the workspaces and models to filter on, named like the report names them', async () => {
    const meta = await ok('/api/meta');
    expect(meta.span).toEqual({ from: FROM, to: TODAY });
    expect(meta.today).toBe(TODAY);
    expect(meta.warehouse.kind).toBe('duckdb');
    const byWs = await report(w, 'workspace');
    expect(meta.workspaces).toEqual(byWs.map((r) => ({ id: r.workspace_id ?? 'default', name: r.name })));
    expect(meta.workspaces.length).toBeGreaterThan(1);
    const byModel = await report(w, 'model');
    expect(meta.models).toEqual(byModel.flatMap((r) => (r.model === null ? [] : [r.model])).sort());
    expect(meta.tools).toEqual(['edit', 'multi_edit', 'write', 'notebook_edit']);
  });

  it('takes no parameters', async () => {
    const r = await get('/api/meta?from=2026-01-01');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('/api/meta takes no parameters, got "from"');
  });
});

describe('GET /api/spend', () => {
  it('defaults to all the data: daily totals equal report --by day, and the stacked series add up to them', async () => {
    const s = await ok('/api/spend');
    expect(s.filter).toEqual({ from: FROM, to: TODAY, workspace: [], model: [], organization: [] });
    expect(s.stack).toBe('workspace');
    expect(s.days).toHaveLength(60);
    const byDay = new Map((await report(w, 'day')).map((r) => [r.day, canon(r.cost_usd)]));
    expect(s.daily).toEqual(s.days.map((d: string) => byDay.get(d) ?? '0'));
    expect(s.total.usd).toBe(sum([...byDay.values()]));
    // Money is exact decimal text in JSON, never a float.
    expect(typeof s.total.usd).toBe('string');
    s.days.forEach((_: string, i: number) => expect(sum(s.series.map((x: Json) => x.usd[i]))).toBe(s.daily[i]));
    const byWs = await report(w, 'workspace');
    expect(s.series.map((x: Json) => [x.key, x.name, x.total])).toEqual(byWs.map((r) => [r.workspace_id ?? 'default', r.name, canon(r.cost_usd)]));
  });

  it('stack=model splits by model, as report --by model', async () => {
    const s = await ok('/api/spend?stack=model&from=2026-02-01&to=2026-02-28');
    const byModel = await report(w, 'model', ['--from', '2026-02-01', '--to', '2026-02-28']);
    expect(s.series.map((x: Json) => [x.key, x.name, sum(x.usd)])).toEqual(byModel.map((r) => [r.model, r.name, canon(r.cost_usd)]));
    expect(s.days).toHaveLength(28);
  });

  it('workspace and model filters: the same figures as report --workspace/--model', async () => {
    const [first, second] = await report(w, 'workspace');
    const ids = [first!.workspace_id ?? 'default', second!.workspace_id ?? 'default'];
    const s = await ok(`/api/spend?from=2026-02-10&to=2026-03-05&workspace=${ids[0]}`);
    const rows = await report(w, 'day', ['--from', '2026-02-10', '--to', '2026-03-05', '--workspace', String(ids[0])]);
    expect(s.total.usd).toBe(sum(rows.map((r) => r.cost_usd)));
    expect(s.series.map((x: Json) => x.key)).toEqual([ids[0]]);
    // Two workspaces, repeated or comma-separated, and a model.
    const [model] = (await ok('/api/meta')).models as string[];
    const both = await ok(`/api/spend?workspace=${ids[0]}&workspace=${ids[1]}&model=${model}`);
    const both2 = await ok(`/api/spend?workspace=${ids[0]},${ids[1]}&model=${model}`);
    const expected = await report(w, 'day', ['--workspace', ids.join(','), '--model', model!]);
    expect(both.total.usd).toBe(sum(expected.map((r) => r.cost_usd)));
    expect(both2.total.usd).toBe(both.total.usd);
    expect(both.filter.workspace).toEqual(ids);
  });

  it('month to date, the previous month to the same day, and the one forecast (reports/forecast.ts) over report --by day', async () => {
    const s = await ok('/api/spend');
    const mtd = sum((await report(w, 'day', ['--from', '2026-03-01', '--to', TODAY])).map((r) => r.cost_usd));
    const prev = sum((await report(w, 'day', ['--from', '2026-02-01', '--to', '2026-02-15'])).map((r) => r.cost_usd));
    expect(s.month.anchor).toBe(TODAY);
    expect(s.month.current).toEqual({ from: '2026-03-01', to: TODAY, usd: mtd });
    expect(s.month.previous).toEqual({ from: '2026-02-01', to: '2026-02-15', usd: prev });
    const days = await report(w, 'day', ['--from', '2026-02-01', '--to', TODAY]);
    const lastComplete = '2026-03-14';
    const fc = forecastPeriod(periodOf('monthly', TODAY), new Map(days.map((r) => [r.day as IsoDay, String(r.cost_usd)])), { lastComplete, has: (d) => d <= lastComplete })!;
    expect(s.month.forecast).toEqual({ usd: fc.total, low: fc.low, high: fc.high, monthEnd: '2026-03-31', daysElapsed: 15, daysInMonth: 31 });
    expect(Number(fc.low)).toBeLessThanOrEqual(Number(fc.total));
    expect(Number(fc.high)).toBeGreaterThanOrEqual(Number(fc.total));
    expect(s.month.change).toBeCloseTo(new Decimal(mtd).minus(prev).div(prev).toNumber(), 12);
    // The 30th of March: February has no 30th, so its whole month is the comparison.
    const late = await ok('/api/spend?from=2026-03-01&to=2026-03-30');
    expect(late.month.previous.from).toBe('2026-02-01');
    expect(late.month.previous.to).toBe('2026-02-28');
    expect(late.month.current.usd).toBe(mtd); // no data after today
  });

  it.each([
    ['/api/spend?from=2026-13-01', 400, 'from "2026-13-01" is not a real calendar day: check the month and day'],
    ['/api/spend?to=yesterday', 400, 'to "yesterday" is not a date: use YYYY-MM-DD, e.g. 2025-01-31'],
    ['/api/spend?from=2026-03-02&to=2026-03-01', 400, 'the range 2026-03-02..2026-03-01 is reversed: from must not be after to'],
    ['/api/spend?stack=cost_type', 400, 'stack "cost_type" is not one of workspace, model'],
    ['/api/spend?stack=model&stack=workspace', 400, 'stack is given 2 times: give it once'],
    ['/api/spend?form=2026-01-01', 400, '/api/spend has no parameter "form": use from, to, workspace, model, organization, stack, tz'],
    ['/api/spend?from=1990-01-01', 400, 'the range 1990-01-01..2026-03-15 is 13223 days long: at most 3700 days'],
  ])('%s → %i', async (path, status, message) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.body).toEqual({ error: message });
  });
});

describe('GET /api/breakdown', () => {
  it('by workspace, model and cost type: report --by workspace|model|cost_type', async () => {
    const q = '?from=2026-02-01&to=2026-03-10';
    const b = await ok(`/api/breakdown${q}`);
    const args = ['--from', '2026-02-01', '--to', '2026-03-10'];
    for (const [dim, col] of [['workspace', 'workspace_id'], ['model', 'model'], ['cost_type', 'cost_type']] as const) {
      const rows = await report(w, dim, args);
      expect(b[dim].map((r: Json) => [r.key, r.name, r.usd]), dim).toEqual(rows.map((r) => [r[col], r.name, canon(r.cost_usd)]));
      expect(sum(b[dim].map((r: Json) => r.usd))).toBe(b.total);
    }
    expect(b.total).toBe(sum((await report(w, 'day', args)).map((r) => r.cost_usd)));
  });

  it('a model filter narrows every breakdown', async () => {
    const [model] = (await ok('/api/meta')).models as string[];
    const b = await ok(`/api/breakdown?model=${model}`);
    expect(b.model.map((r: Json) => r.key)).toEqual([model]);
    const rows = await report(w, 'workspace', ['--model', model!]);
    expect(b.workspace.map((r: Json) => r.usd)).toEqual(rows.map((r) => canon(r.cost_usd)));
  });

  it('rejects a bad day', async () => {
    expect((await get('/api/breakdown?to=2026-02-29')).body).toEqual({ error: 'to "2026-02-29" is not a real calendar day: check the month and day' });
  });
});

describe('GET /api/keys', () => {
  it('tokens by API key with names and cache hit rate: report --by api_key', async () => {
    const k = await ok('/api/keys?from=2026-02-01&to=2026-02-28');
    const rows = await report(w, 'api_key', ['--from', '2026-02-01', '--to', '2026-02-28']);
    expect(k.rows.map((r: Json) => [r.api_key_id, r.name, r.all_input_tokens, r.output_tokens, r.cache_read_input_tokens, r.cache_hit_rate])).toEqual(
      rows.map((r) => [r.api_key_id, r.name, r.all_input_tokens, r.output_tokens, r.cache_read_input_tokens, r.cache_hit_rate]),
    );
    expect(k.rows.length).toBeGreaterThan(1);
    const input = rows.reduce((a, r) => a + Number(r.all_input_tokens), 0);
    expect(k.totals.all_input_tokens).toBe(input);
    expect(k.totals.cache_hit_rate).toBeCloseTo(rows.reduce((a, r) => a + Number(r.cache_read_input_tokens), 0) / input, 12);
  });

  it('lists a key that was billed in the range without tokens (e.g. only code execution), as report --by api_key does', async () => {
    // A day on which some key's only spend was not tokens: the report lists it (billed, 0 tokens).
    const [day] = await queryWarehouse(
      w.file,
      `SELECT CAST(c.activity_date AS VARCHAR) AS day, COUNT(DISTINCT c.api_key_id) AS n FROM claude_cost_by_key c
        WHERE c.api_key_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM claude_usage_keys u WHERE u.api_key_id = c.api_key_id AND u.activity_date = c.activity_date)
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    );
    expect(day, 'the fixture has a key billed without tokens on some day').toBeDefined();
    const d = String(day!.day);
    const rows = await report(w, 'api_key', ['--from', d, '--to', d]);
    const k = await ok(`/api/keys?from=${d}&to=${d}`);
    expect(k.rowsPage.total).toBe(rows.length);
    const key = (r: Json) => [r.api_key_id, r.name, r.workspace, Number(r.all_input_tokens), Number(r.output_tokens)];
    const sorted = (xs: Json[]) => xs.map(key).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted(k.rows)).toEqual(sorted(rows));
    expect(k.rows.filter((r: Json) => r.all_input_tokens === 0 && r.output_tokens === 0).length).toBeGreaterThanOrEqual(Number(day!.n));
  });

  it('rejects an unknown parameter', async () => {
    expect((await get('/api/keys?stack=model')).body).toEqual({ error: '/api/keys has no parameter "stack": use from, to, workspace, model, organization, tz' });
  });
});

describe('GET /api/claude-code', () => {
  it('per-user figures from the Claude Code tables; totals equal the ground truth; daily activity adds up; tool acceptance per tool', async () => {
    const c = await ok('/api/claude-code?from=2026-02-01&to=2026-03-15');
    // `report --by user` reports billed cost per person (Analytics API) since issue 12: the per-actor
    // Claude Code figures are checked against SQL on its own tables and the emulator's ground truth.
    const actors = await claudeCodeActors(w.file, '2026-02-01', '2026-03-15');
    const key = (u: Json) => `${u.actor_type}|${u.actor}`;
    expect(new Map(c.users.map((u: Json) => [key(u), u.sessions]))).toEqual(new Map(actors.map((a) => [a.actor, a.sessions])));
    const days = eachDay('2026-02-01', '2026-03-15');
    expect(c.days).toEqual(days);
    const truth = days.map((d) => w.emu.truth.claudeCode(d));
    const total = (k: 'sessions' | 'linesAdded' | 'linesRemoved' | 'commits' | 'pullRequests' | 'toolAccepted' | 'toolRejected') => truth.reduce((a, t) => a + t[k], 0);
    const fields = [['sessions', 'sessions'], ['lines_added', 'linesAdded'], ['lines_removed', 'linesRemoved'], ['commits', 'commits'], ['pull_requests', 'pullRequests']] as const;
    for (const [k, t] of fields) {
      expect(c.totals[k], k).toBe(total(t));
      expect(c.users.reduce((a: number, u: Json) => a + u[k], 0), k).toBe(total(t));
      expect(c.daily.reduce((a: number, d: Json) => a + d[k], 0), k).toBe(total(t));
    }
    const users = c.users.filter((u: Json) => u.actor_type === 'user_actor').length;
    expect(c.totals.active_users).toBe(users);
    expect(Math.max(...c.daily.map((d: Json) => d.active_users))).toBeLessThanOrEqual(users);
    expect(c.daily.some((d: Json) => d.active_users > 0)).toBe(true);
    expect(c.tools.map((t: Json) => t.tool)).toEqual(['edit', 'multi_edit', 'write', 'notebook_edit']);
    expect(c.tools.reduce((a: number, t: Json) => a + t.accepted, 0)).toBe(total('toolAccepted'));
    expect(c.tools.reduce((a: number, t: Json) => a + t.rejected, 0)).toBe(total('toolRejected'));
    for (const t of c.tools) expect(t.acceptance_rate).toBe(t.accepted + t.rejected === 0 ? null : t.accepted / (t.accepted + t.rejected));
    const cents = truth.reduce((a, t) => a.plus(t.estimatedCostCents), new Decimal(0));
    expect(c.totals.estimated_cost_usd_estimate).toBe(cents.div(100).toFixed());
    expect(sum(c.users.map((u: Json) => u.estimated_cost_usd_estimate))).toBe(c.totals.estimated_cost_usd_estimate);
  });

  it('Claude Code data has no workspace: a workspace filter is a clear 400', async () => {
    expect(await get('/api/claude-code?workspace=default')).toMatchObject({ status: 400, body: { error: 'Claude Code data has no workspace: drop the workspace filter' } });
  });
});

describe('GET /api/health', () => {
  it('last complete day per stream, no failed windows, and the validate result for the range', async () => {
    const h = await ok('/api/health?from=2026-02-01&to=2026-03-15');
    expect(h.range).toEqual({ from: '2026-02-01', to: '2026-03-15' });
    expect(h.streams.map((s: Json) => s.stream).sort()).toEqual([...DAY_STREAMS].sort());
    expect(DAY_STREAMS).toEqual(expect.arrayContaining(['claude_code', 'cost', 'usage']));
    expect(h.lastCompleteDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(h.failedWindows).toEqual([]);
    expect(h.lastRuns[0].command).toBe('backfill');
    const cli = await w.cli(['validate', '--json', '--from', '2026-02-01', '--to', '2026-03-15']);
    const v = JSON.parse(cli.stdout) as { status: string; results: Array<{ id: string; status: string; figure: string }> };
    expect(h.validation.status).toBe(v.status);
    expect(h.validation.results.map((r: Json) => [r.id, r.status, r.figure])).toEqual(v.results.map((r) => [r.id, r.status, r.figure]));
    expect(h.status).toBe(v.status);
    expect(h.status).not.toBe('FAIL');
  });

  it('rejects a reversed range', async () => {
    expect((await get('/api/health?from=2026-03-01&to=2026-02-01')).status).toBe(400);
  });
});

describe('the server', () => {
  it('serves the page, its script and style, and ECharts from node_modules (gzipped when asked)', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script src="/vendor/echarts.common.min.js"');
    expect((await get('/app.js')).type).toBe('text/javascript; charset=utf-8');
    expect((await get('/style.css')).type).toBe('text/css; charset=utf-8');
    const res = await fetch(new URL('/vendor/echarts.common.min.js', dash.url), { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect((await res.text()).length).toBeGreaterThan(500_000); // fetch decompresses
    const csp = (await fetch(dash.url)).headers.get('content-security-policy');
    expect(csp).toContain("script-src 'self'");
  });

  it('static files are revalidated with an ETag (304, so the browser keeps compiled ECharts); API answers are never stored', async () => {
    for (const path of ['/', '/app.js', '/vendor/echarts.common.min.js']) {
      const first = await fetch(new URL(path, dash.url));
      await first.arrayBuffer();
      const etag = first.headers.get('etag');
      expect(etag, path).toMatch(/^"[\w-]{27}"$/);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const again = await fetch(new URL(path, dash.url), { headers: { 'if-none-match': etag! } });
      expect(again.status, path).toBe(304);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
      expect((await fetch(new URL(path, dash.url), { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    }
    expect((await fetch(new URL('/api/meta', dash.url))).headers.get('cache-control')).toBe('no-store');
  });

  it('unknown routes are 404 JSON; only GET; no path reaches the file system', async () => {
    expect(await get('/api/nope')).toMatchObject({ status: 404, body: { error: 'no API route /api/nope: use /api/meta, /api/spend, /api/breakdown, /api/keys, /api/claude-code, /api/health, /api/budgets, /api/alerts, /api/limits, /api/analytics, /api/rows, /api/bridge, /api/allocation' } });
    expect(await get('/../package.json')).toMatchObject({ status: 404 });
    expect(await get('/src/dashboard/server.ts')).toMatchObject({ status: 404 });
    const post = await fetch(new URL('/api/meta', dash.url), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ error: 'POST is not allowed: the dashboard is read-only (GET)' });
  });

  it('binds loopback only by default and refuses other Host names (DNS rebinding)', async () => {
    expect(dash.host).toBe('127.0.0.1');
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}/`);
    const r = await new Promise<number>((resolve, reject) => {
      // fetch() will not send a custom Host header; node:http will.
      import('node:http').then(({ get: httpGet }) => {
        httpGet({ host: '127.0.0.1', port: dash.port, path: '/api/meta', headers: { host: 'evil.example:80' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      }, reject);
    });
    expect(r).toBe(403);
    expect((await get('/api/meta', {})).status).toBe(200);
  });

  it('a writer holding the file: 503 with a clear message for what must be read, and back to 200 when it is gone', async () => {
    const before = await ok('/api/spend');
    const lock = await holdWriteLock(w.file);
    try {
      // An answer read before the writer came is still what the file holds: served without opening it.
      expect(await ok('/api/spend')).toEqual(before);
      const r = await get('/api/spend?from=2026-02-03&to=2026-03-04'); // asked for the first time
      expect(r.status).toBe(503);
      expect(r.body.busy).toBe(true);
      expect(r.body.error).toMatch(/^an ingest is writing the warehouse; retry in a moment \(the warehouse .* is in use by another process/);
    } finally {
      await lock.release();
    }
    expect((await get('/api/spend')).status).toBe(200);
  });

  it('releases the file between requests: an ingest can write while the dashboard runs', async () => {
    await ok('/api/meta');
    // A real writer in this same process (the CLI, in-process) opens the file for writing and commits.
    const res = await w.cli(['backfill', '--from', TODAY, '--to', TODAY, '--streams', 'cost', '--refresh']);
    expect(res.code, res.stderr).toBe(0);
    await ok('/api/meta');
  });

  it('validation results are reused only while the warehouse is unchanged', async () => {
    const clean = await ok('/api/health');
    expect(clean.failedWindows).toEqual([]);
    expect((await ok('/api/health')).validation).toEqual(clean.validation);
    // Something writes the file (here directly, as a damaged ingest might): the next answer sees it.
    const db = await DuckDBInstance.create(w.file);
    const conn = await db.connect();
    await conn.run(`INSERT INTO claude_costs SELECT * FROM claude_costs WHERE activity_date = DATE '2026-02-20'`);
    conn.closeSync();
    db.closeSync();
    const h = await ok('/api/health');
    expect(h.status).toBe('FAIL');
    expect(h.validation.results.find((r: Json) => r.id === 'duplicates').status).toBe('FAIL');
    const db2 = await DuckDBInstance.create(w.file);
    const conn2 = await db2.connect();
    // Undo: keep one row per natural key of that day.
    await conn2.run(`CREATE TEMP TABLE d AS SELECT DISTINCT * FROM claude_costs WHERE activity_date = DATE '2026-02-20'`);
    await conn2.run(`DELETE FROM claude_costs WHERE activity_date = DATE '2026-02-20'`);
    await conn2.run(`INSERT INTO claude_costs SELECT * FROM d`);
    conn2.closeSync();
    db2.closeSync();
    expect((await ok('/api/health')).validation.results.find((r: Json) => r.id === 'duplicates').status).toBe('PASS');
  });

  it('cached answers are reused only while the warehouse is unchanged: a write is picked up at once', async () => {
    const file = await plantedCopy(w, 'cache.duckdb');
    const d2 = await startDashboard({ warehouseUrl: `duckdb:${file}`, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
    await d2.warm();
    const fetchJson = async (path: string) => (await (await fetch(new URL(path, d2.url))).json()) as Json;
    try {
      const before = await fetchJson('/api/breakdown');
      expect(await fetchJson('/api/breakdown')).toEqual(before);
      const db = await DuckDBInstance.create(file);
      const conn = await db.connect();
      const day = (await conn.runAndReadAll(`SELECT SUM(amount_usd)::VARCHAR FROM claude_costs WHERE activity_date = DATE '2026-02-20'`)).getRows()[0]![0];
      await conn.run(`INSERT INTO claude_costs SELECT * FROM claude_costs WHERE activity_date = DATE '2026-02-20'`);
      conn.closeSync();
      db.closeSync();
      const after = await fetchJson('/api/breakdown');
      expect(after.total).toBe(new Decimal(before.total).plus(String(day)).toFixed());
      expect((await fetchJson('/api/spend')).total.usd).toBe(after.total);
    } finally {
      await d2.close();
    }
  });

  it('computes the default view ahead after a write, so the first visit needs no read of the file', async () => {
    const file = await plantedCopy(w, 'warm.duckdb');
    const d3 = await startDashboard({ warehouseUrl: `duckdb:${file}`, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 100 });
    try {
      // A write from another process, as a scheduled ingest would (it waits out the dashboard's brief reads).
      const res = await runCliProcess(['backfill', '--from', TODAY, '--to', TODAY, '--streams', 'cost', '--refresh', '--lock-wait', '10', '--warehouse', `duckdb:${file}`], w.env);
      expect(res.code, res.stderr).toBe(0);
      const total = sum((await report(w, 'day', [], file)).map((r) => r.cost_usd));
      // The timer (every 100 ms) notices the change and computes the default view; then a writer comes.
      await vi.waitUntil(() => d3.isWarm(), { timeout: 30_000, interval: 50 });
      const lock = await holdWriteLock(file);
      let spend: Json;
      try {
        const statuses = await Promise.all(DEFAULT_VIEW.map(async (path) => (await fetch(new URL(path, d3.url))).status));
        expect(statuses).toEqual(DEFAULT_VIEW.map(() => 200));
        spend = await (await fetch(new URL('/api/spend?stack=workspace', d3.url))).json();
        // Anything outside the default view must still be read, and the writer holds the file.
        expect((await fetch(new URL('/api/spend?stack=model', d3.url))).status).toBe(503);
      } finally {
        await lock.release();
      }
      expect(spend.total.usd).toBe(total);
    } finally {
      await d3.close();
    }
  }, 60_000);

  it('fails at start for a missing warehouse or a bad URL, with the reason', async () => {
    await expect(startDashboard({ warehouseUrl: `duckdb:${join(w.dir, 'missing.duckdb')}`, port: 0 })).rejects.toThrow(/there is no warehouse at/);
    await expect(startDashboard({ warehouseUrl: 'postgres://x/y', port: 0 })).rejects.toThrow(/unsupported scheme/);
  });
});

describe('claude-ingest dashboard', () => {
  it('rejects a bad --port (exit 2)', async () => {
    const r = await runCli(['dashboard', '--port', 'http', '--warehouse', w.url], w.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port http is not a port number from 0 to 65535');
  });

  it('a port in use is a clear error (exit 2)', async () => {
    const r = await runCli(['dashboard', '--port', String(dash.port), '--warehouse', w.url], w.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`port ${dash.port} on 127.0.0.1 is already in use`);
  });

  it('serves on 127.0.0.1 until SIGTERM, then exits 0', async () => {
    const d = await spawnDashboard(['--warehouse', w.url], { CLAUDE_INGEST_TODAY: TODAY });
    try {
      const meta = (await (await fetch(`${d.url}api/meta`)).json()) as { today: string; span: unknown };
      expect(meta.today).toBe(TODAY);
      expect(meta.span).toEqual({ from: FROM, to: TODAY });
    } finally {
      expect(await d.stop(), d.stderr()).toBe(0);
    }
  });
});
