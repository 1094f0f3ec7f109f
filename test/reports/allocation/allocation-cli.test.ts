/**
 * Allocation through the real CLI against a warehouse backfilled from the emulator: report --by team
 * (and team,product) and chargeback (csv, json, xlsx) add up exactly to the billed truth, cost_report
 * days allocate only by workspace/model/cost type and say so, and a bad rule stops before any output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { eachDay, type IsoDay } from '../../../src/util/dates.js';
import { sumDecimals } from '../../../src/util/money.js';
import { errorLines } from '../../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../../helpers/fill-warehouse.js';

const TODAY = '2026-02-10';
const FROM = '2025-12-28';
let w: FilledWarehouse;
let config: string;

const RULES = `allocation:
  dimensions: [team, cost_center]
  rules:
    - name: prod keys
      match: { api_key: "prod-*" }
      set: { team: Platform, cost_center: CC-100 }
    - name: research
      match: { workspace: Research }
      set: { team: Research, cost_center: CC-200 }
    - name: claude code
      match: { user: "*@example.com", product: claude_code }
      set: { team: Engineering, cost_center: CC-300 }
    - name: shared staging
      match: { api_key: "staging-*" }
      split: { by: team, proportional_to: billed }
      set: { cost_center: CC-999 }
    - name: never
      match: { model: "no-such-model-*" }
      set: { team: Nobody }
  files:
    - path: teams.csv
  unallocated: { team: Unallocated, cost_center: "-" }
`;

/** The billed truth of a range in dollars: cost_report before the Analytics API's first day, analytics after. */
const truthUsd = (from: IsoDay, to: IsoDay) =>
  sumDecimals(eachDay(from, to).map((d) => (d < '2026-01-01' ? w.emu.truth.costCents(d) : w.emu.truth.analytics.costCents(d)))).replace(/^(-?)(\d+)(?:\.(\d+))?$/, (_m, s: string, i: string, f = '') => {
    const padded = i.padStart(3, '0');
    const frac = `${padded.slice(-2)}${f}`.replace(/0+$/, '');
    return `${s}${padded.slice(0, -2).replace(/^0+(?=\d)/, '')}${frac ? `.${frac}` : ''}`;
  });

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 7, args: ['--streams', 'cost,claude_code,analytics_cost,org'] });
  writeFileSync(join(w.dir, 'teams.csv'), 'kind,match,team,cost_center,from,to\nworkspace,Support Bot,Support,CC-400,,\n');
  config = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(config, RULES);
}, 180_000);
afterAll(async () => {
  await w?.close();
});

type Doc = { columns: string[]; rows: Array<Record<string, string | number>> };

describe('allocation through the CLI', () => {
  it('report --by team: billed, list and share per team; the sum is the billed truth to the last digit', async () => {
    const res = await w.cli(['report', '--by', 'team', '--config', config, '--from', FROM, '--to', '2026-02-09', '--format', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as Doc & { rules_hash: string };
    expect(doc.columns).toEqual(['team', 'billed_usd', 'list_usd', 'share_pct']);
    expect(doc.rules_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(sumDecimals(doc.rows.map((r) => String(r.billed_usd)))).toBe(truthUsd(FROM, '2026-02-09'));
    const teams = doc.rows.map((r) => r.team);
    for (const t of ['Platform', 'Engineering', 'Unallocated']) expect(teams).toContain(t);
    expect(teams).not.toContain('Nobody');
    expect(doc.rows.reduce((s, r) => s + Number(r.share_pct), 0)).toBeCloseTo(100, 1);
  });

  it('report --by team,product: the combined grouping adds up to the same total; table and csv render', async () => {
    const res = await w.cli(['report', '--by', 'team,product', '--config', config, '--from', '2026-01-01', '--to', '2026-02-09', '--format', 'csv']);
    expect(res.code, res.stderr).toBe(0);
    const rows = parse(res.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(['team', 'product', 'billed_usd', 'list_usd', 'share_pct']);
    expect(sumDecimals(rows.map((r) => r.billed_usd!))).toBe(truthUsd('2026-01-01', '2026-02-09'));
    // Claude Code by example.com users (not on a prod key) went to Engineering; its other products came only from the staging split.
    expect(rows.some((r) => r.team === 'Engineering' && r.product === 'claude_code')).toBe(true);
    const table = await w.cli(['report', '--by', 'team', '--config', config, '--from', '2026-01-01', '--to', '2026-02-09']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/Billed cost by team/);
  });

  it('chargeback csv: # header with the rules hash and the last refresh, no subtotal rows, lines add up exactly', async () => {
    const out = join(w.dir, 'cb-2026-01.csv');
    const res = await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Chargeback 2026-01 by team, cost_center/);
    const text = readFileSync(out, 'utf8');
    const comments = text.split('\n').filter((l) => l.startsWith('#'));
    expect(comments[1]).toMatch(/^# rules: [0-9a-f]{16} \(6 rules\)$/);
    expect(comments[2]).toMatch(/^# data last refreshed: \d{4}-\d{2}-\d{2}T/);
    const lines = parse(text, { columns: true, comment: '#' }) as Array<Record<string, string>>;
    expect(Object.keys(lines[0]!)).toEqual(['team', 'cost_center', 'api_key', 'person', 'product', 'model', 'source', 'fee', 'billed_usd', 'list_usd']);
    expect(lines.every((l) => l.source === 'analytics')).toBe(true);
    expect(sumDecimals(lines.map((l) => l.billed_usd!))).toBe(truthUsd('2026-01-01', '2026-01-31'));
    // The split key's cost went to teams other rules allocated, with the split's cost center.
    const split = lines.filter((l) => l.cost_center === 'CC-999');
    expect(split.length).toBeGreaterThan(0);
    expect(split.every((l) => l.api_key!.startsWith('staging-') && ['Platform', 'Research', 'Engineering', 'Support'].includes(l.team!))).toBe(true);
    // The JSON's totals are the lines' sums, value by value.
    const jsonOut = join(w.dir, 'cb.json');
    expect((await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--by', 'team', '--out', jsonOut])).code).toBe(0);
    const doc = JSON.parse(readFileSync(jsonOut, 'utf8')) as { lines: Array<Record<string, string>>; totals: Array<Record<string, string>>; total: { billed_usd: string } };
    for (const t of doc.totals) expect(sumDecimals(doc.lines.filter((l) => l.team === t.team).map((l) => l.billed_usd!)), t.team).toBe(t.billed_usd);
    expect(doc.total.billed_usd).toBe(truthUsd('2026-01-01', '2026-01-31'));
  });

  it('chargeback --tz: the month stays on the UTC days the API bills (a note says so), the same bytes as without a zone', async () => {
    const utc = join(w.dir, 'cb-utc.csv');
    const local = join(w.dir, 'cb-tokyo.csv');
    expect((await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--out', utc])).code).toBe(0);
    const res = await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--tz', 'Asia/Tokyo', '--out', local]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/chargeback: the month 2026-01 is allocated on the API's UTC days .* Asia\/Tokyo does not apply/);
    const body = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => !l.startsWith('# data last refreshed')).join('\n');
    expect(body(local)).toBe(body(utc));
    const bad = await w.cli(['chargeback', '--month', '2026-01', '--config', config, '--tz', 'Mars/Olympus', '--out', join(w.dir, 'never.csv')]);
    expect(bad.code).toBe(2);
    expect(existsSync(join(w.dir, 'never.csv'))).toBe(false);
  });

  it('a cost_report-only month: workspace rules apply, the rest is unallocated and labelled cost_report', async () => {
    const out = join(w.dir, 'cb-2025-12.csv');
    const res = await w.cli(['chargeback', '--month', '2025-12', '--config', config, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const lines = parse(readFileSync(out, 'utf8'), { columns: true, comment: '#' }) as Array<Record<string, string>>;
    expect(lines.every((l) => l.source === 'cost_report' && l.api_key === '' && l.person === '' && l.product === '')).toBe(true);
    // NULL, not an empty string: unquoted empty fields.
    expect(readFileSync(out, 'utf8')).not.toContain('""');
    expect(new Set(lines.map((l) => l.team))).not.toContain('Platform');
    expect(new Set(lines.map((l) => l.team))).toContain('Unallocated');
    expect(sumDecimals(lines.map((l) => l.billed_usd!))).toBe(truthUsd(FROM, '2025-12-31'));
  });

  it('chargeback xlsx: lines, totals and the rules hash in a workbook', async () => {
    const out = join(w.dir, 'cb.xlsx');
    const res = await w.cli(['chargeback', '--month', '2026-01', '--by', 'cost_center', '--config', config, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Chargeback', 'Totals', 'About']);
    expect(wb.getWorksheet('Chargeback')!.getRow(1).values).toEqual([undefined, 'cost_center', 'api_key', 'person', 'product', 'model', 'source', 'fee', 'billed_usd', 'list_usd']);
    const about = wb.getWorksheet('About')!;
    expect(about.getRow(7).values).toEqual([undefined, 'billed_usd total (exact)', truthUsd('2026-01-01', '2026-01-31')]);
  });

  it('validate --config: the allocation check proves every day adds up and WARNs about an unused rule and overlapping dates, naming them', async () => {
    const res = await w.cli(['validate', '--config', config, '--from', FROM, '--to', '2026-02-09', '--json']);
    const doc = JSON.parse(res.stdout) as { results: Array<{ id: string; status: string; figure: string; detail: string }> };
    const check = doc.results.find((r) => r.id === 'allocation')!;
    expect(check.status).toBe('WARN');
    expect(check.figure).toBe('1 rule unused');
    expect(check.detail).toMatch(/matched nothing in 2025-12-28\.\.2026-02-09: never\./);
    expect(check.detail).toMatch(/Every day adds up: allocated \$[\d,.]+ \([\d.]+ %\), unallocated/);
    const overlapping = join(w.dir, 'overlap.yaml');
    writeFileSync(
      overlapping,
      'allocation:\n  dimensions: [team]\n  rules:\n    - { name: old, match: { api_key: "prod-*" }, set: { team: A }, to: 2026-01-15 }\n    - { name: new, match: { api_key: "prod-*" }, set: { team: B }, from: 2026-01-10 }\n    - { name: later, match: { api_key: "prod-*" }, set: { team: C }, from: 2026-01-15 }\n',
    );
    const r2 = JSON.parse((await w.cli(['validate', '--config', overlapping, '--from', '2026-01-01', '--to', '2026-02-09', '--json'])).stdout) as typeof doc;
    const c2 = r2.results.find((r) => r.id === 'allocation')!;
    expect(c2.status).toBe('WARN');
    expect(c2.detail).toMatch(/overlapping effective dates .*: old and new; new and later/);
    expect(c2.detail).toMatch(/matched nothing .*: later/);
    // Without overlaps or unused rules: PASS, and every day counted.
    const clean = join(w.dir, 'clean.yaml');
    writeFileSync(clean, 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { api_key: "prod-*" }, set: { team: A } }\n');
    const r3 = JSON.parse((await w.cli(['validate', '--config', clean, '--from', FROM, '--to', '2026-02-09', '--json'])).stdout) as typeof doc;
    expect(r3.results.find((r) => r.id === 'allocation')).toMatchObject({ status: 'PASS', figure: '44 days add up' });
    // No allocation: section, no allocation check.
    const none = JSON.parse((await w.cli(['validate', '--from', FROM, '--to', '2026-02-09', '--json'])).stdout) as typeof doc;
    expect(none.results.some((r) => r.id === 'allocation')).toBe(false);
  });

  it('report --by team --product claude_code: billed Claude Code cost beside activity, per team and per person, flags counted', async () => {
    const range = ['--from', '2026-01-01', '--to', '2026-02-09', '--format', 'json', '--config', config];
    const byTeam = JSON.parse((await w.cli(['report', '--by', 'team', '--product', 'claude_code', ...range])).stdout) as Doc;
    expect(byTeam.columns).toEqual(['team', 'claude_code_billed_usd', 'sessions', 'lines_added', 'edits_accepted', 'commits', 'pull_requests', 'usd_per_session', 'usd_per_commit', 'usd_per_pull_request', 'people', 'activity_without_billed_cost', 'billed_cost_without_activity']);
    // The billed side is the allocation's claude_code cost, the activity side the Claude Code report's, nothing dropped.
    const products = JSON.parse((await w.cli(['report', '--by', 'team,product', ...range])).stdout) as Doc;
    expect(sumDecimals(byTeam.rows.map((r) => String(r.claude_code_billed_usd)))).toBe(sumDecimals(products.rows.filter((r) => r.product === 'claude_code').map((r) => String(r.billed_usd))));
    const activity = JSON.parse((await w.cli(['report', '--by', 'claude_code', '--from', '2026-01-01', '--to', '2026-02-09', '--format', 'json'])).stdout) as Doc;
    const total = (doc: Doc, col: string) => doc.rows.reduce((s, r) => s + Number(r[col] ?? 0), 0);
    expect(total(byTeam, 'sessions')).toBe(total(activity, 'sessions'));
    expect(total(byTeam, 'commits')).toBe(total(activity, 'commits'));
    expect(total(byTeam, 'sessions')).toBeGreaterThan(0);
    const eng = byTeam.rows.find((r) => r.team === 'Engineering')!;
    expect(Number(eng.sessions)).toBeGreaterThan(0);
    // Per person: a flag for activity without billed cost (subscription seats) and for billed cost without activity.
    const byPerson = JSON.parse((await w.cli(['report', '--by', 'team,person', '--product', 'claude_code', ...range])).stdout) as Doc;
    for (const r of byPerson.rows) {
      const billed = String(r.claude_code_billed_usd) !== '0';
      const active = Number(r.sessions) > 0;
      expect(r.flag, String(r.person)).toBe(!billed && active ? 'activity without billed cost (subscription seat?)' : billed && !active ? 'billed cost without activity' : null);
    }
    expect(byPerson.rows.filter((r) => r.team === 'Engineering').length).toBe(Number(eng.people));
    expect(byPerson.rows.filter((r) => r.flag !== null).length).toBe(total(byTeam, 'activity_without_billed_cost') + total(byTeam, 'billed_cost_without_activity'));
  });

  it('a rule on a user id matches that person\'s Claude Code activity too (Claude Code names only the email: claude_users maps it)', async () => {
    const db = await DuckDBInstance.create(w.file, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    let person: { id: string; email: string };
    try {
      const rows = (await conn.runAndReadAll(
        `SELECT u.id, p.actor_id AS email FROM claude_code_productivity p JOIN claude_users u ON lower(u.email) = lower(p.actor_id)
          WHERE p.actor_type = 'user_actor' AND p.num_sessions > 0 AND p.activity_date >= DATE '2026-01-01' ORDER BY 1 LIMIT 1`,
      )).getRowObjectsJson() as Array<{ id: string; email: string }>;
      person = rows[0]!;
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    expect(person.id).toMatch(/^user_/);
    const byId = join(w.dir, 'by-id.yaml');
    writeFileSync(byId, `allocation:\n  dimensions: [team]\n  rules:\n    - { match: { user: ${person.id} }, set: { team: ById } }\n`);
    const res = await w.cli(['report', '--by', 'team,person', '--product', 'claude_code', '--from', '2026-01-01', '--to', '2026-02-09', '--format', 'json', '--config', byId]);
    expect(res.code, res.stderr).toBe(0);
    const rows = (JSON.parse(res.stdout) as Doc).rows.filter((r) => r.team === 'ById');
    expect(rows.map((r) => String(r.person).toLowerCase())).toEqual([person.email.toLowerCase()]);
    expect(Number(rows[0]!.sessions)).toBeGreaterThan(0);
    // Nobody else's activity went to the team, and the person's activity is not left under Unallocated.
    const unallocated = (JSON.parse(res.stdout) as Doc).rows.filter((r) => r.team !== 'ById' && String(r.person).toLowerCase() === person.email.toLowerCase());
    expect(unallocated.filter((r) => Number(r.sessions) > 0)).toEqual([]);
  });

  it('a budget scoped to a team (alerts.budgets[].scope.team) counts the cost the rules allocate to it; an undeclared dimension is refused', async () => {
    const budgets = join(w.dir, 'budgets.yaml');
    writeFileSync(budgets, `${RULES}alerts:\n  budgets:\n    - { name: Platform team, monthly_usd: 1, scope: { team: Platform } }\n`.replace('path: teams.csv', `path: ${join(w.dir, 'teams.csv')}`));
    const res = await w.cli(['alerts', '--config', budgets, '--dry-run', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { events: Array<{ rule: string; subject: string; figures: Record<string, unknown>; details: string[] }> };
    const ev = doc.events.find((e) => e.rule === 'budget' && e.subject === 'Platform team')!;
    expect(ev.figures.scope).toBe('team Platform');
    expect(ev.details[0]).toMatch(/^Scope: team Platform \(billed cost allocated by the rules [0-9a-f]{16}, with the fixed fees \(configured\) allocated to it\)\.$/);
    const month = JSON.parse((await w.cli(['report', '--by', 'team', '--config', budgets, '--from', String(ev.figures.from), '--to', String(ev.figures.to), '--format', 'json'])).stdout) as Doc;
    expect(ev.figures.spent_usd).toBe(String(month.rows.find((r) => r.team === 'Platform')!.billed_usd));
    const bad = join(w.dir, 'bad-budget.yaml');
    writeFileSync(bad, 'alerts:\n  budgets:\n    - { name: X, monthly_usd: 1, scope: { team: Platform } }\n');
    const r2 = await w.cli(['alerts', '--config', bad, '--dry-run']);
    expect(r2.code).toBe(2);
    expect(errorLines(r2.stderr)[0]).toMatch(/alerts\.budgets\[0\]\.scope\.team: "team" is not workspace, api_key, model or one of allocation\.dimensions \(no allocation: section\)/);
  });

  it('bad input: a bad rule, an unknown dimension, a bad month: one line, exit 2, no file', async () => {
    const bad = join(w.dir, 'bad.yaml');
    writeFileSync(bad, 'allocation:\n  dimensions: [team]\n  rules:\n    - { match: { api_key: x }, set: { squad: A } }\n');
    const r1 = await w.cli(['report', '--by', 'team', '--config', bad]);
    expect(r1.code).toBe(2);
    expect(errorLines(r1.stderr)).toHaveLength(1);
    expect(errorLines(r1.stderr)[0]).toMatch(/allocation\.rules\[0\]\.set\.squad: "squad" is not one of dimensions/);
    const r2 = await w.cli(['report', '--by', 'squad', '--config', config]);
    expect(r2.code).toBe(2);
    expect(errorLines(r2.stderr)[0]).toMatch(/--by squad: combine allocation dimensions \(team, cost_center\)/);
    const out = join(w.dir, 'never.csv');
    const r3 = await w.cli(['chargeback', '--month', '2026-13', '--config', config, '--out', out]);
    expect(r3.code).toBe(2);
    expect(errorLines(r3.stderr)[0]).toMatch(/--month 2026-13 is not a month/);
    expect(() => readFileSync(out)).toThrow();
  });
});
