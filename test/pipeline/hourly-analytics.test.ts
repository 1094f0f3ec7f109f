/** --analytics-bucket 1h: hourly analytics cost and usage (bucket_start), in 7-day windows, summing to the daily truth. */
import { Decimal } from 'decimal.js';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-03-20';
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ seed: 9, today: TODAY, org: 'small' });
});
afterAll(() => emu.close());

it('--analytics-bucket 1h stores hourly buckets whose daily sums equal the truth', async () => {
  const file = join(tempDir(), 'hourly-analytics.duckdb');
  const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY };
  const args = ['backfill', '--from', '2026-03-01', '--to', '2026-03-10', '--streams', 'analytics_cost,analytics_usage', '--analytics-bucket', '1h', '--warehouse', `duckdb:${file}`];
  const res = await runCli(args, env);
  expect(res.code, res.stderr).toBe(0);
  const windows = await queryWarehouse(file, "SELECT window_start AS s, window_end AS e FROM ingest_windows WHERE stream = 'analytics_cost' ORDER BY 1");
  expect(windows.map((w) => [w.s, w.e])).toEqual([['2026-03-01', '2026-03-07'], ['2026-03-08', '2026-03-10']]);
  const cost = await queryWarehouse(file, 'SELECT activity_date AS d, COUNT(DISTINCT bucket_start) AS hours, SUM(amount_cents) AS c FROM claude_cost_by_actor GROUP BY 1');
  const totals = await queryWarehouse(file, 'SELECT activity_date AS d, COUNT(*) AS n, SUM(amount_cents) AS c, SUM(output_tokens) AS o FROM claude_analytics_daily_totals GROUP BY 1');
  for (const day of eachDay('2026-03-01', '2026-03-10')) {
    const c = cost.find((r) => r.d === day);
    expect(Number(c?.hours ?? 0), day).toBeGreaterThan(1);
    expect(new Decimal(String(c?.c ?? '0')).eq(emu.truth.analytics.costCents(day)), day).toBe(true);
    const t = totals.find((r) => r.d === day);
    expect(Number(t?.n ?? 0), day).toBeGreaterThan(1);
    expect(new Decimal(String(t?.c ?? '0')).eq(emu.truth.analytics.costCents(day)), day).toBe(true);
    expect(Number(t?.o ?? 0), day).toBe(emu.truth.analytics.usage(day).output_tokens);
  }
  const bad = await runCli([...args.slice(0, -4), '--analytics-bucket', '5m', '--warehouse', `duckdb:${file}`], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--analytics-bucket 5m is not supported');
});
