/**
 * The analytics streams end to end: the real CLI against the emulator over loopback into a real
 * DuckDB file, every analytics table compared with the emulator's ground truth to the last digit
 * (per day, API key, actor, product), the 2026-01-01 floor, and an organization without the API.
 */
import { Decimal } from 'decimal.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-02-10';
const FROM = '2025-12-28';

let emu: Emulator;
let dir: string;
const env = (e: Emulator) => ({ ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: e.url, CLAUDE_INGEST_TODAY: TODAY });

beforeAll(async () => {
  emu = await startEmulator({ seed: 11, today: TODAY, org: 'small', historyDays: 60 });
  dir = tempDir();
});
afterAll(async () => {
  await emu?.close();
});

const eq = (got: unknown, want: string | undefined) => new Decimal(String(got ?? '0')).eq(want ?? '0');

/** The truth keys a provider-only federated actor by JSON.stringify(provider); we store canonical JSON (sorted keys). */
function canonicalActorKey(key: string): string {
  const [type, id] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
  return type === 'federated_actor' && id.startsWith('{') ? `${type}|${canonicalJson(JSON.parse(id))}` : key;
}

describe('analytics streams into DuckDB', () => {
  const file = () => join(dir, 'analytics.duckdb');

  it('every analytics table equals the ground truth per day, key, actor and product', async () => {
    const res = await runCli(['backfill', '--from', FROM, '--streams', 'cost,analytics_cost,analytics_usage', '--warehouse', `duckdb:${file()}`], env(emu));
    expect(res.stderr).not.toContain('"severity":"ERROR"');
    expect(res.code).toBe(0);
    const days = eachDay('2026-01-01', TODAY);
    const t = emu.truth.analytics;

    // The floor: nothing before 2026-01-01 in any analytics table, while the legacy stream has it.
    for (const table of ['claude_cost_by_key', 'claude_cost_by_actor', 'claude_usage_by_actor', 'claude_analytics_daily_totals']) {
      const [r] = await queryWarehouse(file(), `SELECT MIN(activity_date) AS d, COUNT(*) AS n FROM ${table}`);
      expect(Number(r!.n), table).toBeGreaterThan(0);
      expect(String(r!.d) >= '2026-01-01', table).toBe(true);
    }
    const [legacy] = await queryWarehouse(file(), 'SELECT MIN(activity_date) AS d FROM claude_costs');
    expect(legacy!.d).toBe(FROM);

    const totals = new Map((await queryWarehouse(file(), 'SELECT activity_date AS d, * FROM claude_analytics_daily_totals')).map((r) => [r.d, r]));
    const byKey = await queryWarehouse(file(), 'SELECT activity_date AS d, api_key_id AS k, SUM(amount_cents) AS c FROM claude_cost_by_key GROUP BY 1, 2');
    const byActor = await queryWarehouse(file(), "SELECT activity_date AS d, actor_type || '|' || actor_id AS a, SUM(amount_cents) AS c FROM claude_cost_by_actor GROUP BY 1, 2");
    const byProduct = await queryWarehouse(file(), 'SELECT activity_date AS d, product AS p, SUM(amount_cents) AS c FROM claude_cost_by_actor GROUP BY 1, 2');
    const usage = await queryWarehouse(
      file(),
      `SELECT activity_date AS d, actor_type || '|' || actor_id AS a, SUM(uncached_input_tokens) AS i, SUM(output_tokens) AS o, SUM(cache_read_input_tokens) AS r,
              SUM(cache_creation_5m_input_tokens) AS c5, SUM(cache_creation_1h_input_tokens) AS c1, SUM(web_search_requests) AS w FROM claude_usage_by_actor GROUP BY 1, 2`,
    );
    let compared = 0;
    for (const day of days) {
      const tot = totals.get(day);
      expect(eq(tot?.amount_cents, t.costCents(day)), `total ${day}`).toBe(true);
      expect(eq(tot?.list_amount_cents, t.listCostCents(day)), `list total ${day}`).toBe(true);
      const u = t.usage(day);
      expect([tot?.uncached_input_tokens ?? 0, tot?.output_tokens ?? 0, tot?.total_tokens ?? 0, tot?.requests ?? 0], `usage total ${day}`).toEqual([u.uncached_input_tokens, u.output_tokens, u.total_tokens, u.requests]);

      const wantKeys = t.costCentsByApiKey(day);
      const gotKeys = byKey.filter((r) => r.d === day);
      expect(gotKeys.length, `keys ${day}`).toBe(wantKeys.size);
      for (const [k, c] of wantKeys) expect(eq(gotKeys.find((r) => r.k === k)?.c, c), `cost ${day} key ${k}`).toBe(true);

      const wantActors = new Map([...t.costCentsByActor(day)].map(([k, v]) => [canonicalActorKey(k), v]));
      const gotActors = byActor.filter((r) => r.d === day);
      expect(gotActors.length, `actors ${day}`).toBe(wantActors.size);
      for (const [a, c] of wantActors) expect(eq(gotActors.find((r) => r.a === a)?.c, c), `cost ${day} actor ${a}`).toBe(true);

      const wantProducts = t.costCentsByProduct(day);
      const gotProducts = byProduct.filter((r) => r.d === day);
      expect(gotProducts.length, `products ${day}`).toBe(wantProducts.size);
      for (const [p, c] of wantProducts) expect(eq(gotProducts.find((r) => r.p === p)?.c, c), `cost ${day} product ${p}`).toBe(true);

      const wantUsage = new Map([...t.usageByActor(day)].map(([k, v]) => [canonicalActorKey(k), v]));
      const gotUsage = usage.filter((r) => r.d === day);
      expect(gotUsage.length, `usage actors ${day}`).toBe(wantUsage.size);
      for (const [a, w] of wantUsage) {
        const g = gotUsage.find((r) => r.a === a);
        expect([g?.i, g?.o, g?.r, g?.c5, g?.c1, g?.w], `usage ${day} actor ${a}`).toEqual([
          w.uncached_input_tokens,
          w.output_tokens,
          w.cache_read_input_tokens,
          w.cache_creation_5m_input_tokens,
          w.cache_creation_1h_input_tokens,
          w.web_search_requests,
        ]);
      }
      compared += wantKeys.size + wantActors.size + wantProducts.size + wantUsage.size;
    }
    expect(compared).toBeGreaterThan(100);

    // Every actor type of the contract is present with an id.
    const types = await queryWarehouse(file(), 'SELECT DISTINCT actor_type AS t FROM claude_cost_by_actor WHERE actor_id IS NOT NULL ORDER BY 1');
    expect(types.map((r) => r.t)).toEqual(['api_actor', 'federated_actor', 'service_account_actor', 'user_actor']);
  });

  it('an organization without the Analytics API: one WARNING, exit 0, ledger and status say unavailable, legacy data lands', async () => {
    const closed = await startEmulator({ seed: 11, today: TODAY, org: 'small', historyDays: 60, analyticsAvailable: 403 });
    try {
      const f = join(dir, 'closed.duckdb');
      const res = await runCli(['backfill', '--from', '2026-01-01', '--streams', 'cost,analytics_cost,analytics_usage', '--warehouse', `duckdb:${f}`, '--json'], env(closed));
      expect(res.code).toBe(0);
      const warnings = res.stderr.split('\n').filter((l) => l.includes('"WARNING"') && l.includes('Analytics API'));
      expect(warnings.length).toBe(2); // one per stream, not one per window
      const ledger = await queryWarehouse(f, "SELECT stream, status FROM ingest_windows WHERE stream LIKE 'analytics_%'");
      expect(ledger.length).toBeGreaterThan(0);
      expect(ledger.every((r) => r.status === 'unavailable')).toBe(true);
      const [cost] = await queryWarehouse(f, 'SELECT COUNT(*) AS n FROM claude_costs');
      expect(Number(cost!.n)).toBeGreaterThan(0);
      const status = await runCli(['status', '--warehouse', `duckdb:${f}`, '--json'], env(closed));
      const streams = JSON.parse(status.stdout).streams as Array<{ stream: string; unavailable: unknown; missingDays: string[] }>;
      const a = streams.find((s) => s.stream === 'analytics_cost')!;
      expect(a.unavailable).not.toBeNull();
      expect(a.missingDays).toEqual([]);
      // validate: neither a gap nor staleness for a stream the organization cannot read.
      const v = await runCli(['validate', '--json', '--warehouse', `duckdb:${f}`, '--from', '2026-01-01', '--to', '2026-02-09'], env(closed));
      const results = (JSON.parse(v.stdout) as { results: Array<{ id: string; status: string; detail: string }> }).results;
      expect(results.find((r) => r.id === 'gaps')!.detail).not.toContain('analytics');
      expect(results.find((r) => r.id === 'freshness')!.detail).not.toContain('analytics');
      // The next run asks again (the days are not complete).
      const again = await runCli(['backfill', '--from', '2026-01-01', '--streams', 'analytics_cost', '--warehouse', `duckdb:${f}`, '--json'], env(closed));
      expect(again.code).toBe(0);
      const runs = await queryWarehouse(f, "SELECT COUNT(DISTINCT run_id) AS n FROM ingest_windows WHERE stream = 'analytics_cost' AND status = 'unavailable'");
      expect(Number(runs[0]!.n)).toBe(2);
    } finally {
      await closed.close();
    }
  });
});
