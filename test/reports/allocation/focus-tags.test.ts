/**
 * The FOCUS view carries the allocation's dimensions in Tags (claude_cost_allocation, written by
 * `allocate` and at the end of backfill/run): a usage row allocated to one set of values carries
 * them; a row shared among several (rules on person or product, splits) becomes one FOCUS row per
 * part whose costs and quantity add up exactly to the row; rows not allocated are unchanged; the day
 * totals stay single-source; running it again changes nothing; removing the rules restores the view.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillWarehouse, plantedCopy, type FilledWarehouse } from '../../helpers/fill-warehouse.js';
import { runCli } from '../../helpers/cli.js';

const TODAY = '2026-01-20';
const FROM = '2025-12-26';
let w: FilledWarehouse;
let config: string;
let noRules: string;

const RULES = `allocation:
  dimensions: [team, cost_center]
  rules:
    - name: prod keys
      match: { api_key: "prod-*" }
      set: { team: Platform, cost_center: CC-100 }
    - name: claude code
      match: { product: claude_code }
      set: { team: Engineering, cost_center: CC-300 }
    - name: ci keys
      match: { api_key: "ci-*" }
      split: { by: team, percent: { Platform: 60, Research: 40 } }
      set: { cost_center: CC-900 }
    - name: shared staging
      match: { api_key: "staging-*" }
      split: { by: team, proportional_to: billed }
    - name: research
      match: { workspace: Research }
      set: { team: Research, cost_center: CC-200 }
  unallocated: { team: Unallocated, cost_center: "-" }
`;

async function q(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The view's rows as comparable text, with the costs summed per day and source. */
const VIEW_DAYS = `SELECT CAST("x_ActivityDate" AS VARCHAR) AS day, "x_Source" AS src, COUNT(*) AS n, CAST(SUM("BilledCost") AS VARCHAR) AS billed, CAST(SUM("ListCost") AS VARCHAR) AS list,
                          CAST(SUM("EffectiveCost") AS VARCHAR) AS eff, CAST(SUM("ContractedCost") AS VARCHAR) AS con, CAST(SUM("ConsumedQuantity") AS VARCHAR) AS qty
                     FROM claude_focus_costs WHERE "x_Source" <> 'configured' GROUP BY 1, 2 ORDER BY 1, 2`;
/** The allocation's rows as text, without the run that wrote them. */
const ALLOCATION_ROWS = `SELECT * EXCLUDE (run_id, ingested_at) FROM claude_cost_allocation ORDER BY ALL`;

let before: Array<Record<string, unknown>>;
let tagsBefore: Array<Record<string, unknown>>;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, seed: 11 });
  config = join(w.dir, 'claude-ingest.yaml');
  writeFileSync(config, RULES);
  noRules = join(w.dir, 'none.yaml');
  writeFileSync(noRules, 'timezone: UTC\n');
  before = await q(w.file, VIEW_DAYS);
  tagsBefore = await q(w.file, `SELECT "Tags" AS t, COUNT(*) AS n FROM claude_focus_costs GROUP BY 1 ORDER BY 1`);
}, 240_000);
afterAll(async () => {
  await w?.close();
});

describe('allocation dimensions in the FOCUS view', () => {
  it('before allocate, no row carries a dimension', async () => {
    expect(await q(w.file, `SELECT COUNT(*) AS n FROM claude_focus_costs WHERE json_extract_string("Tags", '$.team') IS NOT NULL`)).toEqual([{ n: '0' }]);
  });

  it('allocate writes every month of every organization, and the view carries team and cost_center in Tags', async () => {
    const res = await w.cli(['allocate', '--config', config]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr + res.stdout).toMatch(/allocation \(rules [0-9a-f]{16}\): 2 organization-month\(s\) allocated/);
    // Every usage row carries both dimensions, next to its own tags.
    expect(await q(w.file, `SELECT COUNT(*) AS n FROM claude_focus_costs WHERE "x_Source" <> 'configured' AND (json_extract_string("Tags", '$.team') IS NULL OR json_extract_string("Tags", '$.cost_center') IS NULL)`)).toEqual([{ n: '0' }]);
    for (const r of await q(w.file, `SELECT DISTINCT "Tags" AS t FROM claude_focus_costs LIMIT 500`)) expect(() => JSON.parse(String(r.t))).not.toThrow();
    const teams = (await q(w.file, `SELECT DISTINCT json_extract_string("Tags", '$.team') AS t FROM claude_focus_costs ORDER BY 1`)).map((r) => r.t);
    expect(teams).toEqual(expect.arrayContaining(['Platform', 'Engineering', 'Research', 'Unallocated']));
    const analytics = await q(w.file, `SELECT "Tags" AS t FROM claude_focus_costs WHERE "x_Source" = 'Analytics API' AND "ResourceName" LIKE 'prod-%' LIMIT 1`);
    expect(Object.keys(JSON.parse(String(analytics[0]!.t)) as object)).toEqual(['model', 'service_tier', 'token_type', 'context_window', 'cost_type', 'api_key_id', 'team', 'cost_center']);
    // cost_report days are allocated too (by workspace, model and cost type only).
    expect(await q(w.file, `SELECT COUNT(*) AS n FROM claude_focus_costs WHERE "x_Source" = 'cost_report' AND json_extract_string("Tags", '$.team') = 'Research'`)).not.toEqual([{ n: '0' }]);
  });

  it('a shared row becomes one FOCUS row per part whose costs and quantity add up exactly to the row; day totals are unchanged', async () => {
    const after = await q(w.file, VIEW_DAYS);
    expect(after.map(({ n: _n, ...r }) => r)).toEqual(before.map(({ n: _n, ...r }) => r));
    expect(after.reduce((s, r) => s + Number(r.n), 0)).toBeGreaterThan(before.reduce((s, r) => s + Number(r.n), 0));
    // Per source row: the parts' sums equal the row, exactly, for billed, list and quantity.
    const wrong = await q(
      w.file,
      `WITH parts AS (
         SELECT activity_date, organization_id, bucket_start, workspace_id, api_key_id, model, service_tier, context_window, cost_type, token_type, ordinal,
                COUNT(*) AS n, SUM(amount_usd) AS billed, SUM(list_amount_usd) AS list, SUM(quantity_micro) AS qmicro, COUNT(DISTINCT dimensions) AS sets
           FROM claude_cost_allocation WHERE source = 'analytics' GROUP BY ALL)
       SELECT COUNT(*) FILTER (WHERE p.billed IS DISTINCT FROM k.amount_usd OR p.list IS DISTINCT FROM k.list_amount_usd) AS wrong,
              COUNT(*) FILTER (WHERE p.n IS NULL) AS missing, COUNT(*) FILTER (WHERE p.sets > 1) AS shared, COUNT(*) AS rows
         FROM claude_cost_by_key k LEFT JOIN parts p
           ON p.activity_date = k.activity_date AND p.organization_id = k.organization_id AND p.bucket_start = k.bucket_start AND p.workspace_id IS NOT DISTINCT FROM k.workspace_id
          AND p.api_key_id IS NOT DISTINCT FROM k.api_key_id AND p.model IS NOT DISTINCT FROM k.model AND p.service_tier IS NOT DISTINCT FROM k.service_tier
          AND p.context_window IS NOT DISTINCT FROM k.context_window AND p.cost_type IS NOT DISTINCT FROM k.cost_type AND p.token_type IS NOT DISTINCT FROM k.token_type AND p.ordinal IS NOT DISTINCT FROM k.ordinal`,
    );
    expect(Number(wrong[0]!.wrong)).toBe(0);
    expect(Number(wrong[0]!.missing)).toBe(0);
    expect(Number(wrong[0]!.shared)).toBeGreaterThan(10);
    // A 60/40 split key: each row's parts carry the two teams, in exactly that proportion to the sub-cent.
    const split = await q(
      w.file,
      `SELECT COUNT(*) AS rows, COUNT(*) FILTER (WHERE n <> 2 OR ABS(platform - total * 0.6) > 0.000000000001) AS off
         FROM (SELECT COUNT(*) AS n, SUM(amount_cents) FILTER (WHERE json_extract_string(dimensions, '$.team') = 'Platform') AS platform, SUM(amount_cents) AS total
                 FROM claude_cost_allocation WHERE json_extract_string(dimensions, '$.cost_center') = 'CC-900'
                GROUP BY activity_date, source, bucket_start, workspace_id, api_key_id, model, service_tier, context_window, cost_type, token_type, ordinal, description, inference_geo
               HAVING SUM(amount_cents) >= 1)`,
    );
    expect(Number(split[0]!.rows)).toBeGreaterThan(10);
    expect(Number(split[0]!.off)).toBe(0);
    // Price × quantity still gives each part's cost (FOCUS), within the unit price's 12 decimals.
    const priced = await q(
      w.file,
      `SELECT CAST("PricingQuantity" AS VARCHAR) AS pq, CAST("ContractedUnitPrice" AS VARCHAR) AS cp, CAST("ContractedCost" AS VARCHAR) AS c
         FROM claude_focus_costs WHERE "PricingQuantity" IS NOT NULL AND "ContractedUnitPrice" IS NOT NULL AND json_extract_string("Tags", '$.cost_center') = 'CC-900'`,
    );
    expect(priced.length).toBeGreaterThan(10);
    for (const r of priced) expect(new Decimal(String(r.pq)).times(String(r.cp)).minus(String(r.c)).abs().lte(new Decimal(String(r.pq)).times('1e-12')), JSON.stringify(r)).toBe(true);
  });

  it('the FOCUS totals per team follow report --by team (to a sub-cent per row), and validate stays single-source', async () => {
    const rep = await w.cli(['report', '--by', 'team', '--config', config, '--from', FROM, '--to', TODAY, '--format', 'json']);
    expect(rep.code, rep.stderr).toBe(0);
    const byTeam = new Map((JSON.parse(rep.stdout) as { rows: Array<{ team: string; billed_usd: string }> }).rows.map((r) => [r.team, r.billed_usd]));
    const view = await q(w.file, `SELECT json_extract_string("Tags", '$.team') AS team, CAST(SUM("BilledCost") AS VARCHAR) AS b FROM claude_focus_costs WHERE "x_Source" <> 'configured' GROUP BY 1`);
    expect(view.length).toBe(byTeam.size);
    for (const r of view) expect(new Decimal(String(r.b)).minus(byTeam.get(String(r.team)) ?? 'NaN').abs().lte('0.000001'), String(r.team)).toBe(true);
    const val = await w.cli(['validate', '--from', FROM, '--to', '2026-01-19', '--json']);
    const checks = (JSON.parse(val.stdout) as { results: Array<{ id: string; status: string }> }).results;
    expect(checks.find((c) => c.id === 'focus-single-source')?.status).toBe('PASS');
    expect(checks.find((c) => c.id === 'duplicates')?.status).not.toBe('FAIL');
  });

  it('running it again changes nothing; --rebuild writes the same rows; a changed rule restates the months', async () => {
    const rows = await q(w.file, ALLOCATION_ROWS);
    const again = await w.cli(['allocate', '--config', config]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr + again.stdout).toMatch(/0 organization-month\(s\) allocated \(0 rows\), 2 already up to date/);
    const rebuilt = await w.cli(['allocate', '--config', config, '--rebuild']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(await q(w.file, ALLOCATION_ROWS)).toEqual(rows);
    const changed = join(w.dir, 'changed.yaml');
    writeFileSync(changed, RULES.replace('team: Platform, cost_center: CC-100', 'team: Search, cost_center: CC-104'));
    expect((await w.cli(['allocate', '--config', changed])).code).toBe(0);
    const teams = (await q(w.file, `SELECT DISTINCT json_extract_string("Tags", '$.team') AS t FROM claude_focus_costs WHERE "ResourceName" LIKE 'prod-%'`)).map((r) => r.t);
    expect(teams).toEqual(['Search']);
    expect((await w.cli(['allocate', '--config', config])).code).toBe(0);
    expect(await q(w.file, ALLOCATION_ROWS)).toEqual(rows);
  });

  it('a row ingested again since shows as it is until allocated again; allocate then catches up', async () => {
    const copy = await plantedCopy(
      w,
      'restated.duckdb',
      `UPDATE claude_cost_by_key SET amount_usd = amount_usd + 1, amount_cents = amount_cents + 100, ingested_at = now()::TIMESTAMP + INTERVAL 1 HOUR
        WHERE (activity_date, bucket_start, api_key_id, model, token_type) IN (SELECT activity_date, bucket_start, api_key_id, model, token_type FROM claude_cost_by_key WHERE api_key_id IS NOT NULL AND token_type = 'output_tokens' ORDER BY ALL LIMIT 1)`,
    );
    const unallocated = await q(copy, `SELECT COUNT(*) AS n FROM claude_focus_costs WHERE "x_Source" = 'Analytics API' AND json_extract_string("Tags", '$.team') IS NULL`);
    expect(unallocated).toEqual([{ n: '1' }]);
    const res = await runCli(['allocate', '--config', config, '--warehouse', `duckdb:${copy}`], w.env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr + res.stdout).toMatch(/1 organization-month\(s\) allocated/);
    expect(await q(copy, `SELECT COUNT(*) AS n FROM claude_focus_costs WHERE "x_Source" = 'Analytics API' AND json_extract_string("Tags", '$.team') IS NULL`)).toEqual([{ n: '0' }]);
  });

  it('without allocation rules, allocate removes the allocation and the view is as ingested again', async () => {
    const res = await w.cli(['allocate', '--config', noRules]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr + res.stdout).toMatch(/no allocation rules configured; removed the allocation of 2/);
    expect(await q(w.file, VIEW_DAYS)).toEqual(before);
    expect(await q(w.file, `SELECT "Tags" AS t, COUNT(*) AS n FROM claude_focus_costs GROUP BY 1 ORDER BY 1`)).toEqual(tagsBefore);
  });

  it('backfill with allocation: configured allocates at its end; a bad rules file stops it before anything is fetched', async () => {
    const res = await w.cli(['backfill', '--from', '2026-01-18', '--to', '2026-01-19', '--config', config]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr + res.stdout).toMatch(/allocation \(rules [0-9a-f]{16}\): 2 organization-month\(s\) allocated/);
    expect(await q(w.file, `SELECT COUNT(*) AS n FROM claude_focus_costs WHERE "x_Source" <> 'configured' AND json_extract_string("Tags", '$.team') IS NULL`)).toEqual([{ n: '0' }]);
    const bad = join(w.dir, 'bad.yaml');
    writeFileSync(bad, RULES.replace('  unallocated:', '  files:\n    - path: missing.csv\n  unallocated:'));
    const refused = await w.cli(['backfill', '--from', '2026-01-18', '--to', '2026-01-19', '--config', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/missing\.csv: the allocation rules file cannot be read/);
  });

  it('a backfill after allocation: was removed from the config removes the allocation at its end, as allocate does', async () => {
    expect(Number((await q(w.file, 'SELECT COUNT(*) AS n FROM claude_cost_allocation'))[0]!.n)).toBeGreaterThan(0);
    const res = await w.cli(['backfill', '--from', '2026-01-18', '--to', '2026-01-19', '--config', noRules]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr + res.stdout).toMatch(/no allocation rules configured; removed the allocation of 2 organization-month/);
    expect(await q(w.file, 'SELECT COUNT(*) AS n FROM claude_cost_allocation')).toEqual([{ n: '0' }]);
    expect(await q(w.file, `SELECT "Tags" AS t, COUNT(*) AS n FROM claude_focus_costs GROUP BY 1 ORDER BY 1`)).toEqual(tagsBefore);
    // With nothing left to remove, a run without rules says nothing about allocation.
    const again = await w.cli(['backfill', '--from', '2026-01-18', '--to', '2026-01-19', '--config', noRules]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr + again.stdout).not.toMatch(/allocation/);
  });
});
