/**
 * Report queries, the FOCUS view, `report` and `export`, against a real DuckDB warehouse backfilled
 * from the emulator. Expected figures come from the emulator's ground truth, summed with decimal.js.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenTotals } from '../../src/emulator/types.js';
import { ReportInputError } from '../../src/reports/filter.js';
import { claudeCodeByUser, spendBy, spendOverTime, tokensByApiKey } from '../../src/reports/queries.js';
import { demoSummary } from '../../src/reports/summary.js';
import { eachDay, type DayRange } from '../../src/util/dates.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-15';
const FROM = '2026-01-20';
const F: DayRange = { from: '2026-02-01', to: '2026-03-10' };

let w: FilledWarehouse;
let wh: Warehouse;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 5 });
  wh = await openWarehouse(w.url, { readOnly: true });
});
afterAll(async () => {
  await wh?.close();
  await w?.close();
});

const days = () => eachDay(F.from, F.to);
const usd = (cents: Decimal | string) => new Decimal(cents).div(100);

function truthByWorkspace(): Map<string | null, Decimal> {
  const out = new Map<string | null, Decimal>();
  for (const d of days()) for (const [ws, c] of w.emu.truth.costCentsByWorkspace(d)) out.set(ws, (out.get(ws) ?? new Decimal(0)).plus(c));
  return out;
}

function truthTokensByKey(): Map<string | null, TokenTotals> {
  const out = new Map<string | null, TokenTotals>();
  for (const d of days()) {
    for (const [k, t] of w.emu.truth.tokensByApiKey(d)) {
      const acc = out.get(k);
      if (!acc) out.set(k, { ...t });
      else for (const c of Object.keys(t) as Array<keyof TokenTotals>) acc[c] += t[c];
    }
  }
  return out;
}

describe('report queries', () => {
  it('spend by workspace equals the truth per workspace, with names and `default`', async () => {
    const rows = await spendBy(wh, F, 'workspace');
    const truth = truthByWorkspace();
    const names = new Map(w.emu.truth.workspaces().map((x) => [x.id, x.name]));
    expect(rows.length).toBe([...truth.values()].filter((v) => !v.isZero()).length);
    for (const r of rows) {
      expect(new Decimal(r.usd).eq(usd(truth.get(r.key)!)), `workspace ${r.key}`).toBe(true);
      expect(r.name).toBe(r.key === null ? 'default' : names.get(r.key));
    }
    expect(rows.some((r) => r.key === null)).toBe(true);
  });

  it('spend per day, week and month equals the daily truth; periods start on the day, Monday, the 1st', async () => {
    const byDay = await spendOverTime(wh, F, 'day');
    for (const d of days()) {
      const got = byDay.find((r) => r.period === d);
      expect(new Decimal(got?.usd ?? '0').eq(usd(w.emu.truth.costCents(d))), d).toBe(true);
    }
    const rangeUsd = usd(w.emu.truth.costCentsRange(F.from, F.to));
    for (const period of ['week', 'month'] as const) {
      const rows = await spendOverTime(wh, F, period);
      expect(rows.reduce((s, r) => s.plus(r.usd), new Decimal(0)).eq(rangeUsd), period).toBe(true);
      for (const r of rows) {
        const dow = new Date(`${r.period}T00:00:00Z`).getUTCDay();
        if (period === 'week') expect(dow, r.period).toBe(1);
        else expect(r.period.endsWith('-01'), r.period).toBe(true);
      }
    }
    // Week of 2026-02-02 (Mon) .. 2026-02-08 (Sun), independently summed.
    const week = (await spendOverTime(wh, F, 'week')).find((r) => r.period === '2026-02-02')!;
    expect(new Decimal(week.usd).eq(usd(w.emu.truth.costCentsRange('2026-02-02', '2026-02-08')))).toBe(true);
  });

  it('spend by model and cost type add up to the total', async () => {
    const rangeUsd = usd(w.emu.truth.costCentsRange(F.from, F.to));
    for (const dim of ['model', 'cost_type'] as const) {
      const rows = await spendBy(wh, F, dim);
      expect(rows.reduce((s, r) => s.plus(r.usd), new Decimal(0)).eq(rangeUsd), dim).toBe(true);
    }
    expect((await spendBy(wh, F, 'cost_type')).map((r) => r.key)).toContain('tokens');
  });

  it('workspace and model filters narrow every cost figure', async () => {
    const truth = truthByWorkspace();
    const [wsId] = [...truth.keys()].filter((k) => k !== null);
    const only = await spendOverTime(wh, { ...F, workspaceIds: [wsId!] }, 'month');
    expect(only.reduce((s, r) => s.plus(r.usd), new Decimal(0)).eq(usd(truth.get(wsId!)!))).toBe(true);
    const dflt = await spendBy(wh, { ...F, workspaceIds: ['default'] }, 'workspace');
    expect(dflt.map((r) => r.name)).toEqual(['default']);
    expect(new Decimal(dflt[0]!.usd).eq(usd(truth.get(null)!))).toBe(true);
    const both = await spendBy(wh, { ...F, workspaceIds: ['default', wsId!] }, 'workspace');
    expect(both.map((r) => r.key).sort()).toEqual([null, wsId].sort());

    const models = await spendBy(wh, F, 'model');
    const top = models.find((m) => m.key !== null)!;
    const filtered = await spendBy(wh, { ...F, models: [top.key!] }, 'model');
    expect(filtered).toEqual([top]);
    await expect(claudeCodeByUser(wh, { ...F, workspaceIds: [wsId!] })).rejects.toThrow(ReportInputError);
  });

  it('tokens by API key equal the truth, with key names, `console` and the cache hit rate', async () => {
    const rows = await tokensByApiKey(wh, F);
    const truth = truthTokensByKey();
    const names = new Map(w.emu.truth.apiKeys().map((k) => [k.id, k.name]));
    expect(rows.length).toBe(truth.size);
    for (const r of rows) {
      const t = truth.get(r.api_key_id)!;
      const { api_key_id, name, workspace, all_input_tokens, cache_hit_rate, ...tokens } = r;
      expect(tokens, `key ${api_key_id}`).toEqual(t);
      const keyWs = w.emu.truth.apiKeys().find((k) => k.id === api_key_id)?.workspace_id;
      const wsName = new Map(w.emu.truth.workspaces().map((x) => [x.id, x.name]));
      // A key with no workspace is the default workspace's, or bound to a principal at organization scope: never a guess between them.
      if (api_key_id === null) expect(workspace).toBeNull();
      else if (keyWs) expect(workspace).toBe(wsName.get(keyWs));
      else expect(['default', '(organization)']).toContain(workspace);
      expect(name).toBe(api_key_id === null ? 'console' : names.get(api_key_id));
      const allInput = t.uncached_input_tokens + t.cache_read_input_tokens + t.cache_creation_5m_input_tokens + t.cache_creation_1h_input_tokens;
      expect(all_input_tokens).toBe(allInput);
      expect(cache_hit_rate).toBeCloseTo(t.cache_read_input_tokens / allInput, 12);
    }
  });

  it('Claude Code per user adds up to the truth, estimate included', async () => {
    const rows = await claudeCodeByUser(wh, F);
    const t = { sessions: 0, linesAdded: 0, linesRemoved: 0, commits: 0, pullRequests: 0, toolAccepted: 0, toolRejected: 0, cents: new Decimal(0) };
    for (const d of days()) {
      const c = w.emu.truth.claudeCode(d);
      t.sessions += c.sessions;
      t.linesAdded += c.linesAdded;
      t.linesRemoved += c.linesRemoved;
      t.commits += c.commits;
      t.pullRequests += c.pullRequests;
      t.toolAccepted += c.toolAccepted;
      t.toolRejected += c.toolRejected;
      t.cents = t.cents.plus(c.estimatedCostCents);
    }
    const sum = (k: 'sessions' | 'lines_added' | 'lines_removed' | 'commits' | 'pull_requests' | 'tool_accepted' | 'tool_rejected') => rows.reduce((s, r) => s + r[k], 0);
    expect([sum('sessions'), sum('lines_added'), sum('lines_removed'), sum('commits'), sum('pull_requests'), sum('tool_accepted'), sum('tool_rejected')]).toEqual([
      t.sessions, t.linesAdded, t.linesRemoved, t.commits, t.pullRequests, t.toolAccepted, t.toolRejected,
    ]);
    expect(rows.reduce((s, r) => s.plus(r.estimated_cost_usd_estimate), new Decimal(0)).eq(usd(t.cents))).toBe(true);
    const users = new Map(w.emu.truth.users().map((u) => [u.email, u.name]));
    for (const r of rows) {
      if (r.actor_type === 'user_actor' && users.has(r.actor)) expect(r.name).toBe(users.get(r.actor));
      if (r.tool_accepted + r.tool_rejected > 0) expect(r.tool_acceptance_rate).toBeCloseTo(r.tool_accepted / (r.tool_accepted + r.tool_rejected), 12);
    }
    expect(rows.map((r) => r.sessions)).toEqual([...rows.map((r) => r.sessions)].sort((a, b) => b - a));
  });

  it('the demo summary is built on the same figures', async () => {
    const s = await demoSummary(wh);
    expect(s.from).toBe(FROM);
    expect(s.to).toBe(TODAY);
    expect(new Decimal(s.totalUsd).eq(usd(w.emu.truth.costCentsRange(FROM, TODAY)))).toBe(true);
  });
});

describe('FOCUS view claude_focus_costs', () => {
  // Every day of this warehouse is served by the Analytics API, so the view reads claude_cost_by_key alone.
  it('BilledCost adds up to claude_cost_by_key exactly, row for row (never claude_costs too)', async () => {
    const [focus] = await wh.query(`SELECT SUM("BilledCost") AS b, SUM("EffectiveCost") AS e, SUM("ListCost") AS l, COUNT(*) AS n FROM claude_focus_costs`);
    const [costs] = await wh.query(`SELECT SUM(amount_usd) AS u, SUM(list_amount_usd) AS l, COUNT(*) AS n FROM claude_cost_by_key`);
    expect(focus!.b).toBe(costs!.u);
    expect(focus!.e).toBe(costs!.u);
    expect(focus!.l).toBe(costs!.l);
    expect(focus!.n).toBe(costs!.n);
    const analytics = eachDay(FROM, TODAY).reduce((s, d) => s.plus(w.emu.truth.analytics.costCents(d)), new Decimal(0));
    expect(new Decimal(String(focus!.b)).eq(analytics.div(100))).toBe(true);
  });

  it('presents the FOCUS columns', async () => {
    const rows = await wh.query(
      `SELECT * FROM claude_focus_costs WHERE "x_ActivityDate" = CAST(? AS DATE) ORDER BY "SubAccountId" NULLS FIRST, "SkuId"`,
      ['2026-02-28'],
    );
    expect(rows.length).toBeGreaterThan(0);
    const names = new Map(w.emu.truth.workspaces().map((x) => [x.id, x.name]));
    for (const r of rows) {
      expect(r.ChargePeriodStart).toMatch(/^2026-02-28T00:00:00(\.000)?Z$/);
      expect(r.ChargePeriodEnd).toMatch(/^2026-03-01T00:00:00(\.000)?Z$/);
      expect(r.BillingPeriodStart).toMatch(/^2026-02-01T00:00:00(\.000)?Z$/);
      expect(r.BillingPeriodEnd).toMatch(/^2026-03-01T00:00:00(\.000)?Z$/);
      expect([r.ChargeCategory, r.ProviderName, r.PublisherName, r.InvoiceIssuerName, r.ServiceName, r.ServiceCategory, r.BillingCurrency]).toEqual([
        'Usage', 'Anthropic', 'Anthropic', 'Anthropic', 'Claude API', 'AI and Machine Learning', 'USD',
      ]);
      // Analytics rows name the default workspace by an id the workspaces list does not hold.
      expect(r.SubAccountName).toBe(r.SubAccountId === 'default' || r.SubAccountId === w.emu.truth.analytics.defaultWorkspaceId ? 'Default' : names.get(String(r.SubAccountId)));
      const tags = JSON.parse(String(r.Tags)) as Record<string, unknown>;
      expect(Object.keys(tags).sort()).toEqual(['api_key_id', 'context_window', 'cost_type', 'model', 'service_tier', 'token_type']);
      expect(r.ResourceId).toBe(tags.api_key_id);
      expect(String(r.SkuId)).toBe([tags.cost_type, tags.model, tags.token_type, tags.service_tier, tags.context_window].map((v) => v ?? '').join('/'));
      expect(r.RegionId === null || ['global', 'us'].includes(String(r.RegionId))).toBe(true);
    }
    expect(rows.some((r) => r.SubAccountId === 'default')).toBe(true);
  });
});

describe('report command', () => {
  it('json: exact dollars per workspace; table: dollars with cents; csv: a header and exact values', async () => {
    const truth = truthByWorkspace();
    const json = await w.cli(['report', '--by', 'workspace', '--from', F.from, '--to', F.to, '--format', 'json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { columns: string[]; rows: Array<Record<string, string | null>> };
    expect(doc.columns).toEqual(['workspace_id', 'name', 'cost_usd']);
    for (const r of doc.rows) expect(new Decimal(r.cost_usd!).eq(usd(truth.get(r.workspace_id ?? null)!))).toBe(true);

    const table = await w.cli(['report', '--by', 'workspace', '--from', F.from, '--to', F.to]);
    const dflt = usd(truth.get(null)!);
    expect(table.stdout).toMatch(new RegExp(`default +\\$${dflt.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',').replace('.', '\\.')}`));

    const csv = await w.cli(['report', '--by', 'user', '--from', F.from, '--to', F.to, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('actor_type,actor,name,email,billed_cost_usd,claude_code_billed_usd,list_cost_usd,claude_code_estimate_usd (estimate: not billing data)');
    expect(lines.length).toBeGreaterThan(1);
  });

  it('bad --by, --format or filter is exit 2 with one line', async () => {
    for (const args of [['--by', 'team'], ['--format', 'xml'], ['--by', 'user', '--workspace', 'wrkspc_x'], ['--from', '2026-13-01']]) {
      const res = await w.cli(['report', ...args]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

describe('export command', () => {
  async function readBack(sql: string): Promise<unknown[][]> {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(sql)).getRows();
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  it('a table to CSV, into a path with a quote in it, keeps every cent of the day', async () => {
    const dir = join(w.dir, "it's here");
    mkdirSync(dir);
    const out = join(dir, 'costs.csv');
    const res = await w.cli(['export', 'claude_costs', '--out', out, '--from', '2026-02-14', '--to', '2026-02-14']);
    expect(res.code, res.stderr).toBe(0);
    const header = readFileSync(out, 'utf8').split('\n')[0];
    expect(header).toBe('organization_id,activity_date,workspace_id,description,cost_type,model,service_tier,token_type,context_window,inference_geo,currency,amount_cents,amount_usd,extra,run_id,ingested_at');
    const [[cents, n]] = (await readBack(
      `SELECT CAST(SUM(CAST(amount_cents AS DECIMAL(38,12))) AS VARCHAR), COUNT(DISTINCT activity_date) FROM read_csv('${out.replace(/'/g, "''")}', all_varchar = true)`,
    )) as [[string, bigint]];
    expect(new Decimal(cents).eq(w.emu.truth.costCents('2026-02-14'))).toBe(true);
    expect(Number(n)).toBe(1);
  });

  it('a report to Parquet keeps exact decimals', async () => {
    const out = join(w.dir, 'ws.parquet');
    const res = await w.cli(['export', 'workspace', '--out', out, '--from', F.from, '--to', F.to]);
    expect(res.code, res.stderr).toBe(0);
    const rows = (await readBack(`SELECT workspace_id, CAST(cost_usd AS VARCHAR), typeof(cost_usd) FROM read_parquet('${out}')`)) as Array<[string | null, string, string]>;
    const truth = truthByWorkspace();
    expect(rows.length).toBe(truth.size);
    for (const [ws, v, type] of rows) {
      expect(type).toMatch(/^DECIMAL/);
      expect(new Decimal(v).eq(usd(truth.get(ws)!))).toBe(true);
    }
  });

  it('tokens by key to JSON lines match the truth', async () => {
    const out = join(w.dir, 'keys.json');
    const res = await w.cli(['export', 'api_key', '--out', out, '--from', F.from, '--to', F.to]);
    expect(res.code, res.stderr).toBe(0);
    const truth = truthTokensByKey();
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string | null>);
    expect(lines.length).toBe(truth.size);
    for (const l of lines) expect(l.output_tokens).toBe(truth.get(l.api_key_id as string | null)!.output_tokens);
  });

  it('the FOCUS view exports; unknown names and NUL paths are exit 2', async () => {
    const out = join(w.dir, 'focus.parquet');
    expect((await w.cli(['export', 'claude_focus_costs', '--out', out])).code).toBe(0);
    const [[b]] = (await readBack(`SELECT CAST(SUM("BilledCost") AS VARCHAR) FROM read_parquet('${out}')`)) as [[string]];
    expect(new Decimal(b).eq(eachDay(FROM, TODAY).reduce((s, d) => s.plus(w.emu.truth.analytics.costCents(d)), new Decimal(0)).div(100))).toBe(true);
    for (const args of [['nope', '--out', join(w.dir, 'x.csv')], ['claude_costs', '--out', `${w.dir}/a\0b.csv`], ['claude_costs', '--out', join(w.dir, 'missing', 'x.csv')], ['claude_workspaces', '--out', join(w.dir, 'w.csv'), '--from', F.from]]) {
      const res = await w.cli(['export', ...args]);
      expect(res.code, args.join(' ')).toBe(2);
    }
  });
});
