/**
 * Days in the organization's time zone (issue 27), through the real CLI against warehouses backfilled
 * from the emulator: with `timezone:` configured, backfill keeps hourly billed cost without being
 * asked and status says so; a local day is the sum of its local hours (23 on the spring transition,
 * checked against the hours selected by literal UTC instants); local-day sums over a range equal the
 * UTC-day sums over the same instants; days the Analytics API does not serve stay UTC days, labelled.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.js';
import { makeCalendar } from '../../src/util/calendar.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { errorLines, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

type Row = Record<string, string | number | null>;
type Doc = { title: string; columns: string[]; rows: Row[] };

const dir = tempDir('ci-tz-');
const config = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const NY = config('ny.yaml', 'timezone: America/New_York\nfiscal_year_start_month: 2\nweek_start: sunday\n');

const BILLED = `(product IS NULL OR product IN ('messages_api', 'message_batches_api', 'managed_agents_api', 'claude_console') OR (product = 'claude_code' AND workspace_id IS NOT NULL))`;

/** Σ billed hourly dollars with bucket_start in [from, to) — the instants written out, not computed by the code under test. */
async function hoursUsd(file: string, from: string, to: string): Promise<Decimal> {
  const r = await queryWarehouse(file, `SELECT CAST(COALESCE(SUM(amount_usd), 0) AS VARCHAR) AS usd, COUNT(DISTINCT bucket_start) AS n FROM claude_cost_hourly WHERE ${BILLED} AND bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}'`);
  return new Decimal(String(r[0]!.usd));
}

async function report(w: FilledWarehouse, args: string[]): Promise<Doc> {
  const res = await w.cli(['report', '--format', 'json', ...args]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Doc;
}
const sum = (rows: Row[]) => rows.reduce((s, r) => s.plus(String(r.cost_usd)), new Decimal(0));

describe('local days from hourly billed cost (March 2026: both spring transitions)', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: '2026-04-01', from: '2026-03-05', to: '2026-03-31', seed: 27, args: ['--config', NY, '--streams', 'cost,org,analytics_cost_hourly'] });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('the hours add up to cost_report per UTC day (so local days count what UTC days count)', async () => {
    const rows = await queryWarehouse(
      w.file,
      `SELECT CAST(h.activity_date AS VARCHAR) AS day, CAST(h.usd AS VARCHAR) AS hourly, CAST(c.usd AS VARCHAR) AS daily, h.n AS n
         FROM (SELECT activity_date, SUM(amount_usd) AS usd, COUNT(DISTINCT bucket_start) AS n FROM claude_cost_hourly WHERE ${BILLED} GROUP BY 1) h
         JOIN (SELECT activity_date, SUM(amount_usd) AS usd FROM claude_costs GROUP BY 1) c USING (activity_date) ORDER BY 1`,
    );
    expect(rows.length).toBe(27);
    for (const r of rows) expect(new Decimal(String(r.hourly)).eq(String(r.daily)), String(r.day)).toBe(true);
    // Really hourly: more than one bucket a day.
    expect(rows.every((r) => Number(r.n) > 1)).toBe(true);
  });

  it('status names the zone and the hourly cost it keeps', async () => {
    const res = await w.cli(['status', '--config', NY, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout) as { calendar: { timezone: string; hourly_cost: boolean; hourly_cost_days: { first: string; last: string } } };
    expect(s.calendar).toMatchObject({ timezone: 'America/New_York', hourly_cost: true, hourly_cost_days: { first: '2026-03-05', last: '2026-03-31' } });
    const text = await w.cli(['status', '--config', NY]);
    expect(text.stdout).toContain('Time zone: America/New_York (fiscal year from February, weeks from Sunday); hourly billed cost is kept (analytics_cost_hourly');
  });

  it('America/New_York: 2026-03-08 has 23 hours, each local day is the sum of its hours', async () => {
    const doc = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-03-06', '--to', '2026-03-30']);
    expect(doc.columns.slice(0, 3)).toEqual(['day', 'cost_usd', 'day_basis']);
    expect(doc.columns.at(-1)).toBe('tokens_day_basis');
    expect(doc.title).toContain('America/New_York');
    const row = (d: string) => doc.rows.find((r) => r.day === d)!;
    expect(new Decimal(String(row('2026-03-07').cost_usd)).eq(await hoursUsd(w.file, '2026-03-07 05:00:00', '2026-03-08 05:00:00'))).toBe(true);
    expect(new Decimal(String(row('2026-03-08').cost_usd)).eq(await hoursUsd(w.file, '2026-03-08 05:00:00', '2026-03-09 04:00:00'))).toBe(true);
    expect(new Decimal(String(row('2026-03-09').cost_usd)).eq(await hoursUsd(w.file, '2026-03-09 04:00:00', '2026-03-10 04:00:00'))).toBe(true);
    expect(doc.rows.every((r) => r.day_basis === 'local')).toBe(true);
    // The range's local days = the hours between its first and last instant.
    expect(sum(doc.rows).eq(await hoursUsd(w.file, '2026-03-06 05:00:00', '2026-03-31 04:00:00'))).toBe(true);
  });

  it('Europe/Berlin (--tz): 2026-03-29 has 23 hours', async () => {
    const doc = await report(w, ['--by', 'day', '--tz', 'Europe/Berlin', '--from', '2026-03-28', '--to', '2026-03-30']);
    const row = (d: string) => doc.rows.find((r) => r.day === d)!;
    expect(new Decimal(String(row('2026-03-29').cost_usd)).eq(await hoursUsd(w.file, '2026-03-28 23:00:00', '2026-03-29 22:00:00'))).toBe(true);
    expect(new Decimal(String(row('2026-03-30').cost_usd)).eq(await hoursUsd(w.file, '2026-03-29 22:00:00', '2026-03-30 22:00:00'))).toBe(true);
  });

  it('Pacific/Auckland: a day starts the previous UTC afternoon; local sums equal UTC sums over the same instants', async () => {
    const doc = await report(w, ['--by', 'day', '--tz', 'Pacific/Auckland', '--from', '2026-03-10', '--to', '2026-03-20']);
    // NZDT (+13) until April: 2026-03-10 local starts 2026-03-09T11:00Z.
    expect(sum(doc.rows).eq(await hoursUsd(w.file, '2026-03-09 11:00:00', '2026-03-20 11:00:00'))).toBe(true);
    const utc = await report(w, ['--by', 'day', '--tz', 'UTC', '--from', '2026-03-06', '--to', '2026-03-30']);
    const local = await report(w, ['--by', 'day', '--tz', 'Pacific/Auckland', '--from', '2026-03-06', '--to', '2026-03-31']);
    // Every held hour lies in one local day of the wider local range; the UTC report sums the same hours by UTC day.
    const heldInstants = await hoursUsd(w.file, '2026-03-06 00:00:00', '2026-03-31 00:00:00');
    expect(sum(utc.rows).eq(heldInstants)).toBe(true);
    expect(sum(local.rows).gte(heldInstants)).toBe(true);
  });

  it('Asia/Kolkata: days split a UTC hour, so each hour counts on the day it starts in, labelled so', async () => {
    const doc = await report(w, ['--by', 'day', '--tz', 'Asia/Kolkata', '--from', '2026-03-10', '--to', '2026-03-12']);
    expect(doc.rows.map((r) => r.day_basis)).toEqual(['local, by hour start', 'local, by hour start', 'local, by hour start']);
    // 2026-03-10 IST = [03-09 18:30Z, 03-10 18:30Z): the hours starting in it begin 19:00Z on the 9th … 18:00Z on the 10th
    // (the hour from 18:00Z starts at 23:30 IST, on the day before).
    const row = doc.rows.find((r) => r.day === '2026-03-10')!;
    expect(new Decimal(String(row.cost_usd)).eq(await hoursUsd(w.file, '2026-03-09 19:00:00', '2026-03-10 19:00:00'))).toBe(true);
  });

  it('week (Sunday start), month, quarter and fiscal year (from February) sum the same local days', async () => {
    const days = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    const weeks = await report(w, ['--by', 'week', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    expect(weeks.rows.map((r) => r.week)).toEqual(['2026-03-08', '2026-03-15', '2026-03-22']);
    expect(sum(weeks.rows).eq(sum(days.rows))).toBe(true);
    const quarter = await report(w, ['--by', 'quarter', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    expect(quarter.rows).toEqual([expect.objectContaining({ quarter: '2026-02-01', label: 'FY2027 Q1' })]);
    const fy = await report(w, ['--by', 'fiscal_year', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    expect(fy.rows).toEqual([expect.objectContaining({ fiscal_year: '2026-02-01', label: 'FY2027' })]);
    expect(String(fy.rows[0]!.cost_usd)).toBe(sum(days.rows).toFixed());
  });

  it('budgets count the local month and alert_events record it with its zone', async () => {
    const cfg = config('ny-alerts.yaml', 'timezone: America/New_York\nalerts:\n  budgets:\n    - { name: Org, monthly_usd: 1 }\n  anomalies: { daily_spend: false, new_spender: false }\n  data_health: false\n  spend_limits: false\n');
    const res = await w.cli(['alerts', '--dry-run', '--json', '--config', cfg]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { events: Array<{ rule: string; period: string; figures: Record<string, unknown> }> };
    const march = out.events.find((e) => e.rule === 'budget' && e.period === '2026-03 America/New_York');
    expect(march, JSON.stringify(out.events.map((e) => e.period))).toBeDefined();
    const month = await report(w, ['--by', 'month', '--config', NY, '--from', '2026-03-01', '--to', '2026-03-31']);
    expect(month.rows).toHaveLength(1);
    expect(march!.figures.spent_usd).toBe(month.rows[0]!.cost_usd);
    expect(march!.figures.timezone).toBe('America/New_York');
    // The same budget in UTC: a period without a zone (all held hours are in March either way, so the sums agree).
    const utc = await w.cli(['alerts', '--dry-run', '--json', '--config', cfg, '--tz', 'UTC']);
    const utcMarch = (JSON.parse(utc.stdout) as typeof out).events.find((e) => e.rule === 'budget' && e.period === '2026-03')!;
    expect(utcMarch.figures.timezone).toBe('UTC');
    expect(utcMarch.figures.spent_usd).toBe(march!.figures.spent_usd);
  });

  it('export writes the same local days as report (csv and json lines); parquet is refused in one line', async () => {
    const args = ['--tz', 'America/New_York', '--from', '2026-03-06', '--to', '2026-03-10'];
    const csvOut = join(dir, 'days.csv');
    const exp = await w.cli(['export', 'day', '--out', csvOut, ...args]);
    expect(exp.code, exp.stderr).toBe(0);
    const rep = await w.cli(['report', '--by', 'day', '--format', 'csv', ...args]);
    expect(readFileSync(csvOut, 'utf8').trim()).toBe(rep.stdout.trim());
    const jsonOut = join(dir, 'days.json');
    expect((await w.cli(['export', 'day', '--out', jsonOut, ...args])).code).toBe(0);
    const lines = readFileSync(jsonOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatchObject({ day: '2026-03-08', day_basis: 'local' });
    const pq = await w.cli(['export', 'day', '--out', join(dir, 'days.parquet'), ...args]);
    expect(pq.code).toBe(2);
    expect(errorLines(pq.stderr)[0]).toMatch(/is written as csv or json/);
  });

  it('validate --tz checks every UTC day holding the local days', async () => {
    const res = await w.cli(['validate', '--tz', 'America/New_York', '--from', '2026-03-08', '--to', '2026-03-08', '--json']);
    expect(res.stderr).toContain('local days 2026-03-08..2026-03-08 in America/New_York are the UTC days 2026-03-08..2026-03-09');
    const out = JSON.parse(res.stdout) as { summary: { range: { from: string; to: string } } };
    expect(out.summary.range).toEqual({ from: '2026-03-08', to: '2026-03-09' });
  });

  it('dashboard: the zone in /api/meta, spend per local day in /api/spend, tz=utc for UTC days', async () => {
    const d = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => '2026-04-01', calendar: makeCalendar({ timezone: 'America/New_York' }), warmIntervalMs: 0 });
    try {
      const get = async (path: string) => {
        const res = await fetch(new URL(path, d.url));
        expect(res.status, path).toBe(200);
        return (await res.json()) as Record<string, unknown>;
      };
      expect((await get('/api/meta')).timezone).toBe('America/New_York');
      const spend = (await get('/api/spend?from=2026-03-07&to=2026-03-09')) as { days: string[]; timezone: string; daily: string[]; day_basis: string[] };
      const rep = await report(w, ['--by', 'day', '--tz', 'America/New_York', '--from', '2026-03-07', '--to', '2026-03-09']);
      expect(spend.timezone).toBe('America/New_York');
      expect(spend.daily).toEqual(rep.rows.map((r) => r.cost_usd));
      expect(spend.day_basis).toEqual(['local', 'local', 'local']);
      expect((await get('/api/spend?from=2026-03-07&to=2026-03-09&tz=utc')).timezone).toBeNull();
      // The local month to date: 2026-03-01..03-09 in New York.
      const mtd = (await get('/api/spend?from=2026-03-09&to=2026-03-09')) as { month: { current: { from: string; usd: string } } };
      const march = await report(w, ['--by', 'month', '--tz', 'America/New_York', '--from', '2026-03-01', '--to', '2026-03-09']);
      expect(mtd.month.current).toMatchObject({ from: '2026-03-01', usd: march.rows[0]!.cost_usd });
      const bad = await fetch(new URL('/api/spend?tz=mars', d.url));
      expect(bad.status).toBe(400);
    } finally {
      await d.close();
    }
  });

  it('an unknown --tz is one line and exit 2', async () => {
    const res = await w.cli(['report', '--by', 'day', '--tz', 'Mars/Olympus']);
    expect(res.code).toBe(2);
    expect(errorLines(res.stderr)).toEqual(['--tz "Mars/Olympus" is not an IANA time zone: use a name such as America/Los_Angeles, Europe/Berlin or UTC']);
  });
});

describe('the autumn transitions: 25-hour days', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: '2026-11-04', from: '2026-10-23', to: '2026-11-03', seed: 30, args: ['--config', NY, '--streams', 'cost,org,analytics_cost_hourly'] });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('America/New_York 2026-11-01 and Europe/Berlin 2026-10-25 have 25 hours each', async () => {
    const ny = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-10-31', '--to', '2026-11-02']);
    const nyDay = (d: string) => new Decimal(String(ny.rows.find((r) => r.day === d)!.cost_usd));
    expect(nyDay('2026-11-01').eq(await hoursUsd(w.file, '2026-11-01 04:00:00', '2026-11-02 05:00:00'))).toBe(true);
    expect(nyDay('2026-11-02').eq(await hoursUsd(w.file, '2026-11-02 05:00:00', '2026-11-03 05:00:00'))).toBe(true);
    const berlin = await report(w, ['--by', 'day', '--tz', 'Europe/Berlin', '--from', '2026-10-24', '--to', '2026-10-26']);
    const beDay = (d: string) => new Decimal(String(berlin.rows.find((r) => r.day === d)!.cost_usd));
    expect(beDay('2026-10-25').eq(await hoursUsd(w.file, '2026-10-24 22:00:00', '2026-10-25 23:00:00'))).toBe(true);
    expect(sum(berlin.rows).eq(await hoursUsd(w.file, '2026-10-23 22:00:00', '2026-10-26 23:00:00'))).toBe(true);
    expect([...ny.rows, ...berlin.rows].every((r) => r.day_basis === 'local')).toBe(true);
  });
});

describe('where only UTC days exist', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    // The Analytics API serves nothing before 2026-01-01: those days have no hours.
    // Default streams: the configured zone adds analytics_cost_hourly without being asked.
    w = await fillWarehouse({ today: '2026-01-05', from: '2025-12-29', to: '2026-01-04', seed: 28, args: ['--config', NY] });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('backfill read hourly cost without --streams asking for it (from the first day the Analytics API serves)', async () => {
    const windows = await queryWarehouse(w.file, `SELECT MIN(window_start) AS a, MAX(window_end) AS b FROM ingest_windows WHERE stream = 'analytics_cost_hourly' AND status = 'ok'`);
    expect(String(windows[0]!.a)).toBe('2026-01-01');
    expect(String(windows[0]!.b)).toBe('2026-01-04');
  });

  it('every such row says "UTC days"; none is shifted or split; the edge local day is partial; the total is unchanged', async () => {
    const doc = await report(w, ['--by', 'day', '--config', NY, '--from', '2025-12-29', '--to', '2026-01-03']);
    const basis = Object.fromEntries(doc.rows.map((r) => [String(r.day), r.day_basis]));
    expect(basis).toMatchObject({ '2025-12-29': 'UTC days', '2025-12-30': 'UTC days', '2026-01-02': 'local', '2026-01-03': 'local' });
    // NY 2025-12-31 runs to 2026-01-01T05:00Z: the UTC day 12-31 as it is, plus the local hours held.
    expect(basis['2025-12-31']).toBe('mixed');
    const costs = await queryWarehouse(w.file, `SELECT CAST(activity_date AS VARCHAR) AS d, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_costs GROUP BY 1`);
    const utc = new Map(costs.map((r) => [String(r.d), String(r.usd)]));
    expect(String(doc.rows.find((r) => r.day === '2025-12-30')!.cost_usd)).toBe(new Decimal(utc.get('2025-12-30')!).toFixed());
    // UTC days 12-29..12-31 whole, then the hours from 2026-01-01T00:00Z to the end of local 01-03.
    const expected = ['2025-12-29', '2025-12-30', '2025-12-31'].reduce((s, d) => s.plus(utc.get(d)!), new Decimal(0)).plus(await hoursUsd(w.file, '2026-01-01 00:00:00', '2026-01-04 05:00:00'));
    expect(sum(doc.rows).eq(expected)).toBe(true);
    const csv = await w.cli(['report', '--by', 'day', '--config', NY, '--from', '2025-12-29', '--to', '2026-01-03', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(/^day,cost_usd,day_basis,uncached_input_tokens,.*,tokens_day_basis$/);
    expect(csv.stdout).toContain('2025-12-29,');
    expect(csv.stdout.split('\n').find((l) => l.startsWith('2025-12-29'))).toMatch(/^2025-12-29,[0-9.]+,UTC days,/);
    const table = await w.cli(['report', '--by', 'day', '--config', NY, '--from', '2025-12-29', '--to', '2026-01-03']);
    // Cost is on UTC days on two rows; tokens (read daily here) on all six.
    expect(table.stdout.split('\n').filter((l) => /UTC days.*UTC days/.test(l)).length).toBe(2);
    expect(table.stdout.split('\n').filter((l) => l.includes('UTC days')).length).toBe(6);
  });
});

describe('where the Analytics API is not offered', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: '2026-03-12', from: '2026-03-05', to: '2026-03-11', seed: 31, emulator: { analyticsAvailable: 403 }, args: ['--config', NY, '--streams', 'cost,org,analytics_cost_hourly'] });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('every day is a UTC day, as cost_report has it, and status says why', async () => {
    const doc = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-03-05', '--to', '2026-03-11']);
    expect(doc.rows.map((r) => r.day_basis)).toEqual(Array(7).fill('UTC days'));
    const costs = await queryWarehouse(w.file, `SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_costs`);
    expect(sum(doc.rows).eq(String(costs[0]!.usd))).toBe(true);
    const status = await w.cli(['status', '--config', NY]);
    expect(status.stdout).toMatch(/the Analytics API is not available to this organization \(since [^)]+\), so there is no hourly billed cost: reports show UTC days/);
  });
});
