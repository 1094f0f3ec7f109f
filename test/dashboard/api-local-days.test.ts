/**
 * The dashboard's answers in the organization's time zone (issue 27), over loopback against a
 * warehouse backfilled from the emulator: cost_report for 2026-03-03..03-10 and hourly billed cost
 * only from 03-06, so the New York range holds UTC days, a mixed day, local days and the 23-hour
 * 2026-03-08. Every local figure equals `report --by day|month --tz` for the same local range (with
 * the same workspace or model filter); tz=utc gives the UTC reports' figures; what has no hours says
 * "UTC days".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleApi } from '../../src/dashboard/api.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { makeCalendar } from '../../src/util/calendar.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { canon, report, sum, type Json } from './helpers.js';

const TODAY = '2026-03-12';
const NY = ['--tz', 'America/New_York'];
let w: FilledWarehouse;
let dash: Dashboard;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-03-03', to: '2026-03-10', seed: 11, name: 'tz-api.duckdb', args: ['--streams', 'cost,org'] });
  const hourly = await w.cli(['backfill', '--from', '2026-03-06', '--to', '2026-03-10', '--streams', 'analytics_cost_hourly']);
  expect(hourly.code, hourly.stderr).toBe(0);
  dash = await startDashboard({
    warehouseUrl: w.url,
    port: 0,
    today: () => TODAY,
    log: () => {},
    warmIntervalMs: 0,
    calendar: makeCalendar({ timezone: 'America/New_York' }),
    alerts: {
      budgets: [
        { name: 'All', monthly_usd: 1000, thresholds_pct: [50, 100], forecast: false },
        { name: 'One key', monthly_usd: 10, thresholds_pct: [100], forecast: false, scope: { api_key: 'no-such-key' } },
      ],
    } as Json,
  });
}, 120_000);

afterAll(async () => {
  await dash?.close();
  await w?.close();
});

async function get(path: string): Promise<Json> {
  const res = await fetch(new URL(path, dash.url));
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return res.json();
}

const RANGE = 'from=2026-03-04&to=2026-03-10';
const CLI_RANGE = ['--from', '2026-03-04', '--to', '2026-03-10'];

describe('spend chart and cards in local days', () => {
  it('each day and the total equal report --by day --tz; the stacks add up to the day; UTC, mixed and 23-hour days as the report labels them', async () => {
    const [spend, rows] = await Promise.all([get(`/api/spend?${RANGE}&stack=workspace`), report(w, 'day', [...NY, ...CLI_RANGE])]);
    expect(spend.timezone).toBe('America/New_York');
    expect(spend.days).toEqual(rows.map((r) => r.day));
    expect(spend.daily).toEqual(rows.map((r) => canon(r.cost_usd)));
    expect(spend.day_basis).toEqual(rows.map((r) => r.day_basis));
    // Local 03-04 touches only UTC days without hours; 03-05 ends in held 03-06; 03-08 is the 23-hour day.
    expect(spend.day_basis.slice(0, 2)).toEqual(['UTC days', 'mixed']);
    expect(spend.day_basis[4]).toBe('local');
    expect(spend.basis).toBe('mixed');
    expect(spend.total.usd).toBe(sum(rows.map((r) => r.cost_usd)));
    spend.days.forEach((_d: string, i: number) => expect(sum(spend.series.map((s: Json) => s.usd[i]))).toBe(spend.daily[i]));
    // A stack's series is the report with that workspace's filter.
    const top = spend.series[0];
    const one = await report(w, 'day', [...NY, ...CLI_RANGE, '--workspace', top.key]);
    expect(top.usd).toEqual(spend.days.map((d: string) => canon(one.find((r) => r.day === d)?.cost_usd ?? 0)));
  });

  it('stacked by model and filtered by model, still the report’s local days', async () => {
    const byModel = await get(`/api/spend?${RANGE}&stack=model`);
    const model = byModel.series.find((s: Json) => s.key !== null).key as string;
    const [filtered, rows] = await Promise.all([get(`/api/spend?${RANGE}&model=${encodeURIComponent(model)}`), report(w, 'day', [...NY, ...CLI_RANGE, '--model', model])]);
    expect(filtered.daily).toEqual(rows.map((r) => canon(r.cost_usd)));
    expect(byModel.series.find((s: Json) => s.key === model).usd).toEqual(filtered.daily);
  });

  it('the month to date, the previous month and the forecast are local months', async () => {
    const spend = await get('/api/spend?from=2026-03-07&to=2026-03-10');
    const [month] = await report(w, 'month', [...NY, '--from', '2026-03-01', '--to', '2026-03-10']);
    expect(spend.month.current).toMatchObject({ from: '2026-03-01', to: '2026-03-10', usd: canon(month!.cost_usd), day_basis: month!.day_basis });
    expect(spend.month.previous).toMatchObject({ from: '2026-02-01', to: '2026-02-10', usd: '0' });
    expect(spend.month.forecast?.monthEnd).toBe('2026-03-31');
    // Local 03-10 ends in UTC 03-11, whose hours are not held: partial, as the report says.
    expect(spend.basis).toBe('local, partial');
  });

  it('tz=utc: the UTC days of report --by day, no basis', async () => {
    const [spend, rows] = await Promise.all([get(`/api/spend?${RANGE}&tz=utc`), report(w, 'day', CLI_RANGE)]);
    expect(spend.timezone).toBeNull();
    expect(spend.day_basis).toBeNull();
    expect(spend.daily).toEqual(spend.days.map((d: string) => canon(rows.find((r) => String(r.day ?? r.period).startsWith(d))?.cost_usd ?? 0)));
    expect(spend.total.usd).toBe(sum(rows.map((r) => r.cost_usd)));
  });
});

describe('other zones: a half-hour zone and one across the date line', () => {
  it.each(['Asia/Kolkata', 'Pacific/Auckland'])('%s: the stacked days and their totals equal report --by day --tz', async (zone) => {
    const other = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, calendar: makeCalendar({ timezone: zone }) });
    try {
      const res = await fetch(new URL(`/api/spend?${RANGE}&stack=model`, other.url));
      const spend = (await res.json()) as Json;
      const rows = await report(w, 'day', ['--tz', zone, ...CLI_RANGE]);
      expect(spend.timezone).toBe(makeCalendar({ timezone: zone }).timeZone);
      expect(spend.daily).toEqual(rows.map((r) => canon(r.cost_usd)));
      expect(spend.day_basis).toEqual(rows.map((r) => r.day_basis));
      spend.days.forEach((_d: string, i: number) => expect(sum(spend.series.map((s: Json) => s.usd[i]))).toBe(spend.daily[i]));
    } finally {
      await other.close();
    }
  });
});

describe('breakdown in local days', () => {
  it('each workspace and model over the local range equals the report’s local days with that filter; cost type stays UTC days', async () => {
    const b = await get(`/api/breakdown?${RANGE}`);
    const days = await report(w, 'day', [...NY, ...CLI_RANGE]);
    expect(b.timezone).toBe('America/New_York');
    expect(b.total).toBe(sum(days.map((r) => r.cost_usd)));
    expect(sum(b.workspace.map((r: Json) => r.usd))).toBe(b.total);
    expect(sum(b.model.map((r: Json) => r.usd))).toBe(b.total);
    expect(b.day_basis).toEqual({ total: 'mixed', workspace: 'mixed', model: 'mixed', cost_type: 'UTC days' });
    for (const r of b.workspace.slice(0, 2)) {
      const rows = await report(w, 'day', [...NY, ...CLI_RANGE, '--workspace', r.key ?? 'default']);
      expect(r.usd, r.name).toBe(sum(rows.map((x) => x.cost_usd)));
    }
    const m = b.model.find((r: Json) => r.key !== null);
    expect(m.usd).toBe(sum((await report(w, 'day', [...NY, ...CLI_RANGE, '--model', m.key])).map((x) => x.cost_usd)));
    // Cost type has no hours: the range's UTC days, as report --by cost_type.
    const ct = await report(w, 'cost_type', CLI_RANGE);
    expect(sum(b.cost_type.map((r: Json) => r.usd))).toBe(sum(ct.map((r) => r.cost_usd)));
  });

  it('a range wholly in held hours is local; one without hours is UTC days', async () => {
    expect((await get('/api/breakdown?from=2026-03-07&to=2026-03-09')).day_basis.workspace).toBe('local');
    expect((await get('/api/breakdown?from=2026-03-03&to=2026-03-04')).day_basis.workspace).toBe('UTC days');
  });

  it('tz=utc: report --by workspace and --by model over the UTC days', async () => {
    const [b, ws, models] = await Promise.all([get(`/api/breakdown?${RANGE}&tz=utc`), report(w, 'workspace', CLI_RANGE), report(w, 'model', CLI_RANGE)]);
    expect(b.timezone).toBeNull();
    expect(b.day_basis).toBeNull();
    expect(b.workspace.map((r: Json) => r.usd)).toEqual(ws.map((r) => canon(r.cost_usd)));
    expect(b.model.map((r: Json) => r.usd)).toEqual(models.map((r) => canon(r.cost_usd)));
  });
});

describe('budgets in the local month', () => {
  it('month to date is the local month (as report --by month --tz); a key budget has no hours and says UTC days; tz=utc gives the UTC month', async () => {
    const b = await get('/api/budgets');
    expect(b).toMatchObject({ timezone: 'America/New_York', today: '2026-03-12', from: '2026-03-01' });
    const [month] = await report(w, 'month', [...NY, '--from', '2026-03-01', '--to', TODAY]);
    const all = b.budgets.find((r: Json) => r.name === 'All');
    expect(all.spent_usd).toBe(canon(month!.cost_usd));
    expect(all.day_basis).toBe(month!.day_basis);
    expect(b.budgets.find((r: Json) => r.name === 'One key').day_basis).toBe('UTC days');
    const utc = await get('/api/budgets?tz=utc');
    const [utcMonth] = await report(w, 'month', ['--from', '2026-03-01', '--to', TODAY]);
    expect(utc.timezone).toBeNull();
    expect(utc.budgets.find((r: Json) => r.name === 'All')).toMatchObject({ spent_usd: canon(utcMonth!.cost_usd), day_basis: null });
  });
});

describe('date pickers in local days', () => {
  // The data: UTC days 03-03..03-10, hours held 03-06..03-10 (so the last UTC day is read by its hours).
  it.each([
    ['America/New_York', '2026-03-10', '2026-03-12'],
    ['Asia/Kolkata', '2026-03-11', '2026-03-13'],
    ['Pacific/Auckland', '2026-03-11', '2026-03-13'],
  ])('%s: meta gives the span in local days (last hour of 03-10 on its local day); the default range is it; local sums over it equal the UTC span’s', async (zone, localTo, localToday) => {
    const other = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, calendar: makeCalendar({ timezone: zone }) });
    try {
      const ask = async (path: string) => (await fetch(new URL(path, other.url))).json() as Promise<Json>;
      const meta = await ask('/api/meta');
      expect(meta.span).toEqual({ from: '2026-03-03', to: '2026-03-10' });
      // 03-03 has no hours: it stays under its own date; 03-10's last hour (23:00 UTC) starts on localTo.
      expect(meta.localSpan).toEqual({ from: '2026-03-03', to: localTo });
      expect(meta.localToday).toBe(localToday);
      // Without from/to the local answers cover the local span, and the UTC toggle the UTC span.
      const [spend, utc, rows, utcRows] = await Promise.all([
        ask('/api/spend'),
        ask('/api/spend?tz=utc'),
        report(w, 'day', ['--tz', zone, '--from', '2026-03-03', '--to', localTo]),
        report(w, 'day', ['--from', '2026-03-03', '--to', '2026-03-10']),
      ]);
      expect(spend.filter).toMatchObject({ from: '2026-03-03', to: localTo });
      expect(spend.daily).toEqual(rows.map((r) => canon(r.cost_usd)));
      expect(utc.filter).toMatchObject({ from: '2026-03-03', to: '2026-03-10' });
      // Every instant of the data is in the local span once: the sums agree.
      expect(spend.total.usd).toBe(sum(utcRows.map((r) => r.cost_usd)));
      expect(utc.total.usd).toBe(spend.total.usd);
      expect((await ask('/api/breakdown')).total).toBe(spend.total.usd);
    } finally {
      await other.close();
    }
  });

  it('without a zone there is no local span', async () => {
    const utcDash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
    try {
      const meta = (await (await fetch(new URL('/api/meta', utcDash.url))).json()) as Json;
      expect(meta).toMatchObject({ timezone: 'UTC', localSpan: null, localToday: null, span: { from: '2026-03-03', to: '2026-03-10' } });
    } finally {
      await utcDash.close();
    }
  });
});

describe('query counts in a zone', () => {
  it('/api/breakdown: one parts query per split whatever the range’s edges (6 reads held, 8 mixed, 4 in UTC), the same answer as over HTTP', async () => {
    const wh = await openWarehouse(w.url, { readOnly: true });
    await wh.init();
    try {
      let n = 0;
      const query = wh.query.bind(wh);
      wh.query = ((sql: string, params?: unknown[]) => (n++, query(sql, params))) as typeof wh.query;
      const listWindows = wh.listWindows.bind(wh);
      wh.listWindows = () => (n++, listWindows());
      const ask = async (q: string, zone?: string) => {
        n = 0;
        const body = await handleApi('/api/breakdown', { wh, query: new URLSearchParams(q), today: TODAY, ...(zone ? { calendar: makeCalendar({ timezone: zone }) } : {}) });
        return { n, body: JSON.parse(JSON.stringify(body)) as Json };
      };
      const utc = await ask(RANGE);
      const mixed = await ask(RANGE, 'America/New_York');
      const held = await ask('from=2026-03-07&to=2026-03-09', 'America/New_York');
      expect(utc.n).toBe(4);
      expect(mixed.n).toBeLessThanOrEqual(8);
      expect(held.n).toBeLessThanOrEqual(6);
      expect(mixed.body).toEqual(await get(`/api/breakdown?${RANGE}`));
      expect(held.body).toEqual(await get('/api/breakdown?from=2026-03-07&to=2026-03-09'));
    } finally {
      await wh.close();
    }
  });
});
