/**
 * The core promise, end to end: the real CLI against the emulator over loopback into a real DuckDB
 * file, compared with the emulator's ground truth to the last digit.
 */
import { Decimal } from 'decimal.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { addDays, eachDay } from '../../src/util/dates.js';
import { TABLES } from '../../src/warehouse/tables.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse, snapshotTables } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-03-15';
const FROM = '2026-01-20';

let emu: Emulator;
let dir: string;
const env = () => ({ ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY });

beforeAll(async () => {
  emu = await startEmulator({ seed: 7, today: TODAY, org: 'small', historyDays: 120 });
  dir = tempDir();
});
afterAll(async () => {
  await emu?.close();
});

describe('backfill into DuckDB', () => {
  const file = () => join(dir, 'main.duckdb');

  it('lands every cent, token and Claude Code session the API reports', async () => {
    const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file()}`], env());
    expect(res.stderr).not.toContain('"severity":"ERROR"');
    expect(res.code).toBe(0);
    const days = eachDay(FROM, TODAY);

    const costByDay = new Map((await queryWarehouse(file(), 'SELECT activity_date AS d, SUM(amount_cents) AS c FROM claude_costs GROUP BY 1')).map((r) => [r.d, String(r.c)]));
    for (const day of days) {
      expect(new Decimal(costByDay.get(day) ?? '0').eq(emu.truth.costCents(day)), `cost ${day}`).toBe(true);
    }
    const byWs = await queryWarehouse(file(), 'SELECT activity_date AS d, workspace_id AS w, SUM(amount_cents) AS c FROM claude_costs GROUP BY 1, 2');
    for (const day of days) {
      for (const [ws, cents] of emu.truth.costCentsByWorkspace(day)) {
        const got = byWs.find((r) => r.d === day && r.w === ws);
        expect(new Decimal(String(got?.c ?? '0')).eq(cents), `cost ${day} workspace ${ws}`).toBe(true);
      }
    }
    const totals = await queryWarehouse(file(), 'SELECT activity_date AS d, amount_cents AS c, amount_usd AS u FROM claude_cost_daily_totals');
    for (const t of totals) expect(new Decimal(String(t.u)).mul(100).eq(String(t.c))).toBe(true);

    const tokens = await queryWarehouse(file(), `SELECT activity_date AS d, SUM(uncached_input_tokens) AS i, SUM(cache_read_input_tokens) AS r,
      SUM(cache_creation_5m_input_tokens) AS c5, SUM(cache_creation_1h_input_tokens) AS c1, SUM(output_tokens) AS o, SUM(web_search_requests) AS w FROM claude_usage_keys GROUP BY 1`);
    for (const day of days) {
      const t = emu.truth.tokens(day);
      const got = tokens.find((r) => r.d === day);
      expect({ i: got?.i ?? 0, r: got?.r ?? 0, c5: got?.c5 ?? 0, c1: got?.c1 ?? 0, o: got?.o ?? 0, w: got?.w ?? 0 }, `tokens ${day}`).toEqual({
        i: t.uncached_input_tokens, r: t.cache_read_input_tokens, c5: t.cache_creation_5m_input_tokens, c1: t.cache_creation_1h_input_tokens, o: t.output_tokens, w: t.web_search_requests,
      });
    }

    const cc = await queryWarehouse(file(), `SELECT activity_date AS d, COUNT(*) AS n, SUM(num_sessions) AS s, SUM(lines_added) AS la, SUM(lines_removed) AS lr, SUM(commits) AS c, SUM(pull_requests) AS p FROM claude_code_productivity GROUP BY 1`);
    for (const day of days) {
      const t = emu.truth.claudeCode(day);
      const got = cc.find((r) => r.d === day);
      expect({ n: got?.n ?? 0, s: got?.s ?? 0, la: got?.la ?? 0, lr: got?.lr ?? 0, c: got?.c ?? 0, p: got?.p ?? 0 }, `claude code ${day}`).toEqual({
        n: t.records, s: t.sessions, la: t.linesAdded, lr: t.linesRemoved, c: t.commits, p: t.pullRequests,
      });
    }
    const est = await queryWarehouse(file(), 'SELECT activity_date AS d, SUM(estimated_cost_cents) AS c FROM claude_code_model_usage GROUP BY 1');
    for (const day of days) {
      const got = est.find((r) => r.d === day);
      expect(new Decimal(String(got?.c ?? '0')).eq(emu.truth.claudeCode(day).estimatedCostCents), `estimate ${day}`).toBe(true);
    }

    const [names] = await queryWarehouse(file(), 'SELECT (SELECT COUNT(*) FROM claude_api_keys) AS k, (SELECT COUNT(*) FROM claude_workspaces) AS w, (SELECT COUNT(*) FROM claude_users) AS u');
    expect(names).toEqual({ k: emu.truth.apiKeys().length, w: emu.truth.workspaces().length, u: emu.truth.users().length });

    const [present] = await queryWarehouse(file(), 'SELECT COUNT(DISTINCT activity_date) AS n FROM claude_cost_daily_totals');
    expect(present!.n).toBe(days.filter((d) => !new Decimal(emu.truth.costCents(d)).isZero()).length);
  });

  it('a second backfill skips complete days and leaves identical data', async () => {
    const before = await snapshotTables(file());
    emu.resetStats();
    const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file()}`], env());
    expect(res.code).toBe(0);
    // Only today's partial day (not complete when read) and the org snapshot are fetched again.
    expect(emu.stats().byEndpoint['cost_report'] ?? 0).toBe(2);
    expect(await snapshotTables(file())).toEqual(before);
    const refreshed = await runCli(['backfill', '--from', FROM, '--refresh', '--warehouse', `duckdb:${file()}`], env());
    expect(refreshed.code).toBe(0);
    expect(await snapshotTables(file())).toEqual(before);
  });

  it('run twice leaves identical data, and late corrections replace the trailing days', async () => {
    const before = await snapshotTables(file());
    expect((await runCli(['run', '--warehouse', `duckdb:${file()}`], env())).code).toBe(0);
    expect((await runCli(['run', '--warehouse', `duckdb:${file()}`], env())).code).toBe(0);
    expect(await snapshotTables(file())).toEqual(before);

    emu.setRevision(1);
    try {
      expect((await runCli(['run', '--lookback', '3', '--warehouse', `duckdb:${file()}`], env())).code).toBe(0);
      for (const day of eachDay(addDays(TODAY, -2), TODAY)) {
        const [r] = await queryWarehouse(file(), 'SELECT SUM(amount_cents) AS c FROM claude_costs WHERE activity_date = CAST(? AS DATE)', [day]);
        expect(new Decimal(String(r?.c ?? '0')).eq(emu.truth.costCents(day)), `corrected ${day}`).toBe(true);
      }
      const key = TABLES.claude_costs.naturalKey.join(', ');
      const [dups] = await queryWarehouse(file(), `SELECT COUNT(*) - COUNT(DISTINCT (${key})) AS d FROM claude_costs`);
      expect(dups!.d).toBe(0);
    } finally {
      emu.setRevision(0);
    }
  });

  it('status reports the days missing after a partial backfill', async () => {
    const partial = join(dir, 'partial.duckdb');
    const w = `duckdb:${partial}`;
    expect((await runCli(['backfill', '--from', '2026-02-01', '--to', '2026-02-10', '--streams', 'cost,claude_code', '--warehouse', w], env())).code).toBe(0);
    expect((await runCli(['backfill', '--from', '2026-02-15', '--to', '2026-02-20', '--streams', 'cost,claude_code', '--warehouse', w], env())).code).toBe(0);
    const res = await runCli(['status', '--json', '--warehouse', w], env());
    expect(res.code).toBe(0);
    const status = JSON.parse(res.stdout) as { streams: Array<{ stream: string; missingDays: string[]; daysPresent: number }> };
    const cost = status.streams.find((s) => s.stream === 'cost')!;
    expect(cost.missingDays).toEqual(eachDay('2026-02-11', '2026-02-14'));
    expect(cost.daysPresent).toBe(16);
    expect(status.streams.find((s) => s.stream === 'usage')!.daysPresent).toBe(0);
    const text = await runCli(['status', '--warehouse', w], env());
    expect(text.stdout).toContain('2026-02-11');
    expect(text.stdout).toMatch(/claude_costs\s+\d+\s+2026-02-01\s+2026-02-20/);
  });
});
