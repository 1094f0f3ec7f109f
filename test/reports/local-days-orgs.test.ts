/**
 * Local days with two organizations in one warehouse (issue 27 with issue 14), through the real CLI:
 * one emulator serving each admin key its own organization, `timezone: America/New_York` in the
 * claude-ingest.yaml naming both, one backfill (hourly cost kept without being asked, hourly usage
 * with --usage-bucket 1h). Per organization and in total, local days equal the UTC sums over the same
 * instants (summed here from literal UTC instants), the two organizations add up to the total, and a
 * budget counts the local month. When only one organization holds hours, a total never mixes its
 * hours with the other's missing ones: those days are UTC days in the report and in the budget alike.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { twoOrganizations, type TwoOrganizations } from '../helpers/two-organizations.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

type Row = Record<string, string | number | null>;
type Doc = { rows: Row[] };
const TODAY = '2026-03-15';
const BILLED = `(product IS NULL OR product IN ('messages_api', 'message_batches_api', 'managed_agents_api', 'claude_console') OR (product = 'claude_code' AND workspace_id IS NOT NULL))`;

describe('local days with two organizations (America/New_York, spring transition on 2026-03-08)', () => {
  let w: TwoOrganizations;
  let budgets: string;
  beforeAll(async () => {
    w = await twoOrganizations({ today: TODAY, from: '2026-03-01', config: 'timezone: America/New_York', args: ['--usage-bucket', '1h'] });
    budgets = join(w.dir, 'budgets.yaml');
    writeFileSync(budgets, `timezone: America/New_York\nalerts:\n  budgets:\n    - { name: Both, monthly_usd: 1 }\n  anomalies: { daily_spend: false, new_spender: false }\n  data_health: false\n  spend_limits: false\n`);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  const report = async (args: string[], file?: string): Promise<Doc> => {
    const res = await w.cli(['report', '--format', 'json', '--tz', 'America/New_York', ...args], file);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as Doc;
  };
  const usd = (rows: Row[]) => rows.reduce((s, r) => s.plus(String(r.cost_usd)), new Decimal(0));
  const tokens = (rows: Row[]) => rows.reduce((s, r) => s + Number(r.output_tokens), 0);
  const orgWhere = (org?: string) => (org ? ` AND organization_id = '${org}'` : '');
  async function hoursUsd(from: string, to: string, org?: string): Promise<Decimal> {
    const r = await queryWarehouse(w.file, `SELECT CAST(COALESCE(SUM(amount_usd), 0) AS VARCHAR) AS usd FROM claude_cost_hourly WHERE ${BILLED} AND bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}'${orgWhere(org)}`);
    return new Decimal(String(r[0]!.usd));
  }
  async function hoursTokens(from: string, to: string, org?: string): Promise<number> {
    const r = await queryWarehouse(w.file, `SELECT COALESCE(SUM(output_tokens), 0) AS n FROM claude_usage_keys WHERE bucket_start >= TIMESTAMP '${from}' AND bucket_start < TIMESTAMP '${to}'${orgWhere(org)}`);
    return Number(r[0]!.n);
  }

  it('per organization and in total, local days equal the sums over the same UTC instants; A + B = total, day by day', async () => {
    const range = ['--by', 'day', '--from', '2026-03-02', '--to', '2026-03-12'];
    const [all, a, b] = await Promise.all([report(range), report([...range, '--org', w.a]), report([...range, '--org', w.b])]);
    // Local 2026-03-02 starts 05:00Z (EST); local 2026-03-12 ends 2026-03-13T04:00Z (EDT).
    const [from, to] = ['2026-03-02 05:00:00', '2026-03-13 04:00:00'];
    expect(usd(a.rows).eq(await hoursUsd(from, to, w.a))).toBe(true);
    expect(usd(b.rows).eq(await hoursUsd(from, to, w.b))).toBe(true);
    expect(usd(all.rows).eq(await hoursUsd(from, to))).toBe(true);
    expect(tokens(a.rows)).toBe(await hoursTokens(from, to, w.a));
    expect(tokens(all.rows)).toBe(await hoursTokens(from, to));
    expect(usd(a.rows).gt(0) && usd(b.rows).gt(0)).toBe(true);
    for (const r of all.rows) {
      const ra = a.rows.find((x) => x.day === r.day)!;
      const rb = b.rows.find((x) => x.day === r.day)!;
      expect(new Decimal(String(ra.cost_usd)).plus(String(rb.cost_usd)).eq(String(r.cost_usd)), String(r.day)).toBe(true);
      expect(Number(ra.output_tokens) + Number(rb.output_tokens)).toBe(Number(r.output_tokens));
      expect([r.day_basis, r.tokens_day_basis]).toEqual(['local', 'local']);
    }
    // The 23-hour day, per organization.
    const day8 = a.rows.find((r) => r.day === '2026-03-08')!;
    expect(new Decimal(String(day8.cost_usd)).eq(await hoursUsd('2026-03-08 05:00:00', '2026-03-09 04:00:00', w.a))).toBe(true);
  });

  it('a budget over both organizations counts the local month, as report --by month does', async () => {
    const res = await w.cli(['alerts', '--dry-run', '--json', '--config', budgets]);
    expect(res.code, res.stderr).toBe(0);
    const ev = (JSON.parse(res.stdout) as { events: Array<{ rule: string; period: string; figures: Record<string, unknown> }> }).events.find((e) => e.rule === 'budget');
    expect(ev?.period).toBe('2026-03 America/New_York');
    const month = await report(['--by', 'month', '--from', '2026-03-01', '--to', TODAY]);
    expect(ev!.figures.spent_usd).toBe(month.rows[0]!.cost_usd);
    // Not the UTC month: local March starts 2026-03-01T05:00Z.
    expect(new Decimal(String(month.rows[0]!.cost_usd)).eq(await hoursUsd('2026-03-01 05:00:00', '2026-03-16 04:00:00'))).toBe(true);
  });

  it('one organization without hours: the total is on UTC days (never A\'s hours with B missing), in the report and the budget alike', async () => {
    const file = await w.planted('b-daily.duckdb', `DELETE FROM claude_cost_hourly WHERE organization_id = '${w.b}'`, `DELETE FROM ingest_windows WHERE stream = 'analytics_cost_hourly' AND organization_id = '${w.b}'`);
    const a = await report(['--by', 'day', '--from', '2026-03-02', '--to', '2026-03-12', '--org', w.a], file);
    expect(a.rows.every((r) => r.day_basis === 'local')).toBe(true);
    const all = await report(['--by', 'month', '--from', '2026-03-01', '--to', TODAY], file);
    expect(all.rows[0]!.day_basis).toBe('UTC days');
    const costs = await queryWarehouse(file, `SELECT CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM claude_costs WHERE activity_date BETWEEN DATE '2026-03-01' AND DATE '${TODAY}'`);
    expect(new Decimal(String(all.rows[0]!.cost_usd)).eq(String(costs[0]!.usd))).toBe(true);
    const res = await w.cli(['alerts', '--dry-run', '--json', '--config', budgets], file);
    expect(res.code, res.stderr).toBe(0);
    const ev = (JSON.parse(res.stdout) as { events: Array<{ rule: string; figures: Record<string, unknown> }> }).events.find((e) => e.rule === 'budget');
    expect(ev!.figures.spent_usd).toBe(all.rows[0]!.cost_usd);
  });
});
