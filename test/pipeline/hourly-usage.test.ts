import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-06-20';
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ seed: 5, today: TODAY, org: 'small' });
});
afterAll(() => emu.close());

it('--usage-bucket 1h stores hourly buckets in 7-day windows whose sums equal the daily truth', async () => {
  const file = join(tempDir(), 'hourly.duckdb');
  const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY };
  const res = await runCli(['backfill', '--from', '2026-06-01', '--to', '2026-06-14', '--streams', 'usage', '--usage-bucket', '1h', '--warehouse', `duckdb:${file}`], env);
  expect(res.code).toBe(0);
  // Two 7-day windows, each a grouped and an ungrouped request of 168 hourly buckets.
  expect(emu.stats().byEndpoint['usage_report/messages']).toBe(4);
  const rows = await queryWarehouse(file, `SELECT activity_date AS d, COUNT(DISTINCT bucket_start) AS hours, SUM(output_tokens) AS o, SUM(uncached_input_tokens) AS i FROM claude_usage_keys GROUP BY 1 ORDER BY 1`);
  const totals = await queryWarehouse(file, `SELECT COUNT(*) AS n FROM claude_usage_daily_totals`);
  expect(totals[0]!.n).toBeGreaterThan(14);
  for (const day of eachDay('2026-06-01', '2026-06-14')) {
    const r = rows.find((x) => x.d === day);
    expect(Number(r?.hours ?? 0)).toBeGreaterThan(1);
    expect([r?.o ?? 0, r?.i ?? 0], day).toEqual([emu.truth.tokens(day).output_tokens, emu.truth.tokens(day).uncached_input_tokens]);
  }
  const bad = await runCli(['backfill', '--from', '2026-06-01', '--usage-bucket', '5m', '--warehouse', `duckdb:${file}`], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--usage-bucket 5m is not supported');
});

it('backfill --usage-bucket 1h reads again the days held as daily buckets, and only those, and then they are hours', async () => {
  const file = join(tempDir(), 'daily-then-hourly.duckdb');
  const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY };
  const backfill = (from: string, to: string, ...more: string[]) => runCli(['backfill', '--from', from, '--to', to, '--streams', 'usage', ...more, '--warehouse', `duckdb:${file}`], env);
  const hoursOf = async () =>
    new Map((await queryWarehouse(file, `SELECT activity_date AS d, COUNT(DISTINCT bucket_start) AS h FROM claude_usage_keys GROUP BY 1`)).map((r) => [String(r.d), Number(r.h)]));
  expect((await backfill('2026-06-01', '2026-06-07')).code).toBe(0);
  expect((await backfill('2026-06-08', '2026-06-14', '--usage-bucket', '1h')).code).toBe(0);
  const before = await hoursOf();
  expect(before.get('2026-06-03')).toBe(1); // a daily bucket: one bucket_start
  expect(before.get('2026-06-10')).toBeGreaterThan(1);
  const requests = emu.stats().byEndpoint['usage_report/messages']!;
  // The first week is held daily, the second hourly: only the first is read again, hourly.
  const again = await backfill('2026-06-01', '2026-06-14', '--usage-bucket', '1h', '--json');
  expect(again.code).toBe(0);
  expect(emu.stats().byEndpoint['usage_report/messages']! - requests).toBe(2);
  const after = await hoursOf();
  for (const day of eachDay('2026-06-01', '2026-06-14')) {
    expect(after.get(day), day).toBeGreaterThan(1);
    const sums = await queryWarehouse(file, `SELECT SUM(output_tokens) AS o FROM claude_usage_keys WHERE activity_date = DATE '${day}'`);
    expect(sums[0]!.o, day).toBe(emu.truth.tokens(day).output_tokens);
  }
  // Held hourly now: nothing is read again, and a daily backfill never re-reads hours it holds.
  const settled = emu.stats().byEndpoint['usage_report/messages']!;
  expect((await backfill('2026-06-01', '2026-06-14', '--usage-bucket', '1h')).code).toBe(0);
  expect((await backfill('2026-06-01', '2026-06-14')).code).toBe(0);
  expect(emu.stats().byEndpoint['usage_report/messages']).toBe(settled);
});
