/**
 * The dashboard API on a warehouse holding two organizations, with budgets from claude-ingest.yaml and
 * alert_events rows from a real `alerts` run: the organization list and filter (each organization's
 * figures equal its own ground truth, no filter their sum), budgets exactly as `alerts --dry-run
 * --json` judges them, the alert history as the table holds it, and the Analytics API sections against
 * the emulator's analytics ground truth and `report --by api_key|product|user`.
 */
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { canon, spawnDashboard, sum, type Json } from './helpers.js';
import { KEY_A, KEY_B, ORG_FROM, ORG_TODAY, twoOrganizations, type TwoOrgs } from './orgs-fixture.js';

let o: TwoOrgs;
let dash: Dashboard;
let ids: { a: string; b: string };

beforeAll(async () => {
  o = await twoOrganizations();
  ids = { a: o.emu.truthFor(KEY_A).organizationId, b: o.emu.truthFor(KEY_B).organizationId };
  dash = await startDashboard({ warehouseUrl: o.url, port: 0, today: () => ORG_TODAY, log: () => {}, warmIntervalMs: 0, alerts: o.alerts });
}, 180_000);
afterAll(async () => {
  await dash?.close();
  await o?.close();
});

async function ok(path: string): Promise<Json> {
  const res = await fetch(new URL(path, dash.url));
  const body = (await res.json()) as Json;
  expect(res.status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

const truthUsd = (key: string, from: string, to: string) => new Decimal(o.emu.truthFor(key).costCentsRange(from, to)).div(100).toFixed();

describe('several organizations', () => {
  it('/api/meta lists both organizations with the names the API gave them', async () => {
    const meta = await ok('/api/meta');
    const names = await queryWarehouse(o.file, 'SELECT id, name FROM claude_organization ORDER BY name, id');
    expect(meta.organizations).toEqual(names.map((r) => ({ id: r.id, name: r.name })));
    expect(meta.organizations.map((x: Json) => x.id).sort()).toEqual([ids.a, ids.b].sort());
    expect(meta.organizations.every((x: Json) => typeof x.name === 'string' && x.name.length > 0)).toBe(true);
  });

  it('no filter: totals of both organizations; organization=ID: that organization alone, equal to its ground truth', async () => {
    const all = await ok('/api/spend');
    expect(all.total.usd).toBe(new Decimal(truthUsd(KEY_A, ORG_FROM, ORG_TODAY)).plus(truthUsd(KEY_B, ORG_FROM, ORG_TODAY)).toFixed());
    for (const [key, id] of [[KEY_A, ids.a], [KEY_B, ids.b]] as const) {
      const one = await ok(`/api/spend?organization=${id}`);
      expect(one.filter.organization).toEqual([id]);
      expect(one.total.usd).toBe(truthUsd(key, ORG_FROM, ORG_TODAY));
      one.days.forEach((day: string, i: number) => expect(one.daily[i], day).toBe(canon(new Decimal(o.emu.truthFor(key).costCents(day)).div(100).toFixed())));
      const bd = await ok(`/api/breakdown?organization=${id}`);
      expect(bd.total).toBe(one.total.usd);
      const keys = await ok(`/api/keys?organization=${id}&from=2026-03-01&to=2026-03-10`);
      const tokens = eachDay('2026-03-01', '2026-03-10').reduce((a, d) => a + o.emu.truthFor(key).tokens(d).output_tokens, 0);
      expect(keys.totals.output_tokens).toBe(tokens);
      const cc = await ok(`/api/claude-code?organization=${id}`);
      const sessions = eachDay(ORG_FROM, ORG_TODAY).reduce((a, d) => a + o.emu.truthFor(key).claudeCode(d).sessions, 0);
      expect(cc.totals.sessions).toBe(sessions);
    }
    const both = await ok(`/api/spend?organization=${ids.a},${ids.b}`);
    expect(both.total.usd).toBe(all.total.usd);
  });
});

describe('GET /api/budgets', () => {
  it('spent, percent and forecast exactly as `alerts --dry-run --json` judges each budget; spent equals the ground truth', async () => {
    const b = await ok('/api/budgets');
    expect(b.month).toBe('2026-03');
    expect(b.budgets.map((x: Json) => x.name)).toEqual(['Organization', 'Team']);
    const org = b.budgets[0];
    const mtd = new Decimal(truthUsd(KEY_A, '2026-03-01', ORG_TODAY)).plus(truthUsd(KEY_B, '2026-03-01', ORG_TODAY)).toFixed();
    expect(org.spent_usd).toBe(mtd);
    expect(org.monthly_usd).toBe(new Decimal(o.budgetUsd).toFixed());
    expect(org.crossed_pct).toBe(50);
    const team = b.budgets[1];
    expect(team.scope).toBe(`workspace ${o.workspace.name}`);
    const teamTruth = eachDay('2026-03-01', ORG_TODAY).reduce((a, d) => a.plus(o.emu.truthFor(KEY_A).costCentsByWorkspace(d).get(o.workspace.id) ?? '0'), new Decimal(0));
    expect(team.spent_usd).toBe(teamTruth.div(100).toFixed());
    // The alerts command's own figures for every event it would send now (a threshold or forecast).
    const r = await runCli(['alerts', '--dry-run', '--json', '--config', o.config, '--warehouse', o.url], o.env);
    expect(r.code, r.stderr).toBe(0);
    const events = (JSON.parse(r.stdout) as { events: Json[] }).events.filter((e) => e.rule === 'budget' || e.rule === 'budget_forecast');
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      const row = b.budgets.find((x: Json) => x.name === e.figures.budget);
      expect(row, e.figures.budget).toBeDefined();
      expect([row.spent_usd, row.percent, row.forecast_usd, row.scope]).toEqual([e.figures.spent_usd, e.figures.percent, e.figures.forecast_usd, e.figures.scope]);
      if (e.rule === 'budget') expect(row.crossed_pct).toBe(e.figures.threshold_percent);
    }
  });

  it('daily pace per budget over the range: the month amount over its days, to the cent', async () => {
    const b = await ok('/api/budgets?from=2026-02-27&to=2026-03-02');
    expect(b.pace.days).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    const team = b.pace.series.find((s: Json) => s.name === 'Team');
    expect(team.usd).toEqual(['3.57', '3.57', '3.23', '3.23']); // $100 over 28 days, then over 31
    expect(b.budgets).toHaveLength(2); // the table is always as of today
  });

  it('without budgets in the config the answer is empty (the page hides the section)', async () => {
    const bare = await startDashboard({ warehouseUrl: o.url, port: 0, today: () => ORG_TODAY, log: () => {}, warmIntervalMs: 0 });
    try {
      const body = (await (await fetch(new URL('/api/budgets', bare.url))).json()) as Json;
      expect(body.budgets).toEqual([]);
      expect(body.pace).toBeNull();
    } finally {
      await bare.close();
    }
  });
});

describe('GET /api/alerts', () => {
  it('every alert_events row, newest first, with the title the alert was sent with', async () => {
    const a = await ok('/api/alerts');
    const rows = await queryWarehouse(o.file, 'SELECT event_key, channel, status, title FROM alert_events ORDER BY first_attempt_at DESC, event_key');
    expect(rows.length).toBeGreaterThan(0);
    expect(a.total).toBe(rows.length);
    expect(a.events.map((e: Json) => [e.channel, e.status, e.title])).toEqual(rows.map((r) => [r.channel, r.status, r.title]));
    expect(a.events.every((e: Json) => e.rule === 'budget' || e.rule === 'budget_forecast')).toBe(true);
    // What the webhook received is what the history says was sent.
    expect(o.hook.received.length).toBe(a.events.filter((e: Json) => e.status === 'sent').length);
  });
});

describe('GET /api/analytics', () => {
  it('cost per key and per product per day equal the analytics ground truth; per person equals report --by user', async () => {
    const a = await ok(`/api/analytics?organization=${ids.a}`);
    expect(a.available).toBe(true);
    const t = o.emu.truthFor(KEY_A).analytics;
    const days = eachDay(ORG_FROM, ORG_TODAY);
    const byKey = new Map<string | null, Decimal>();
    for (const d of days) for (const [k, c] of t.costCentsByApiKey(d)) byKey.set(k, (byKey.get(k) ?? new Decimal(0)).plus(c));
    const got = new Map<string | null, string>(a.keys.filter((k: Json) => k.billed_cost_usd !== '0').map((k: Json) => [k.api_key_id, k.billed_cost_usd]));
    expect(got).toEqual(new Map([...byKey].filter(([, v]) => !v.isZero()).map(([k, v]) => [k, v.div(100).toFixed()])));
    for (const p of a.products) {
      const product = p.key === '(code execution)' ? null : p.key;
      p.usd.forEach((usd: string, i: number) => expect(usd, `${p.key} ${a.days[i]}`).toBe(new Decimal(t.costCentsByProduct(a.days[i]).get(product) ?? '0').div(100).toFixed()));
      expect(sum(p.usd)).toBe(p.total);
    }
    expect(a.total).toBe(days.reduce((x, d) => x.plus(t.costCents(d)), new Decimal(0)).div(100).toFixed());
    // Both organizations (report has no organization filter of its own yet): as report --by user.
    const users = await runCli(['report', '--by', 'user', '--format', 'json', '--warehouse', o.url], o.env);
    expect(users.code, users.stderr).toBe(0);
    const rows = (JSON.parse(users.stdout) as { rows: Json[] }).rows;
    // The report's JSON names the estimate column with its label ("… (estimate: not billing data)").
    const estimate = Object.keys(rows[0]!).find((k) => k.startsWith('claude_code_estimate_usd'))!;
    const everyone = (await ok('/api/analytics')).people;
    expect(everyone.map((p: Json) => [p.actor_type, p.actor, p.billed_cost_usd, p.claude_code_estimate_usd])).toEqual(
      rows.map((r) => [r.actor_type, r.actor, canon(r.billed_cost_usd), canon(r[estimate])]),
    );
    const people = new Decimal(sum(a.people.map((p: Json) => p.billed_cost_usd)));
    expect(people.toFixed()).toBe(a.total);
  });

  it('a workspace filter: keys and products narrowed; the per-person table says why it is not split', async () => {
    const a = await ok(`/api/analytics?workspace=${o.workspace.id}`);
    expect(a.people).toEqual([]);
    expect(a.peopleNote).toMatch(/not split by workspace/);
    const rows = await queryWarehouse(o.file, `SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_cost_by_actor WHERE workspace_id = ? AND activity_date BETWEEN ? AND ?`, [o.workspace.id, ORG_FROM, ORG_TODAY]);
    expect(a.total).toBe(canon(rows[0]!.usd as string));
  });
});

describe('claude-ingest dashboard --config', () => {
  it('a missing or bad config file is one line and exit 2, before listening', async () => {
    const missing = await runCli(['dashboard', '--port', '0', '--config', join(o.dir, 'nope.yaml'), '--warehouse', o.url], o.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml does not exist');
    const { KEY_B: _unset, ...withoutB } = o.env;
    const unsetEnv = await runCli(['dashboard', '--port', '0', '--warehouse', o.url], withoutB);
    expect(unsetEnv.code).toBe(2);
    expect(unsetEnv.stderr).toContain('the environment variable KEY_B is not set');
    expect(unsetEnv.stderr).not.toContain(KEY_A);
  });

  it('serves the budgets of the file it was given', async () => {
    const d = await spawnDashboard(['--config', o.config, '--warehouse', o.url], { CLAUDE_INGEST_TODAY: ORG_TODAY, KEY_A, KEY_B, HOOK_URL: o.env.HOOK_URL });
    try {
      const served = (await (await fetch(`${d.url}api/budgets`)).json()) as Json;
      const inProcess = await ok('/api/budgets');
      expect(served.budgets).toEqual(inProcess.budgets);
      expect(served.budgets.map((b: Json) => b.name)).toEqual(['Organization', 'Team']);
    } finally {
      await d.stop();
    }
  }, 60_000);
});
