/**
 * Token usage in local days (issue 27: "Token usage uses usage_report's hourly buckets where they
 * exist"), through the real CLI against warehouses backfilled from the emulator with
 * `--usage-bucket 1h`. Each expectation sums claude_usage_keys over literal UTC instants written out
 * here, not computed by the code under test: 23- and 25-hour days in America/New_York and
 * Europe/Berlin, the date line (Pacific/Auckland), half-hour and 45-minute zones (each hour on the
 * day it starts in), and days read with daily buckets, which stay UTC days, labelled, never split.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

type Row = Record<string, string | number | null>;
type Doc = { title: string; columns: string[]; rows: Row[] };

const dir = tempDir('ci-tz-tokens-');
const NY = join(dir, 'ny.yaml');
writeFileSync(NY, 'timezone: America/New_York\n');
const HOURLY = ['--config', NY, '--streams', 'cost,org,usage,analytics_cost_hourly', '--usage-bucket', '1h'];

/** Σ input (uncached) and output tokens with bucket_start in [from, to). */
async function tokensIn(file: string, from: string, to: string): Promise<{ input: number; output: number }> {
  const r = await queryWarehouse(file, `SELECT COALESCE(SUM(uncached_input_tokens), 0) AS i, COALESCE(SUM(output_tokens), 0) AS o FROM claude_usage_keys WHERE bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}'`);
  return { input: Number(r[0]!.i), output: Number(r[0]!.o) };
}

const BILLED = `(product IS NULL OR product IN ('messages_api', 'message_batches_api', 'managed_agents_api', 'claude_console') OR (product = 'claude_code' AND workspace_id IS NOT NULL))`;
async function hoursUsd(file: string, from: string, to: string): Promise<Decimal> {
  const r = await queryWarehouse(file, `SELECT CAST(COALESCE(SUM(amount_usd), 0) AS VARCHAR) AS usd FROM claude_cost_hourly WHERE ${BILLED} AND bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}'`);
  return new Decimal(String(r[0]!.usd));
}

async function report(w: FilledWarehouse, args: string[]): Promise<Doc> {
  const res = await w.cli(['report', '--format', 'json', ...args]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Doc;
}
const tok = (r: Row | undefined) => ({ input: Number(r?.uncached_input_tokens), output: Number(r?.output_tokens) });
const total = (rows: Row[]) => rows.reduce<{ input: number; output: number }>((s, r) => ({ input: s.input + Number(r.uncached_input_tokens), output: s.output + Number(r.output_tokens) }), { input: 0, output: 0 });
const day = (doc: Doc, d: string) => doc.rows.find((r) => r.day === d);

describe('tokens in local days from hourly usage (March 2026: both spring transitions)', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: '2026-04-01', from: '2026-03-05', to: '2026-03-31', seed: 27, args: HOURLY });
    // Two days read again with daily buckets: their hours are replaced by one row a day.
    const again = await w.cli(['backfill', '--from', '2026-03-05', '--to', '2026-03-06', '--streams', 'usage', '--refresh', '--config', NY]);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('the warehouse really holds hours for the hourly days and one midnight row for the re-read days', async () => {
    const rows = await queryWarehouse(w.file, `SELECT CAST(activity_date AS VARCHAR) AS d, COUNT(DISTINCT bucket_start) AS n FROM claude_usage_keys GROUP BY 1 ORDER BY 1`);
    const n = Object.fromEntries(rows.map((r) => [String(r.d), Number(r.n)]));
    expect(n['2026-03-05']).toBe(1);
    expect(n['2026-03-06']).toBe(1);
    expect(n['2026-03-10']).toBeGreaterThan(1);
  });

  it('status says which days hold hourly usage and that a zone does not add it', async () => {
    const res = await w.cli(['status', '--config', NY, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout) as { calendar: { hourly_usage_days: unknown; tokens_note: string } };
    expect(s.calendar.hourly_usage_days).toEqual({ first: '2026-03-07', last: '2026-03-31', days: 25 });
    const text = await w.cli(['status', '--config', NY]);
    expect(text.stdout).toContain('Token usage: hourly for 25 days from 2026-03-07 to 2026-03-31 (read with --usage-bucket 1h), so tokens are in local days there; other days are UTC days');
  });

  it('America/New_York: 2026-03-08 has 23 hours of tokens; each local day is the sum of its hours', async () => {
    const doc = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-03-07', '--to', '2026-03-30']);
    expect(doc.columns).toEqual(['day', 'cost_usd', 'day_basis', 'uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens', 'output_tokens', 'web_search_requests', 'tokens_day_basis']);
    expect(tok(day(doc, '2026-03-07'))).toEqual(await tokensIn(w.file, '2026-03-07 05:00:00', '2026-03-08 05:00:00'));
    expect(tok(day(doc, '2026-03-08'))).toEqual(await tokensIn(w.file, '2026-03-08 05:00:00', '2026-03-09 04:00:00'));
    expect(tok(day(doc, '2026-03-09'))).toEqual(await tokensIn(w.file, '2026-03-09 04:00:00', '2026-03-10 04:00:00'));
    expect(doc.rows.every((r) => r.tokens_day_basis === 'local')).toBe(true);
    expect(total(doc.rows)).toEqual(await tokensIn(w.file, '2026-03-07 05:00:00', '2026-03-31 04:00:00'));
    // Not a UTC report in disguise: the 23-hour day differs from its UTC day.
    expect(tok(day(doc, '2026-03-08'))).not.toEqual(await tokensIn(w.file, '2026-03-08 00:00:00', '2026-03-09 00:00:00'));
  });

  it('Europe/Berlin: 2026-03-29 has 23 hours of tokens', async () => {
    const doc = await report(w, ['--by', 'day', '--tz', 'Europe/Berlin', '--from', '2026-03-28', '--to', '2026-03-30']);
    expect(tok(day(doc, '2026-03-29'))).toEqual(await tokensIn(w.file, '2026-03-28 23:00:00', '2026-03-29 22:00:00'));
    expect(tok(day(doc, '2026-03-30'))).toEqual(await tokensIn(w.file, '2026-03-29 22:00:00', '2026-03-30 22:00:00'));
  });

  it('Pacific/Auckland (across the date line): local sums equal the UTC sums over the same instants', async () => {
    const doc = await report(w, ['--by', 'day', '--tz', 'Pacific/Auckland', '--from', '2026-03-10', '--to', '2026-03-20']);
    // NZDT (+13): 2026-03-10 local starts 2026-03-09T11:00Z.
    expect(tok(day(doc, '2026-03-10'))).toEqual(await tokensIn(w.file, '2026-03-09 11:00:00', '2026-03-10 11:00:00'));
    expect(total(doc.rows)).toEqual(await tokensIn(w.file, '2026-03-09 11:00:00', '2026-03-20 11:00:00'));
    const utc = await report(w, ['--by', 'quarter', '--tz', 'UTC', '--from', '2026-03-07', '--to', '2026-03-31']);
    expect(total(utc.rows)).toEqual(await tokensIn(w.file, '2026-03-07 00:00:00', '2026-04-01 00:00:00'));
  });

  it.each([
    ['Asia/Kolkata', '+05:30', 19],
    ['Asia/Kathmandu', '+05:45', 19],
    ['Australia/Eucla', '+08:45', 16],
  ])('%s (%s): each hour counts on the local day it starts in, labelled "local, by hour start", at the day edge', async (zone, _offset, firstHour) => {
    const doc = await report(w, ['--by', 'day', '--tz', zone, '--from', '2026-03-10', '--to', '2026-03-11']);
    expect(doc.rows.map((r) => [r.day_basis, r.tokens_day_basis])).toEqual([
      ['local, by hour start', 'local, by hour start'],
      ['local, by hour start', 'local, by hour start'],
    ]);
    // 2026-03-10 begins 18:30Z (18:15Z in Kathmandu, 15:15Z in Eucla) on the 9th: the hour from 18:00Z
    // (15:00Z) starts on the 9th local, so the first hour counted is 19:00Z (16:00Z); the day's last hour
    // is the one from 18:00Z (15:00Z) on the 10th.
    const h = `${firstHour}:00:00`;
    expect(tok(day(doc, '2026-03-10'))).toEqual(await tokensIn(w.file, `2026-03-09 ${h}`, `2026-03-10 ${h}`));
    expect(tok(day(doc, '2026-03-11'))).toEqual(await tokensIn(w.file, `2026-03-10 ${h}`, `2026-03-11 ${h}`));
    // Cost follows the same rule.
    expect(new Decimal(String(day(doc, '2026-03-10')!.cost_usd)).eq(await hoursUsd(w.file, `2026-03-09 ${h}`, `2026-03-10 ${h}`))).toBe(true);
  });

  it('days read with daily buckets stay UTC days, never shifted or split, while cost on them is local', async () => {
    const doc = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-03-05', '--to', '2026-03-07']);
    expect(doc.rows.map((r) => [r.day, r.day_basis, r.tokens_day_basis])).toEqual([
      ['2026-03-05', 'local', 'UTC days'],
      // Local 03-06 ends 03-07T05:00Z: its held hours, with the UTC day 03-06 whole under the same date.
      ['2026-03-06', 'local', 'mixed'],
      ['2026-03-07', 'local', 'local'],
    ]);
    expect(tok(day(doc, '2026-03-05'))).toEqual(await tokensIn(w.file, '2026-03-05 00:00:00', '2026-03-06 00:00:00'));
    // Every instant once: UTC days 03-05 and 03-06 whole, then the hours to the end of local 03-07.
    expect(total(doc.rows)).toEqual(await tokensIn(w.file, '2026-03-05 00:00:00', '2026-03-08 05:00:00'));
    const csv = await w.cli(['report', '--by', 'day', '--config', NY, '--from', '2026-03-05', '--to', '2026-03-05', '--format', 'csv']);
    expect(csv.stdout.split('\n')[1]).toMatch(/^2026-03-05,.*,UTC days$/);
  });

  it('weeks and months sum the same local days', async () => {
    const days = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    const weeks = await report(w, ['--by', 'week', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    const month = await report(w, ['--by', 'month', '--config', NY, '--from', '2026-03-08', '--to', '2026-03-28']);
    expect(total(weeks.rows)).toEqual(total(days.rows));
    expect(total(month.rows)).toEqual(total(days.rows));
    expect(month.rows[0]!.tokens_day_basis).toBe('local');
  });
});

describe('tokens on the autumn transitions: 25-hour days', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: '2026-11-04', from: '2026-10-23', to: '2026-11-03', seed: 30, args: HOURLY });
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('America/New_York 2026-11-01 and Europe/Berlin 2026-10-25 have 25 hours of tokens', async () => {
    const ny = await report(w, ['--by', 'day', '--config', NY, '--from', '2026-10-31', '--to', '2026-11-02']);
    expect(tok(day(ny, '2026-11-01'))).toEqual(await tokensIn(w.file, '2026-11-01 04:00:00', '2026-11-02 05:00:00'));
    const berlin = await report(w, ['--by', 'day', '--tz', 'Europe/Berlin', '--from', '2026-10-24', '--to', '2026-10-26']);
    expect(tok(day(berlin, '2026-10-25'))).toEqual(await tokensIn(w.file, '2026-10-24 22:00:00', '2026-10-25 23:00:00'));
    expect(total(berlin.rows)).toEqual(await tokensIn(w.file, '2026-10-23 22:00:00', '2026-10-26 23:00:00'));
    expect([...ny.rows, ...berlin.rows].every((r) => r.tokens_day_basis === 'local')).toBe(true);
  });
});
