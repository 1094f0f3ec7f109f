/**
 * The dashboard's Analytics product chart in local days, and the local figures with two organizations
 * in one warehouse (issue 27), over loopback against warehouses backfilled from the emulator through
 * the real CLI. Each local figure is checked against sums over literal UTC instants read straight from
 * claude_cost_hourly (23-hour days: America/New_York 2026-03-08, Europe/Berlin 2026-03-29; a half-hour
 * zone, Asia/Kolkata; one across the date line, Pacific/Auckland), and against `report --tz` where the
 * CLI has the report. Cost per key and per person have no hours and stay UTC days.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { CODE_EXECUTION } from '../../src/reports/analytics-queries.js';
import type { IsoDay } from '../../src/util/dates.js';
import { makeCalendar } from '../../src/util/calendar.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { twoOrganizations, type TwoOrganizations } from '../helpers/two-organizations.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { canon, report, sum, type Json } from './helpers.js';

const TODAY = '2026-04-01' as IsoDay;
const BILLED = `(product IS NULL OR product IN ('messages_api', 'message_batches_api', 'managed_agents_api', 'claude_console') OR (product = 'claude_code' AND workspace_id IS NOT NULL))`;

/** Per product (as the chart names them), exact dollars of claude_cost_hourly's hours starting in [from, to) (UTC instants). */
async function hoursByProduct(file: string, from: string, to: string, where = 'TRUE'): Promise<Map<string, string>> {
  const rows = await queryWarehouse(
    file,
    `SELECT COALESCE(product, '${CODE_EXECUTION}') AS product, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_cost_hourly
      WHERE bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}' AND ${where} GROUP BY 1`,
  );
  return new Map(rows.filter((r) => !new Decimal(String(r.usd)).isZero()).map((r) => [String(r.product), canon(String(r.usd))]));
}

async function hourCount(file: string, from: string, to: string): Promise<number> {
  const r = await queryWarehouse(file, `SELECT COUNT(DISTINCT bucket_start) AS n FROM claude_cost_hourly WHERE bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}'`);
  return Number(r[0]!.n);
}

const nonZero = (m: Map<string, string>) => new Map([...m].filter(([, v]) => v !== '0'));

interface ProductChartCase {
  zone: string;
  day: string;
  /** The local day's first and last-plus-one instants (UTC), and its hours. */
  dayAt: string[];
  hours: number;
  /** The local range's instants (UTC). */
  rangeAt: string[];
  basis: string;
}

/**
 * One season's warehouse: cost_report and the Analytics API's daily tables over `fill`, hours only
 * from `hoursFrom`; `range` is the local range each case is judged over.
 */
interface Season {
  name: string;
  today: IsoDay;
  fill: [string, string];
  hoursFrom: string;
  range: [string, string];
  cases: ProductChartCase[];
}

const SPRING: Season = {
  name: 'spring',
  today: TODAY,
  fill: ['2026-03-03', '2026-03-31'],
  hoursFrom: '2026-03-06',
  range: ['2026-03-07', '2026-03-30'],
  // A local day with its literal UTC instants (and its hours), and the local range 03-07..03-30's instants.
  cases: [
    { zone: 'America/New_York', day: '2026-03-08', dayAt: ['2026-03-08 05:00:00', '2026-03-09 04:00:00'], hours: 23, rangeAt: ['2026-03-07 05:00:00', '2026-03-31 04:00:00'], basis: 'local' },
    { zone: 'Europe/Berlin', day: '2026-03-29', dayAt: ['2026-03-28 23:00:00', '2026-03-29 22:00:00'], hours: 23, rangeAt: ['2026-03-06 23:00:00', '2026-03-30 22:00:00'], basis: 'local' },
    // An hour counts on the local day it starts in: 19:00Z (00:30 IST) is the first hour of local 03-10.
    { zone: 'Asia/Kolkata', day: '2026-03-10', dayAt: ['2026-03-09 18:30:00', '2026-03-10 18:30:00'], hours: 24, rangeAt: ['2026-03-06 18:30:00', '2026-03-30 18:30:00'], basis: 'local, by hour start' },
    { zone: 'Pacific/Auckland', day: '2026-03-10', dayAt: ['2026-03-09 11:00:00', '2026-03-10 11:00:00'], hours: 24, rangeAt: ['2026-03-06 11:00:00', '2026-03-30 11:00:00'], basis: 'local' },
  ],
};

// The 25-hour days: New York leaves daylight time at 06:00Z on 2026-11-01, Berlin at 01:00Z on 2026-10-25.
const AUTUMN: Season = {
  name: 'autumn',
  today: '2026-11-10' as IsoDay,
  fill: ['2026-10-20', '2026-11-08'],
  hoursFrom: '2026-10-23',
  range: ['2026-10-24', '2026-11-07'],
  cases: [
    { zone: 'America/New_York', day: '2026-11-01', dayAt: ['2026-11-01 04:00:00', '2026-11-02 05:00:00'], hours: 25, rangeAt: ['2026-10-24 04:00:00', '2026-11-08 05:00:00'], basis: 'local' },
    { zone: 'Europe/Berlin', day: '2026-10-25', dayAt: ['2026-10-24 22:00:00', '2026-10-25 23:00:00'], hours: 25, rangeAt: ['2026-10-23 22:00:00', '2026-11-07 23:00:00'], basis: 'local' },
  ],
};

for (const season of [SPRING, AUTUMN]) describeProductChart(season);

function describeProductChart(season: Season): void {
describe(`the Analytics product chart in local days (${season.name})`, () => {
  let w: FilledWarehouse;
  const dashes = new Map<string, Dashboard>();
  beforeAll(async () => {
    w = await fillWarehouse({ today: season.today, from: season.fill[0], to: season.fill[1], seed: 13, name: `tz-sections-${season.name}.duckdb`, args: ['--streams', 'cost,org,analytics_cost'] });
    const hourly = await w.cli(['backfill', '--from', season.hoursFrom, '--to', season.fill[1], '--streams', 'analytics_cost_hourly']);
    expect(hourly.code, hourly.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    for (const d of dashes.values()) await d.close();
    await w?.close();
  });

  async function get(zone: string, path: string): Promise<Json> {
    let d = dashes.get(zone);
    if (!d) dashes.set(zone, (d = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => season.today, log: () => {}, warmIntervalMs: 0, calendar: makeCalendar({ timezone: zone }) })));
    const res = await fetch(new URL(path, d.url));
    expect(res.status, path).toBe(200);
    return res.json();
  }

  it.each(season.cases)('$zone: each product on the local day equals its hours; the range equals the same instants; keys and people stay UTC days', async (c) => {
    const RANGE = `from=${season.range[0]}&to=${season.range[1]}`;
    const [a, utc] = await Promise.all([get(c.zone, `/api/analytics?${RANGE}`), get(c.zone, `/api/analytics?${RANGE}&tz=utc`)]);
    expect(a.timezone).toBe(makeCalendar({ timezone: c.zone }).timeZone);
    expect(a.basis).toBe(c.basis);
    expect(new Set(a.day_basis)).toEqual(new Set([c.basis]));
    // The day (23 hours at a spring transition, 25 in autumn), product by product, from literal instants.
    expect((Date.parse(`${c.dayAt[1]}Z`) - Date.parse(`${c.dayAt[0]}Z`)) / 3_600_000).toBe(c.hours);
    expect(await hourCount(w.file, c.dayAt[0]!, c.dayAt[1]!)).toBeGreaterThan(0);
    const i = a.days.indexOf(c.day);
    const onDay = nonZero(new Map(a.products.map((p: Json) => [p.key, p.usd[i]])));
    expect(onDay).toEqual(await hoursByProduct(w.file, c.dayAt[0]!, c.dayAt[1]!));
    expect(onDay.size).toBeGreaterThan(0);
    // Local days over the range add up to the hours of the same instants, per product and in total.
    const want = await hoursByProduct(w.file, c.rangeAt[0]!, c.rangeAt[1]!);
    expect(nonZero(new Map(a.products.map((p: Json) => [p.key, p.total])))).toEqual(want);
    expect(a.total).toBe(sum([...want.values()]));
    a.products.forEach((p: Json) => expect(sum(p.usd)).toBe(p.total));
    // Per key and per person there are no hours: the same UTC-day tables with or without the toggle.
    expect(a.keys).toEqual(utc.keys);
    expect(a.people).toEqual(utc.people);
    expect(utc).toMatchObject({ timezone: null, day_basis: null, basis: null });
    // The spend chart at the same days equals report --by day --tz (Berlin's 23-hour day included).
    const [spend, rows] = await Promise.all([get(c.zone, `/api/spend?${RANGE}`), report(w, 'day', ['--tz', c.zone, '--from', season.range[0], '--to', season.range[1]])]);
    expect(spend.daily).toEqual(rows.map((r) => canon(r.cost_usd)));
    const billed = await queryWarehouse(w.file, `SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_cost_hourly WHERE ${BILLED} AND bucket_start >= TIMESTAMP '${c.rangeAt[0]}' AND bucket_start < TIMESTAMP '${c.rangeAt[1]}'`);
    expect(spend.total.usd).toBe(canon(String(billed[0]!.usd)));
  });

  it.runIf(season === SPRING)('UTC days without hours stay under their own date, as the UTC chart has them; the edge day is mixed', async () => {
    const [a, utc] = await Promise.all([get('America/New_York', '/api/analytics?from=2026-03-03&to=2026-03-06'), get('America/New_York', '/api/analytics?from=2026-03-03&to=2026-03-06&tz=utc')]);
    // Local 03-05 ends at 05:00Z on held 03-06; local 03-06 lies in held 03-06 and 03-07.
    expect(a.day_basis).toEqual(['UTC days', 'UTC days', 'mixed', 'local']);
    expect(a.basis).toBe('mixed');
    const cells = (x: Json, i: number) => nonZero(new Map(x.products.map((p: Json) => [p.key, p.usd[i]])));
    for (const i of [0, 1]) expect(cells(a, i)).toEqual(cells(utc, i));
    // Local 03-05: UTC 03-05 whole (no hours) plus the hours 00:00–05:00Z of 03-06.
    const early = await hoursByProduct(w.file, '2026-03-06 00:00:00', '2026-03-06 05:00:00');
    const keys = new Set([...cells(utc, 2).keys(), ...early.keys()]);
    expect(cells(a, 2)).toEqual(nonZero(new Map([...keys].map((k) => [k, sum([cells(utc, 2).get(k), early.get(k)])]))));
  });
});
}

const TOKENS = ['uncached_input_tokens', 'cache_read_input_tokens', 'output_tokens'] as const;
const tokenTotals = (rows: Json[]) => Object.fromEntries(TOKENS.map((c) => [c, rows.reduce((a, r) => a + Number(r[c]), 0)]));

/** Every key's tokens on the dashboard add up to report --by day --tz's over the same local days, and to the hours of the same instants (`at`) where every UTC day is held hourly. */
async function expectKeyTokens(w: FilledWarehouse, today: IsoDay, zone: string, from: string, to: string, basis: string, at: readonly string[] | null): Promise<void> {
  const d = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => today, log: () => {}, warmIntervalMs: 0, calendar: makeCalendar({ timezone: zone }) });
  try {
    const ask = async (path: string): Promise<Json> => (await fetch(new URL(path, d.url))).json();
    const [keys, all, utc, rows] = await Promise.all([
      ask(`/api/keys?from=${from}&to=${to}`),
      ask(`/api/rows?table=keys&from=${from}&to=${to}&limit=500`),
      ask(`/api/keys?from=${from}&to=${to}&tz=utc`),
      report(w, 'day', ['--tz', zone, '--from', from, '--to', to]),
    ]);
    expect(keys.timezone).toBe(makeCalendar({ timezone: zone }).timeZone);
    expect(keys.day_basis).toBe(basis);
    // A page of the long table says the same of its days as the section it continues.
    expect(all).toMatchObject({ table: 'keys', timezone: keys.timezone, day_basis: basis });
    expect(rows.map((r) => r.tokens_day_basis).reduce((a, b) => (a === b ? a : 'mixed'))).toBe(basis === 'mixed' ? 'mixed' : basis);
    const want = tokenTotals(rows);
    expect(tokenTotals(all.rows)).toEqual(want);
    expect(keys.totals.output_tokens).toBe(want.output_tokens);
    expect(keys.totals.cache_read_input_tokens).toBe(want.cache_read_input_tokens);
    expect(want.output_tokens).toBeGreaterThan(0);
    if (at) {
      const r = await queryWarehouse(w.file, `SELECT SUM(output_tokens) AS n FROM claude_usage_keys WHERE bucket_start >= TIMESTAMP '${at[0]}' AND bucket_start < TIMESTAMP '${at[1]}'`);
      expect(keys.totals.output_tokens).toBe(Number(r[0]!.n));
    }
    // tz=utc: the UTC days of report --by api_key.
    const utcRows = await report(w, 'api_key', ['--from', from, '--to', to]);
    expect(utc).toMatchObject({ timezone: null, day_basis: null });
    expect(utc.totals.output_tokens).toBe(utcRows.reduce((a, r) => a + Number(r.output_tokens), 0));
  } finally {
    await d.close();
  }
}

describe('tokens by API key in local days', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    // Usage read daily for 03-03..03-05 and hourly (--usage-bucket 1h) from 03-06: the ledger says which.
    w = await fillWarehouse({ today: TODAY, from: '2026-03-03', to: '2026-03-05', seed: 17, name: 'tz-keys.duckdb', args: ['--streams', 'cost,org,usage'] });
    const hourly = await w.cli(['backfill', '--from', '2026-03-06', '--to', '2026-03-12', '--streams', 'cost,usage', '--usage-bucket', '1h']);
    expect(hourly.code, hourly.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  it.each([
    ['America/New_York', '2026-03-07', '2026-03-10', 'local', ['2026-03-07 05:00:00', '2026-03-11 04:00:00']],
    ['Asia/Kolkata', '2026-03-07', '2026-03-10', 'local, by hour start', ['2026-03-06 18:30:00', '2026-03-10 18:30:00']],
    ['Pacific/Auckland', '2026-03-07', '2026-03-10', 'local', ['2026-03-06 11:00:00', '2026-03-10 11:00:00']],
    ['America/New_York', '2026-03-03', '2026-03-08', 'mixed', null],
  ] as const)('%s %s..%s: every key’s tokens add up to report --by day --tz’s tokens over the same local days (%s)', (zone, from, to, basis, at) => expectKeyTokens(w, TODAY, zone, from, to, basis, at));
});

describe('tokens by API key in local days across the autumn transitions (25-hour days)', () => {
  const today = '2026-11-10' as IsoDay;
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today, from: '2026-10-22', to: '2026-11-03', seed: 19, name: 'tz-keys-autumn.duckdb', args: ['--streams', 'cost,org,usage', '--usage-bucket', '1h'] });
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  it.each([
    // New York's 2026-11-01 runs 04:00Z..05:00Z the next day; Berlin's 2026-10-25 22:00Z..23:00Z.
    ['America/New_York', '2026-10-31', '2026-11-01', 'local', ['2026-10-31 04:00:00', '2026-11-02 05:00:00']],
    ['Europe/Berlin', '2026-10-24', '2026-10-25', 'local', ['2026-10-23 22:00:00', '2026-10-25 23:00:00']],
  ] as const)('%s %s..%s: every key’s tokens add up to report --by day --tz’s and to the hours of the same instants', (zone, from, to, basis, at) => expectKeyTokens(w, today, zone, from, to, basis, at));
});

describe('local figures with two organizations in one warehouse (America/New_York)', () => {
  let w: TwoOrganizations;
  let dash: Dashboard;
  beforeAll(async () => {
    w = await twoOrganizations({ today: '2026-03-15', from: '2026-03-05', config: 'timezone: America/New_York', args: ['--streams', 'cost,org,analytics_cost,analytics_cost_hourly'] });
    dash = await startDashboard({ warehouseUrl: `duckdb:${w.file}`, port: 0, today: () => '2026-03-15', log: () => {}, warmIntervalMs: 0, calendar: makeCalendar({ timezone: 'America/New_York' }) });
  }, 240_000);
  afterAll(async () => {
    await dash?.close();
    await w?.close();
  });
  const get = async (path: string): Promise<Json> => (await fetch(new URL(path, dash.url))).json();
  const reportOrg = async (org?: string) => {
    const res = await w.cli(['report', '--by', 'day', '--tz', 'America/New_York', '--from', '2026-03-06', '--to', '2026-03-13', '--format', 'json', ...(org ? ['--org', org] : [])]);
    expect(res.code, res.stderr).toBe(0);
    return (JSON.parse(res.stdout) as { rows: Json[] }).rows;
  };

  it('spend, breakdown and the product chart per organization equal report --tz --org and add up to the total, day by day', async () => {
    const R = 'from=2026-03-06&to=2026-03-13';
    const [all, a, b] = await Promise.all([get(`/api/spend?${R}`), get(`/api/spend?${R}&organization=${w.a}`), get(`/api/spend?${R}&organization=${w.b}`)]);
    const [rAll, rA, rB] = await Promise.all([reportOrg(), reportOrg(w.a), reportOrg(w.b)]);
    expect(a.daily).toEqual(rA.map((r) => canon(r.cost_usd)));
    expect(b.daily).toEqual(rB.map((r) => canon(r.cost_usd)));
    expect(all.daily).toEqual(rAll.map((r) => canon(r.cost_usd)));
    expect(all.day_basis).toEqual(rAll.map((r) => r.day_basis));
    all.daily.forEach((d: string, i: number) => expect(sum([a.daily[i], b.daily[i]])).toBe(d));
    expect(new Decimal(a.total.usd).isZero() || new Decimal(b.total.usd).isZero()).toBe(false);
    // The 23-hour day: the organizations' hours of 2026-03-08 05:00Z..03-09 04:00Z.
    const i = all.days.indexOf('2026-03-08');
    for (const [org, s] of [[w.a, a], [w.b, b]] as const) {
      const hours = await queryWarehouse(w.file, `SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_cost_hourly WHERE ${BILLED} AND organization_id = '${org}' AND bucket_start >= TIMESTAMP '2026-03-08 05:00:00' AND bucket_start < TIMESTAMP '2026-03-09 04:00:00'`);
      expect(s.daily[i]).toBe(canon(String(hours[0]!.usd)));
    }
    const [bAll, bA, bB] = await Promise.all([get(`/api/breakdown?${R}`), get(`/api/breakdown?${R}&organization=${w.a}`), get(`/api/breakdown?${R}&organization=${w.b}`)]);
    expect(bA.total).toBe(a.total.usd);
    expect(bB.total).toBe(b.total.usd);
    expect(bAll.total).toBe(sum([bA.total, bB.total]));
    const [pAll, pA, pB] = await Promise.all([get(`/api/analytics?${R}`), get(`/api/analytics?${R}&organization=${w.a}`), get(`/api/analytics?${R}&organization=${w.b}`)]);
    expect(pAll.available).toBe(true);
    expect(pAll.basis).toBe('local');
    expect(pAll.total).toBe(sum([pA.total, pB.total]));
    for (const p of pAll.products) {
      const of = (x: Json) => x.products.find((q: Json) => q.key === p.key)?.usd ?? p.usd.map(() => '0');
      p.usd.forEach((v: string, d: number) => expect(sum([of(pA)[d], of(pB)[d]])).toBe(v));
    }
    const want = await hoursByProduct(w.file, '2026-03-06 05:00:00', '2026-03-14 04:00:00', `organization_id = '${w.a}'`);
    expect(nonZero(new Map(pA.products.map((p: Json) => [p.key, p.total])))).toEqual(want);
  });

  it('/api/rows: per key and per person the Analytics API has UTC days only, and a page in the zone says so, with the rows of tz=utc', async () => {
    const R = 'from=2026-03-06&to=2026-03-13&limit=500';
    for (const table of ['key-cost', 'people', 'users']) {
      const [local, utc] = await Promise.all([get(`/api/rows?table=${table}&${R}`), get(`/api/rows?table=${table}&${R}&tz=utc`)]);
      expect(local, table).toMatchObject({ table, timezone: 'America/New_York', day_basis: 'UTC days' });
      expect(utc, table).toMatchObject({ table, timezone: null, day_basis: null });
      expect(local.rows, table).toEqual(utc.rows);
      if (table !== 'users') expect(local.rows.length, table).toBeGreaterThan(0);
    }
  });

  it('meta: the local span covers both organizations', async () => {
    const meta = await get('/api/meta');
    expect(meta.organizations.map((o: Json) => o.id).sort()).toEqual([w.a, w.b].sort());
    // Hours are held for the first UTC day in both: its first hour is the evening before in New York.
    expect(meta.localSpan.from).toBe('2026-03-04');
    expect(meta.localSpan.to).toBe(meta.span.to);
  });
});
