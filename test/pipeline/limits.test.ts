/**
 * The limits stream end to end: the real CLI against the emulator over loopback into a real DuckDB
 * file. Spend limits (the usage-tier cap included) and rate limits (organization and a workspace
 * override, an unknown limiter type kept); an organization offered neither (unavailable, one
 * WARNING, exit 0) or only rate limits (spend table empty, WARNING, exit 0).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

const TODAY = '2026-03-20';
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function ingest(opts: EmulatorOptions, streams = 'limits') {
  emu = await startEmulator({ seed: 5, today: TODAY, org: 'small', historyDays: 40, ...opts });
  const file = join(tempDir(), 'limits.duckdb');
  const res = await runCli(['run', '--lookback', '1', '--streams', streams, '--warehouse', `duckdb:${file}`, '--json'], {
    ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY,
    ANTHROPIC_BASE_URL: emu.url,
    CLAUDE_INGEST_TODAY: TODAY,
  });
  return { res, file };
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.includes('"severity":"WARNING"'));

describe('limits stream', () => {
  it('stores every spend limit and every rate limit, workspace overrides and unknown limiter types included', async () => {
    const { res, file } = await ingest({
      spendCapCents: '250000',
      spendLimits: [{ amountCents: '80000', period: 'weekly' }, { amountCents: null, workspace: 'wrkspc_none' }],
      rateLimits: { input_tokens_per_minute_cache_aware: 30000, output_tokens_per_minute: 8000, tokens_per_fortnight: 5 },
      workspaceRateLimits: [{ workspace: 'placeholder', limiter: 'output_tokens_per_minute', value: 1000 }],
    });
    expect(res.code, res.stderr).toBe(0);
    const spend = await queryWarehouse(file, 'SELECT scope_type, scope_id, CAST(amount_cents AS BIGINT)::VARCHAR AS a, period, is_enabled FROM claude_spend_limits ORDER BY scope_type, period');
    expect(spend.map((r) => [r.scope_type, r.a, r.period])).toEqual([
      ['organization', null, 'monthly'],
      ['organization', '80000', 'weekly'],
      ['usage_tier', '250000', 'monthly'],
    ]);
    const rate = await queryWarehouse(file, "SELECT group_type, group_name, limiter, value, models FROM claude_rate_limits WHERE scope = 'organization' ORDER BY group_type, group_name, limiter");
    const modelGroups = rate.filter((r) => r.group_type === 'model_group');
    expect(modelGroups.length).toBeGreaterThan(0);
    // The unknown limiter type is a row like any other.
    expect(modelGroups.filter((r) => r.limiter === 'tokens_per_fortnight').every((r) => Number(r.value) === 5)).toBe(true);
    expect(new Set(modelGroups.map((r) => r.limiter))).toEqual(new Set(['input_tokens_per_minute_cache_aware', 'output_tokens_per_minute', 'tokens_per_fortnight']));
    expect(JSON.parse(String(modelGroups[0]!.models)).length).toBeGreaterThan(0);
    expect(rate.some((r) => r.group_type === 'batch')).toBe(true);
    const ledger = await queryWarehouse(file, "SELECT status FROM ingest_windows WHERE stream = 'limits'");
    expect(ledger.map((r) => r.status)).toEqual(['ok']);
  });

  it('keeps a workspace override with the organization value beside it', async () => {
    emu = await startEmulator({ seed: 5, today: TODAY, org: 'small', historyDays: 40 });
    const ws = emu.truth.workspaces().find((w) => !w.archived)!;
    await emu.close();
    const { res, file } = await ingest({ workspaceRateLimits: [{ workspace: ws.id, limiter: 'output_tokens_per_minute', value: 1234 }] });
    expect(res.code, res.stderr).toBe(0);
    const rows = await queryWarehouse(file, "SELECT workspace_id, limiter, value, org_limit FROM claude_rate_limits WHERE scope = 'workspace'");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.workspace_id === ws.id && r.limiter === 'output_tokens_per_minute' && Number(r.value) === 1234 && Number(r.org_limit) === 400000)).toBe(true);
  });

  it('an organization offered neither endpoint: unavailable, one WARNING, exit 0, other streams unaffected', async () => {
    const { res, file } = await ingest({ limitsAvailable: { spend: 400, rate: 403 } }, 'cost,limits');
    expect(res.code, res.stderr).toBe(0);
    const w = warnings(res.stderr);
    expect(w.filter((l) => l.includes('limits'))).toHaveLength(1);
    const ledger = await queryWarehouse(file, "SELECT status, error FROM ingest_windows WHERE stream = 'limits'");
    expect(ledger.map((r) => r.status)).toEqual(['unavailable']);
    const [cost] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM claude_costs');
    expect(Number(cost!.n)).toBeGreaterThan(0);
  });

  it.each([400, 403, 404] as const)('spend limits not offered (%s): rate limits still stored, the spend table empty, one WARNING', async (status) => {
    const { res, file } = await ingest({ limitsAvailable: { spend: status } });
    expect(res.code, res.stderr).toBe(0);
    const w = warnings(res.stderr).filter((l) => l.includes('spend limits are not available'));
    expect(w).toHaveLength(1);
    if (status === 400) expect(w[0]).toContain('organization_type_not_supported');
    const [s] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM claude_spend_limits');
    const [r] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM claude_rate_limits');
    expect([Number(s!.n), Number(r!.n) > 0]).toEqual([0, true]);
  });
});
