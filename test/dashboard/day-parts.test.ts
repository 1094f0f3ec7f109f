/**
 * Month parts of the year's queries kept beside the DuckDB file (src/dashboard/day-parts.ts,
 * kept-spend.ts): every answer a server using them gives is byte-identical to a server that keeps
 * nothing (the full computation), on an emulator-filled warehouse, for the default view and other
 * views (ranges across months, filters, organizations, the UTC toggle in a zone), before and after
 * planted changes — a daily run whose days changed, a late correction of old days, a new
 * organization, a row edited by hand. A marker planted in a kept part shows which parts are used: a
 * month nothing changed is served from its part (so the comparisons test the fast path), and a month
 * a change touched is never.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayPartsFile, DayParts, monthParts } from '../../src/dashboard/day-parts.js';
import { keptAnswersFile } from '../../src/dashboard/kept-answers.js';
import { DEFAULT_VIEW, startDashboard, type DashboardOptions } from '../../src/dashboard/server.js';
import { startEmulator } from '../../src/emulator/index.js';
import { makeCalendar } from '../../src/util/calendar.js';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, runSql, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-05';
const MARK = '98765.4321';
let w: FilledWarehouse;
let views: string[];

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-01-20', seed: 23, name: 'parts.duckdb' });
});
afterAll(async () => {
  await w?.close();
});

/** The answers of `paths` from a server on the file after its warm-up; whole kept answers removed first, so the parts are what is read. */
async function answers(paths: readonly string[], extra: Partial<DashboardOptions> = {}): Promise<Map<string, string>> {
  rmSync(keptAnswersFile(w.file), { force: true });
  const dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, ...extra });
  try {
    await dash.warm();
    const texts = new Map<string, string>();
    for (const path of paths) {
      const res = await fetch(new URL(path, dash.url));
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBe(200);
      texts.set(path, text);
    }
    return texts;
  } finally {
    await dash.close();
  }
}

/** The full computation: a server keeping nothing beside the file. */
const reference = (paths: readonly string[], extra: Partial<DashboardOptions> = {}) => answers(paths, { ...extra, keptAnswers: false });

/** Both servers' answers to every view; they must be equal, byte for byte. */
async function compare(paths: readonly string[] = views, extra: Partial<DashboardOptions> = {}): Promise<Map<string, string>> {
  const fast = await answers(paths, extra);
  const full = await reference(paths, extra);
  for (const p of paths) expect(fast.get(p), p).toBe(full.get(p));
  return fast;
}

/**
 * Parts kept anew from none (a test before may have left planted markers), before a planted change;
 * the first test compares a fresh start with the full computation, so this does not again (CI time).
 */
async function keepAfresh(paths: readonly string[] = views): Promise<Map<string, string>> {
  rmSync(dayPartsFile(w.file), { force: true });
  return answers(paths);
}

/** Plants MARK in every kept part whose days include `day`, their fingerprints untouched: served only if such a part is used. */
function tamper(day: string, names?: readonly string[]): number {
  const file = dayPartsFile(w.file);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { parts: Record<string, { rows: Array<Record<string, unknown>> }> };
  let n = 0;
  for (const [key, part] of Object.entries(stored.parts)) {
    const [name, f] = JSON.parse(key) as [string, { from: string; to: string }];
    if (day < f.from || day > f.to || (names && !names.includes(name))) continue;
    for (const row of part.rows) {
      if (typeof row.usd === 'string') row.usd = MARK;
      if (Array.isArray(row.sums)) row.sums = (row.sums as Array<[unknown, string]>).map(([k]) => [k, MARK]);
      if (typeof row.sessions === 'number') row.sessions = 987654;
    }
    n++;
  }
  writeFileSync(file, JSON.stringify(stored));
  return n;
}

/** The paths whose answer is not the full computation's (a planted marker served). */
async function served(paths: readonly string[]): Promise<string[]> {
  const fast = await answers(paths);
  const full = await reference(paths);
  return paths.filter((p) => fast.get(p) !== full.get(p)).sort();
}

describe('month parts of the dashboard queries', () => {
  it('are written by a first start and give the full computation’s answers to every view', async () => {
    rmSync(dayPartsFile(w.file), { force: true });
    const meta = JSON.parse((await reference(['/api/meta'])).get('/api/meta')!) as { models: string[]; workspaces: Array<{ id: string }>; organizations: Array<{ id: string }> };
    expect(meta.models.length).toBeGreaterThan(0);
    const ws = meta.workspaces.find((x) => x.id !== 'default')!.id;
    const org = meta.organizations[0]!.id;
    views = [
      ...DEFAULT_VIEW,
      '/api/spend?stack=model',
      '/api/spend?stack=workspace&from=2026-01-25&to=2026-02-14',
      `/api/spend?stack=model&from=2026-02-01&to=2026-03-03&workspace=${ws}`,
      `/api/spend?stack=workspace&model=${encodeURIComponent(meta.models[0]!)}`,
      '/api/spend?stack=workspace&workspace=default',
      `/api/spend?stack=workspace&organization=${org}`,
      '/api/breakdown?from=2026-02-01&to=2026-03-03',
      `/api/breakdown?model=${encodeURIComponent(meta.models[0]!)}&from=2026-01-31&to=2026-02-01`,
      `/api/breakdown?organization=${org}`,
      '/api/claude-code?from=2026-01-28&to=2026-02-03',
      `/api/claude-code?organization=${org}`,
      '/api/analytics?from=2026-02-10&to=2026-03-01',
      `/api/analytics?organization=${org}`,
      '/api/spend?stack=workspace&from=2026-03-01&to=2026-03-01',
    ];
    await compare();
    expect(existsSync(dayPartsFile(w.file))).toBe(true);
    const kept = Object.keys((JSON.parse(readFileSync(dayPartsFile(w.file), 'utf8')) as { parts: object }).parts);
    // The default view's months: January (from the 20th), February and March, for each kept query.
    for (const name of ['spendByDay:workspace', 'claudeCodeDaily', 'productCostByDay', 'totalSpend', 'spendBy:workspace', 'spendBy:model', 'spendBy:cost_type']) {
      expect(kept.filter((k) => (JSON.parse(k) as [string])[0] === name).length, name).toBeGreaterThanOrEqual(3);
    }
  });

  it('are served for a month nothing changed (a marker planted in one comes back)', async () => {
    await keepAfresh(['/api/meta', ...views]);
    expect(tamper('2026-02-15')).toBeGreaterThan(5);
    // Views whose February part ends before the 15th are not marked.
    const paths = ['/api/spend?stack=workspace', '/api/breakdown', '/api/claude-code', '/api/analytics', '/api/spend?stack=workspace&from=2026-01-25&to=2026-02-14', '/api/claude-code?from=2026-01-28&to=2026-02-03'];
    expect(await served(paths)).toEqual(['/api/analytics', '/api/breakdown', '/api/claude-code', '/api/spend?stack=workspace']);
  });

  it('are computed again for the days a daily run rewrote, and only those months', async () => {
    await keepAfresh();
    const before = await reference(['/api/spend?stack=workspace']);
    expect(tamper('2026-03-04')).toBeGreaterThan(5);
    w.emu.setRevision(1); // the run's last days come back changed
    const run = await w.cli(['run']);
    expect(run.code, run.stderr).toBe(0);
    const after = await reference(['/api/spend?stack=workspace']);
    expect(after.get('/api/spend?stack=workspace')).not.toBe(before.get('/api/spend?stack=workspace'));
    await compare();
    // January, untouched by the run, is still read from its part.
    tamper('2026-01-26');
    expect(await served(['/api/spend?stack=workspace&from=2026-01-25&to=2026-02-14'])).toEqual(['/api/spend?stack=workspace&from=2026-01-25&to=2026-02-14']);
  });

  it('are computed again after a late correction of old days', async () => {
    await keepAfresh();
    expect(tamper('2026-02-09')).toBeGreaterThan(5);
    const before = await reference(['/api/spend?stack=workspace']);
    // The same organization as of 2026-02-10, its last days revised: a backfill of them is a late correction.
    const late = await startEmulator({ today: '2026-02-10', seed: 23, org: 'small' });
    try {
      late.setRevision(2);
      const res = await runCli(['backfill', '--from', '2026-02-08', '--to', '2026-02-10', '--refresh', '--warehouse', w.url], { ...w.env, ANTHROPIC_BASE_URL: late.url });
      expect(res.code, res.stderr).toBe(0);
    } finally {
      await late.close();
    }
    const after = await reference(['/api/spend?stack=workspace']);
    expect(after.get('/api/spend?stack=workspace')).not.toBe(before.get('/api/spend?stack=workspace'));
    await compare();
  });

  it('are computed again when a new organization arrives, and answer per organization', async () => {
    await keepAfresh();
    expect(tamper('2026-02-25')).toBeGreaterThan(5);
    expect(tamper('2026-03-02')).toBeGreaterThan(5);
    const before = await reference(['/api/spend?stack=workspace']);
    const other = await startEmulator({ today: TODAY, seed: 77, org: 'small' });
    try {
      const res = await runCli(['backfill', '--from', '2026-02-20', '--to', TODAY, '--refresh', '--warehouse', w.url], { ...w.env, ANTHROPIC_BASE_URL: other.url });
      expect(res.code, res.stderr).toBe(0);
    } finally {
      await other.close();
    }
    const meta = JSON.parse((await reference(['/api/meta'])).get('/api/meta')!) as { organizations: Array<{ id: string }> };
    expect(meta.organizations.length).toBe(2);
    expect((await reference(['/api/spend?stack=workspace'])).get('/api/spend?stack=workspace')).not.toBe(before.get('/api/spend?stack=workspace'));
    const perOrg = meta.organizations.flatMap((o) => [`/api/spend?stack=workspace&organization=${o.id}`, `/api/breakdown?organization=${o.id}`, `/api/claude-code?organization=${o.id}`, `/api/analytics?organization=${o.id}`]);
    await compare([...views, ...perOrg]);
  });

  it('are computed again after a row was edited by hand (a write no writer of this program tracked)', async () => {
    await keepAfresh();
    // The edit is of claude_costs: the queries reading it (Claude Code's parts stand, their rows unchanged).
    expect(tamper('2026-01-22', ['spendByDay:workspace', 'spendOverTime:day', 'totalSpend', 'spendBy:workspace', 'spendBy:model', 'spendBy:cost_type'])).toBeGreaterThan(5);
    await runSql(w.file, `UPDATE claude_costs SET amount_cents = amount_cents + 100, amount_usd = amount_usd + 1 WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '2026-01-22')`);
    await compare();
  });

  it('give the full computation’s answers under a zone, the UTC toggle included', async () => {
    rmSync(dayPartsFile(w.file), { force: true });
    const calendar = makeCalendar({ timezone: 'America/New_York' });
    const paths = ['/api/spend?stack=workspace&tz=utc', '/api/breakdown?tz=utc', '/api/analytics?tz=utc', '/api/spend?stack=model&tz=utc&from=2026-02-01&to=2026-02-28', ...DEFAULT_VIEW];
    await compare(paths, { calendar });
    await compare(paths, { calendar });
  });

  it('an unreadable or misshapen parts file is ignored and replaced', async () => {
    for (const junk of ['{not json', JSON.stringify({ format: 1, code: 'x', parts: { a: 5 } }), '[]']) {
      writeFileSync(dayPartsFile(w.file), junk);
      await compare(DEFAULT_VIEW);
      expect(() => JSON.parse(readFileSync(dayPartsFile(w.file), 'utf8')) as unknown).not.toThrow();
    }
  });
});

describe('monthParts', () => {
  it('cuts a range at month ends, each part with its whole month', () => {
    expect(monthParts({ from: '2025-12-20', to: '2026-02-03' })).toEqual([
      { part: { from: '2025-12-20', to: '2025-12-31' }, month: { from: '2025-12-01', to: '2025-12-31' } },
      { part: { from: '2026-01-01', to: '2026-01-31' }, month: { from: '2026-01-01', to: '2026-01-31' } },
      { part: { from: '2026-02-01', to: '2026-02-03' }, month: { from: '2026-02-01', to: '2026-02-28' } },
    ]);
    expect(monthParts({ from: '2026-03-05', to: '2026-03-05' })).toEqual([{ part: { from: '2026-03-05', to: '2026-03-05' }, month: { from: '2026-03-01', to: '2026-03-31' } }]);
  });

  it('keeps nothing for BigQuery (its queries run over the whole range as before)', () => {
    expect(DayParts.of('bigquery://proj/dataset')).toBeUndefined();
    expect(DayParts.of('duckdb:/tmp/x.duckdb')).toBeInstanceOf(DayParts);
  });
});
