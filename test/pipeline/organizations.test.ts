/**
 * Several organizations in one warehouse (issue 14): two admin keys against one emulator that serves
 * each key its own organization, through the real CLI and a real DuckDB file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { sumDecimals } from '../../src/util/money.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-05-10';
const FROM = '2026-04-25';
const KEY_A = 'sk-ant-admin01-production-key-aaaaaaaa';
const KEY_B = 'sk-ant-admin01-research-key-bbbbbbbbbb';

let emu: Emulator;
let dir: string;
let config: string;

beforeAll(async () => {
  emu = await startEmulator({
    today: TODAY,
    historyDays: 60,
    organizations: [
      { adminKey: KEY_A, seed: 7, org: 'small' },
      { adminKey: KEY_B, seed: 8, org: 'small' },
    ],
  });
  dir = tempDir();
  config = join(dir, 'claude-ingest.yaml');
  writeFileSync(
    config,
    ['organizations:', '  - name: Production', '    admin_key: "${KEY_A}"', '  - name: Research', '    admin_key: "${KEY_B}"', ''].join('\n'),
  );
});
afterAll(async () => {
  await emu?.close();
});

function env(extra: Record<string, string> = {}) {
  return {
    ANTHROPIC_BASE_URL: emu.url,
    CLAUDE_INGEST_TODAY: TODAY,
    CLAUDE_INGEST_RETRY_BASE_MS: '5',
    CLAUDE_INGEST_RETRY_MAX_MS: '50',
    CLAUDE_INGEST_CONFIG: config,
    KEY_A,
    KEY_B,
    ...extra,
  };
}

async function orgIds(): Promise<{ a: string; b: string }> {
  return { a: emu.truthFor(KEY_A).organizationId, b: emu.truthFor(KEY_B).organizationId };
}

/** Per day, the organization's cost in the warehouse equals its own ground truth. */
async function expectCostsMatch(file: string, key: string, orgId: string): Promise<void> {
  const rows = await queryWarehouse(
    file,
    `SELECT CAST(activity_date AS VARCHAR) AS day, CAST(SUM(amount_cents) AS VARCHAR) AS cents FROM claude_costs WHERE organization_id = ? GROUP BY 1`,
    [orgId],
  );
  const got = new Map(rows.map((r) => [String(r.day), sumDecimals([String(r.cents)])]));
  const truth = emu.truthFor(key);
  for (const day of eachDay(FROM, TODAY)) expect(got.get(day) ?? '0', `${orgId} ${day}`).toBe(sumDecimals([truth.costCents(day)]));
}

async function rowsOf(file: string, orgId: string): Promise<string[]> {
  const out: string[] = [];
  for (const table of ['claude_costs', 'claude_usage_keys', 'claude_code_productivity', 'claude_api_keys', 'claude_cost_daily_totals']) {
    const rows = await queryWarehouse(file, `SELECT * FROM ${table} WHERE organization_id = ? ORDER BY ALL`, [orgId]);
    out.push(...rows.map((r) => `${table} ${JSON.stringify(r)}`));
  }
  return out;
}

describe('several organizations in one warehouse', () => {
  it('ingests two organizations side by side, each equal to its own ground truth', { timeout: 120_000 }, async () => {
    const file = join(dir, 'two.duckdb');
    const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`, '--json'], env());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('2 of 2 organizations completed');
    const { a, b } = await orgIds();
    expect(a).not.toBe(b);
    await expectCostsMatch(file, KEY_A, a);
    await expectCostsMatch(file, KEY_B, b);
    // Snapshots and the ledger are per organization too.
    const orgs = await queryWarehouse(file, 'SELECT id, name FROM claude_organization ORDER BY id');
    expect(orgs.map((o) => o.id)).toEqual([a, b].sort());
    const keys = await queryWarehouse(file, 'SELECT organization_id, COUNT(*) AS n FROM claude_api_keys GROUP BY 1 ORDER BY 1');
    expect(keys.map((k) => k.organization_id)).toEqual([a, b].sort());
    const nullOrg = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM ingest_windows WHERE organization_id IS NULL');
    expect(nullOrg).toEqual([{ n: 0 }]);
    // No key in any output.
    expect(res.stdout + res.stderr).not.toContain(KEY_A);
    expect(res.stdout + res.stderr).not.toContain(KEY_B);

    // A refresh of one organization leaves the other's rows byte-identical.
    const before = await rowsOf(file, b);
    const refresh = await runCli(['backfill', '--from', FROM, '--refresh', '--org', 'Production', '--warehouse', `duckdb:${file}`], env());
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(await rowsOf(file, b)).toEqual(before);
    await expectCostsMatch(file, KEY_A, a);
    const runs = await queryWarehouse(file, `SELECT organization_id FROM ingest_runs WHERE args LIKE '%"refresh":true%'`);
    expect(runs).toEqual([{ organization_id: a }]);

    // --org also takes the organization id.
    const byId = await runCli(['run', '--lookback', '1', '--org', b, '--warehouse', `duckdb:${file}`], env());
    expect(byId.code, byId.stderr).toBe(0);
    const unknown = await runCli(['run', '--org', 'Nope', '--warehouse', `duckdb:${file}`], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--org Nope matches no configured organization (names: Production, Research)');
  });

  it("one organization's key revoked mid-run fails that organization only; the other completes exactly", { timeout: 120_000 }, async () => {
    const file = join(dir, 'revoked.duckdb');
    const local = await startEmulator({ today: TODAY, historyDays: 60, organizations: [{ adminKey: KEY_A, seed: 7 }, { adminKey: KEY_B, seed: 8 }] });
    try {
      local.revokeKey(KEY_A, 3);
      const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`, '--json'], { ...env(), ANTHROPIC_BASE_URL: local.url });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/Production: stopped: The Admin API rejected the key \(401/);
      expect(res.stderr).toContain('1 of 2 organizations completed');
      const b = local.truthFor(KEY_B).organizationId;
      const rows = await queryWarehouse(file, `SELECT CAST(activity_date AS VARCHAR) AS day, CAST(SUM(amount_cents) AS VARCHAR) AS cents FROM claude_costs WHERE organization_id = ? GROUP BY 1`, [b]);
      const got = new Map(rows.map((r) => [String(r.day), sumDecimals([String(r.cents)])]));
      for (const day of eachDay(FROM, TODAY)) expect(got.get(day) ?? '0', day).toBe(sumDecimals([local.truthFor(KEY_B).costCents(day)]));
      const failed = await queryWarehouse(file, "SELECT status FROM ingest_runs WHERE organization_id = ? OR organization_id IS NULL", [local.truthFor(KEY_A).organizationId]);
      expect(failed.every((r) => r.status === 'failed')).toBe(true);
      expect(res.stderr).not.toContain(KEY_A);
    } finally {
      await local.close();
    }
  });

  it('attributes rows from before organization ids to the one key ingesting, and only then', { timeout: 120_000 }, async () => {
    const file = join(dir, 'legacy.duckdb');
    const single = { ...env(), CLAUDE_INGEST_CONFIG: '', ANTHROPIC_ADMIN_KEY: KEY_A };
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], single)).code).toBe(0);
    // What a version-1 warehouse looks like once migrated: every row without an organization.
    const { a } = await orgIds();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    for (const t of ['claude_costs', 'claude_cost_daily_totals', 'claude_usage_keys', 'claude_usage_daily_totals', 'claude_code_productivity', 'claude_code_model_usage', 'claude_api_keys', 'claude_workspaces', 'claude_users', 'claude_organization', 'ingest_windows']) {
      await conn.run(`UPDATE ${t} SET organization_id = NULL`);
    }
    await conn.run('UPDATE ingest_runs SET organization_id = NULL');
    await conn.run("DELETE FROM claude_ingest_meta WHERE key = 'organizations_attributed'");
    conn.closeSync();
    db.closeSync();

    // Two keys configured: nothing is guessed, a warning says what to do.
    const both = await runCli(['run', '--lookback', '1', '--warehouse', `duckdb:${file}`, '--json'], env());
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toContain('from before organization ids existed have none: run once with the key that wrote them alone (--org NAME)');
    expect((await queryWarehouse(file, "SELECT COUNT(*) AS n FROM claude_costs WHERE organization_id IS NULL AND activity_date < '2026-05-08'"))[0]!.n).toBeGreaterThan(0);

    // The key alone: every old row is its organization's; a refresh then replaces them without duplicates.
    const alone = await runCli(['run', '--lookback', '1', '--org', 'Production', '--warehouse', `duckdb:${file}`, '--json'], env());
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stderr).toContain('rows written before organization ids existed now belong to');
    for (const t of ['claude_costs', 'claude_usage_keys', 'claude_code_productivity', 'claude_api_keys', 'ingest_windows']) {
      expect(await queryWarehouse(file, `SELECT COUNT(*) AS n FROM ${t} WHERE organization_id IS NULL`), t).toEqual([{ n: 0 }]);
    }
    expect((await runCli(['backfill', '--from', FROM, '--refresh', '--org', 'Production', '--warehouse', `duckdb:${file}`], env())).code).toBe(0);
    await expectCostsMatch(file, KEY_A, a);
  });
});
