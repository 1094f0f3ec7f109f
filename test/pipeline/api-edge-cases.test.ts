/**
 * The API's documented edge cases (issue 24), end to end: the real CLI against the emulator over
 * loopback into real DuckDB files.
 * - A workspace-limited reader (--hidden-actors): analytics rows with identical groups (null actors)
 *   are each stored with their ordinal, the sums equal the ground truth, validate exits 0 and still
 *   FAILs a planted true duplicate; reports show "(identity not visible to this key)".
 * - Pages refused as too large (--max-page-rows): the backfill halves its limits and is exact.
 * - organization_not_eligible: the analytics streams are unavailable (WARNING, exit 0).
 * - A read:analytics key: the analytics streams run, the others are named once as unreadable.
 * - too_many_report_groups on one day: one line naming the day and the endpoint, the window failed,
 *   the run goes on.
 */
import { Decimal } from 'decimal.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/check.js';
import { EMULATOR_ADMIN_KEY, startEmulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { fillWarehouse, plantedCopy, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { loadFixtures, startReplayServer } from '../helpers/replay-server.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-02-12';
const FROM = '2026-02-01';
const LAST = '2026-02-11';
const eq = (got: unknown, want: string) => new Decimal(String(got ?? '0')).eq(want);

async function validate(w: FilledWarehouse, file = w.file): Promise<{ code: number; byId: (id: string) => CheckResult }> {
  const res = await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`, '--from', FROM, '--to', LAST], w.env);
  const doc = JSON.parse(res.stdout) as { results: CheckResult[] };
  return { code: res.code, byId: (id) => doc.results.find((r) => r.id === id)! };
}

/** Every day's analytics and legacy totals in the warehouse equal the emulator's ground truth. */
async function expectExact(w: FilledWarehouse): Promise<void> {
  const t = w.emu.truth;
  const byActor = new Map((await queryWarehouse(w.file, 'SELECT activity_date AS d, SUM(amount_cents) AS c FROM claude_cost_by_actor GROUP BY 1')).map((r) => [r.d, r.c]));
  const byKey = new Map((await queryWarehouse(w.file, 'SELECT activity_date AS d, SUM(amount_cents) AS c FROM claude_cost_by_key GROUP BY 1')).map((r) => [r.d, r.c]));
  const usage = new Map((await queryWarehouse(w.file, 'SELECT activity_date AS d, SUM(output_tokens) AS o FROM claude_usage_by_actor GROUP BY 1')).map((r) => [r.d, r.o]));
  const costs = new Map((await queryWarehouse(w.file, 'SELECT activity_date AS d, SUM(amount_cents) AS c FROM claude_costs GROUP BY 1')).map((r) => [r.d, r.c]));
  for (const day of eachDay(FROM, LAST)) {
    expect(eq(byActor.get(day), t.analytics.costCents(day)), `cost by actor ${day}`).toBe(true);
    expect(eq(byKey.get(day), t.analytics.costCents(day)), `cost by key ${day}`).toBe(true);
    expect(Number(usage.get(day) ?? 0), `usage ${day}`).toBe(t.analytics.usage(day).output_tokens);
    expect(eq(costs.get(day), t.costCents(day)), `cost_report ${day}`).toBe(true);
  }
}

describe('a workspace-limited reader (hidden actors)', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: TODAY, from: FROM, to: LAST, seed: 7, emulator: { hiddenActors: true }, name: 'hidden.duckdb' });
  });
  afterAll(async () => w?.close());

  it('stores every row with identical groups as its own fact, exactly', async () => {
    const [n] = await queryWarehouse(
      w.file,
      `SELECT COUNT(*) AS rows, COUNT(*) FILTER (WHERE ordinal > 0) AS numbered, COUNT(*) FILTER (WHERE actor_type IN ('user_actor', 'federated_actor')) AS visible
         FROM claude_cost_by_actor`,
    );
    // The emulator hides users and federated identities: several null-actor rows share a bucket and group.
    expect(Number(n!.numbered)).toBeGreaterThan(0);
    expect(Number(n!.visible)).toBe(0);
    const [u] = await queryWarehouse(w.file, 'SELECT COUNT(*) FILTER (WHERE ordinal > 0) AS numbered FROM claude_usage_by_actor');
    expect(Number(u!.numbered)).toBeGreaterThan(0);
    // No two rows share a natural key (ordinal included).
    const [dupes] = await queryWarehouse(
      w.file,
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM claude_cost_by_actor GROUP BY organization_id, bucket_start, actor_type, actor_id, product, workspace_id, model, cost_type, ordinal HAVING COUNT(*) > 1)`,
    );
    expect(Number(dupes!.n)).toBe(0);
    await expectExact(w);
  });

  it('validate exits 0, and the duplicates check passes', async () => {
    const v = await validate(w);
    expect(v.byId('duplicates').status).toBe('PASS');
    expect(v.byId('analytics-completeness').status).toBe('PASS');
    expect(v.code).toBe(0);
  });

  it('validate still FAILs a planted true duplicate (the same row written twice)', async () => {
    const file = await plantedCopy(
      w,
      'hidden-dupe.duckdb',
      `INSERT INTO claude_cost_by_actor SELECT * FROM claude_cost_by_actor WHERE actor_id IS NULL AND ordinal = 1 AND activity_date = DATE '2026-02-05' LIMIT 1`,
    );
    const v = await validate(w, file);
    expect(v.byId('duplicates').status).toBe('FAIL');
    expect(v.byId('duplicates').detail).toContain('claude_cost_by_actor: 1 extra row sharing');
    expect(v.byId('duplicates').action).toContain('--from 2026-02-05 --to 2026-02-05');
    expect(v.code).not.toBe(0);
  });

  it('validate WARNs (not FAILs) rows from before ordinals that share a bucket and group', async () => {
    const file = await plantedCopy(w, 'hidden-legacy.duckdb', 'UPDATE claude_usage_by_actor SET ordinal = NULL WHERE actor_id IS NULL');
    const v = await validate(w, file);
    expect(v.byId('duplicates').status).toBe('WARN');
    expect(v.byId('duplicates').detail).toContain('written before schema 3');
    expect(v.byId('duplicates').action).toMatch(/backfill --refresh .* to store each with its ordinal/);
  });

  it('keeps data_refreshed_at per window; status shows it and freshness is bounded by it', async () => {
    const windows = await queryWarehouse(w.file, "SELECT DISTINCT stream, CAST(data_refreshed_at AS VARCHAR) AS r FROM ingest_windows WHERE status = 'ok' ORDER BY 1");
    expect(windows).toEqual([
      { stream: 'analytics_cost', r: `${TODAY} 23:55:00` },
      { stream: 'analytics_usage', r: `${TODAY} 23:55:00` },
      { stream: 'claude_code', r: null },
      { stream: 'cost', r: null },
      { stream: 'limits', r: null },
      { stream: 'org', r: null },
      { stream: 'usage', r: null },
    ]);
    const status = await w.cli(['status']);
    expect(status.stdout).toContain(`analytics_cost: the Analytics API's data was complete up to ${TODAY}T23:55:00.000Z when last read (data_refreshed_at)`);
    // The API had refreshed its data only to 2026-02-06 10:00: its last complete day is 2026-02-05, however late it was read.
    const stale = await plantedCopy(w, 'stale-refresh.duckdb', "UPDATE ingest_windows SET data_refreshed_at = TIMESTAMP '2026-02-06 10:00:00' WHERE stream = 'analytics_usage'");
    const res = await runCli(['validate', '--json', '--warehouse', `duckdb:${stale}`, '--from', FROM, '--to', LAST], { ...w.env, CLAUDE_INGEST_TODAY: TODAY });
    const fresh = (JSON.parse(res.stdout) as { results: CheckResult[] }).results.find((r) => r.id === 'freshness')!;
    expect(fresh.status).toBe('WARN');
    expect(fresh.figure).toContain('last 2026-02-05');
    expect(fresh.detail).toContain('the Analytics API had refreshed its data only up to 2026-02-06T10:00:00');
  });

  it('report --by user shows the hidden identities as one line that says why, never as a person', async () => {
    const res = await w.cli(['report', '--by', 'user', '--format', 'json', '--from', FROM, '--to', LAST]);
    expect(res.code, res.stderr).toBe(0);
    const rows = (JSON.parse(res.stdout) as { rows: Array<Record<string, unknown>> }).rows;
    const hidden = rows.filter((r) => r.name === '(identity not visible to this key)');
    expect(hidden).toHaveLength(1);
    expect(String(hidden[0]!.actor)).toContain('identities this key cannot see');
    // Service accounts carry their names from GET /v1/organizations/service_accounts.
    const accounts = rows.filter((r) => r.actor_type === 'service_account_actor');
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) expect(String(a.name)).toMatch(/^automation-\d+$/);
  });
});

describe('pages refused as too large', () => {
  let w: FilledWarehouse;
  beforeAll(async () => {
    w = await fillWarehouse({ today: TODAY, from: FROM, to: LAST, seed: 7, emulator: { maxPageRows: 100 }, name: 'small-pages.duckdb' });
  });
  afterAll(async () => w?.close());

  it('the backfill halves its page limits and is exact; validate exits 0', async () => {
    // The knob is on: a full month's cost page is refused as too large.
    const refused = await fetch(`${w.emu.url}/v1/organizations/cost_report?starting_at=${FROM}T00:00:00Z&limit=31&group_by[]=workspace_id&group_by[]=description`, {
      headers: { 'x-api-key': EMULATOR_ADMIN_KEY, 'anthropic-version': '2023-06-01' },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { details: { error_code: string } } }).error.details.error_code).toBe('report_page_too_large');
    expect(w.backfill.stderr).not.toContain('"severity":"ERROR"');
    await expectExact(w);
    const v = await validate(w);
    expect(v.code).toBe(0);
  });
});

describe('organization_not_eligible, a read:analytics key, too_many_report_groups', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  it('organization_not_eligible makes the analytics streams unavailable: one WARNING, exit 0, windows recorded unavailable', async () => {
    const emu = await startEmulator({ today: TODAY, seed: 7, analyticsAvailable: 'not-eligible' });
    try {
      const file = join(dir, 'not-eligible.duckdb');
      const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY };
      const res = await runCli(['backfill', '--from', FROM, '--to', LAST, '--streams', 'cost,analytics_cost,analytics_usage', '--warehouse', `duckdb:${file}`], env);
      expect(res.code, res.stderr).toBe(0);
      const warnings = res.stderr.split('\n').filter((l) => l.includes('organization_not_eligible'));
      expect(warnings).toHaveLength(2); // one per analytics stream
      for (const l of warnings) expect(l).toMatch(/"severity":"WARNING".*\[request-id req_emu_/);
      const windows = await queryWarehouse(file, "SELECT stream, status FROM ingest_windows WHERE stream LIKE 'analytics%' GROUP BY 1, 2 ORDER BY 1");
      expect(windows).toEqual([
        { stream: 'analytics_cost', status: 'unavailable' },
        { stream: 'analytics_usage', status: 'unavailable' },
      ]);
    } finally {
      await emu.close();
    }
  });

  it('a read:analytics key runs the analytics streams and says once which streams it cannot read', async () => {
    const reader = 'sk-ant-api03-analytics-reader-0123456789';
    const emu = await startEmulator({ today: TODAY, seed: 7, analyticsKeys: [reader] });
    try {
      const file = join(dir, 'reader.duckdb');
      const env = { ANTHROPIC_ADMIN_KEY: reader, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY };
      const res = await runCli(['backfill', '--from', FROM, '--to', LAST, '--warehouse', `duckdb:${file}`], env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).not.toContain(reader);
      // One summary line (the limits stream, merged from #28, reports its own unavailability apart).
      const lines = res.stderr.split('\n').filter((l) => l.includes('"message":"this key may not read'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('this key may not read claude_code, cost, org, usage (403');
      const [a] = await queryWarehouse(file, 'SELECT SUM(amount_cents) AS c FROM claude_cost_by_actor');
      const want = eachDay(FROM, LAST).reduce((s, d) => s.plus(emu.truth.analytics.costCents(d)), new Decimal(0));
      expect(new Decimal(String(a!.c)).eq(want)).toBe(true);
      const [legacy] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM claude_costs');
      expect(Number(legacy!.n)).toBe(0);
    } finally {
      await emu.close();
    }
  });

  it('too_many_report_groups fails only its window, with one line naming the day and the endpoint; the run goes on', async () => {
    const emu = await startEmulator({ today: TODAY, seed: 7, faultRules: [{ kind: '400_too_many_groups', path: 'cost_report', day: '2026-02-05' }] });
    try {
      const file = join(dir, 'too-many-groups.duckdb');
      const env = { ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY };
      const res = await runCli(['backfill', '--from', FROM, '--to', LAST, '--streams', 'cost,usage', '--warehouse', `duckdb:${file}`], env);
      expect(res.code).toBe(1);
      const failed = await queryWarehouse(file, "SELECT stream, error FROM ingest_windows WHERE status = 'failed'");
      expect(failed).toHaveLength(1);
      expect(failed[0]!.stream).toBe('cost');
      expect(String(failed[0]!.error)).toMatch(
        /cannot report 2026-02-01 from \/v1\/organizations\/cost_report: .*\(400 too_many_report_groups\) \[request-id req_emu_\w+\]: the window is left failed and the run goes on; the API says to read it from \/v1\/organizations\/analytics\/usage/,
      );
      const [usage] = await queryWarehouse(file, "SELECT COUNT(*) AS n FROM ingest_windows WHERE stream = 'usage' AND status = 'ok'");
      expect(Number(usage!.n)).toBeGreaterThan(0);
    } finally {
      await emu.close();
    }
  });
});

describe('a Claude Code record split by customer_type', () => {
  it('stores both records of one person and day, without a collision or a duplicate', async () => {
    const server = await startReplayServer(loadFixtures('customer-type'));
    try {
      const file = join(tempDir(), 'customer-type.duckdb');
      const env = { ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-fixture-replay-key', ANTHROPIC_BASE_URL: server.url, CLAUDE_INGEST_TODAY: '2025-08-20' };
      const res = await runCli(['backfill', '--from', '2025-08-12', '--to', '2025-08-12', '--streams', 'claude_code', '--warehouse', `duckdb:${file}`], env);
      expect(res.code, res.stderr).toBe(0);
      expect(server.unmatched()).toEqual([]);
      expect(await queryWarehouse(file, 'SELECT actor_id, customer_type, num_sessions FROM claude_code_productivity ORDER BY customer_type')).toEqual([
        { actor_id: 'dev@example.com', customer_type: 'api', num_sessions: 3 },
        { actor_id: 'dev@example.com', customer_type: 'subscription', num_sessions: 2 },
      ]);
      expect(await queryWarehouse(file, 'SELECT customer_type, model, input_tokens FROM claude_code_model_usage ORDER BY customer_type, model')).toEqual([
        { customer_type: 'api', model: 'claude-sonnet-4-20250514', input_tokens: 3000 },
        { customer_type: 'subscription', model: 'claude-3-5-haiku-20241022', input_tokens: 700 },
        { customer_type: 'subscription', model: 'claude-sonnet-4-20250514', input_tokens: 1500 },
      ]);
      const v = await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`, '--from', '2025-08-12', '--to', '2025-08-12'], env);
      expect((JSON.parse(v.stdout) as { results: CheckResult[] }).results.find((r) => r.id === 'duplicates')!.status).toBe('PASS');
    } finally {
      await server.close();
    }
  });
});
