/**
 * The whole pipeline against the emulator answering as a newer API version might (`drift`): unknown
 * fields and enum values, list prices, a new cache token bucket, actors of types this version does
 * not know. Known measures must still equal the ground truth exactly, distinct actors must stay
 * distinct, the drift fields must be in `extra`, and validate's unknown-measure totals must equal an
 * independent SQL sum over the extra column.
 */
import { Decimal } from 'decimal.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ADMIN_KEY, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { eachDay } from '../../src/util/dates.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { checks, sql, type CheckResult } from '../helpers/fixture-reads.js';

const TODAY = '2026-03-15';
const FROM = '2026-03-05';
const TO = '2026-03-14';

let emu: Emulator;
let file: string;
let backfill: CliResult;
let validation: Map<string, CheckResult>;
const env = () => ({ ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emu.url, CLAUDE_INGEST_TODAY: TODAY });
const days = eachDay(FROM, TO);

/** Canonical text of a JSON value (keys sorted), to count distinct actors as the API sent them. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : typeof v === 'object' && v !== null
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

/** The Claude Code records of a day straight from the emulator over HTTP, every page. */
async function records(day: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let page: string | null = null;
  do {
    const url = new URL('/v1/organizations/usage_report/claude_code', emu.url);
    url.searchParams.set('starting_at', day);
    url.searchParams.set('limit', '1000');
    if (page) url.searchParams.set('page', page);
    const res = await fetch(url, { headers: { 'x-api-key': EMULATOR_ADMIN_KEY, 'anthropic-version': '2023-06-01' } });
    const body = (await res.json()) as { data: Array<Record<string, unknown>>; has_more: boolean; next_page: string | null };
    out.push(...body.data);
    page = body.has_more ? body.next_page : null;
  } while (page);
  return out;
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 11, today: TODAY, org: 'small', historyDays: 60, drift: true });
  file = join(tempDir(), 'drift.duckdb');
  backfill = await runCli(['backfill', '--from', FROM, '--to', TO, '--warehouse', `duckdb:${file}`], env());
  validation = checks(await runCli(['validate', '--json', '--warehouse', `duckdb:${file}`], env()));
});
afterAll(async () => emu?.close());

describe('a full backfill against a drifted API', () => {
  it('exits 0 with every window written', async () => {
    expect(backfill.stderr).not.toContain('"severity":"ERROR"');
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(await sql(file, "SELECT COUNT(*) AS n FROM ingest_windows WHERE status <> 'ok'")).toEqual([{ n: 0 }]);
  });

  it('every known measure equals the ground truth exactly', async () => {
    const cost = await sql(file, 'SELECT CAST(activity_date AS VARCHAR) AS d, CAST(SUM(amount_cents) AS VARCHAR) AS c FROM claude_costs GROUP BY 1');
    const tokens = await sql(
      file,
      `SELECT CAST(activity_date AS VARCHAR) AS d, SUM(uncached_input_tokens) AS uncached_input_tokens, SUM(cache_read_input_tokens) AS cache_read_input_tokens,
              SUM(cache_creation_5m_input_tokens) AS cache_creation_5m_input_tokens, SUM(cache_creation_1h_input_tokens) AS cache_creation_1h_input_tokens,
              SUM(output_tokens) AS output_tokens, SUM(web_search_requests) AS web_search_requests
         FROM claude_usage_keys GROUP BY 1`,
    );
    const code = await sql(
      file,
      `SELECT CAST(activity_date AS VARCHAR) AS d, COUNT(*) AS records, SUM(num_sessions) AS sessions, SUM(lines_added) AS linesAdded, SUM(lines_removed) AS linesRemoved,
              SUM(commits) AS commits, SUM(pull_requests) AS pullRequests,
              SUM(edit_tool_accepted + multi_edit_tool_accepted + write_tool_accepted + notebook_edit_tool_accepted) AS toolAccepted,
              SUM(edit_tool_rejected + multi_edit_tool_rejected + write_tool_rejected + notebook_edit_tool_rejected) AS toolRejected
         FROM claude_code_productivity GROUP BY 1`,
    );
    const estimate = await sql(file, 'SELECT CAST(activity_date AS VARCHAR) AS d, CAST(SUM(estimated_cost_cents) AS VARCHAR) AS c FROM claude_code_model_usage GROUP BY 1');
    let codeRecords = 0;
    for (const day of days) {
      expect(new Decimal(String(cost.find((r) => r.d === day)?.c ?? '0')).eq(emu.truth.costCents(day)), `cost ${day}`).toBe(true);
      const t = emu.truth.tokens(day);
      const { d: _d, ...got } = tokens.find((r) => r.d === day) ?? { d: day };
      expect(got, `tokens ${day}`).toEqual(t);
      const { estimatedCostCents, ...truth } = emu.truth.claudeCode(day);
      const { d: _c, ...gotCode } = code.find((r) => r.d === day) ?? { d: day };
      if (truth.records > 0) expect(gotCode, `claude code ${day}`).toEqual(truth);
      expect(new Decimal(String(estimate.find((r) => r.d === day)?.c ?? '0')).eq(estimatedCostCents), `estimate ${day}`).toBe(true);
      codeRecords += truth.records;
    }
    expect(codeRecords).toBeGreaterThan(0);
    const [names] = await sql(file, 'SELECT (SELECT COUNT(*) FROM claude_api_keys) AS k, (SELECT COUNT(*) FROM claude_workspaces) AS w, (SELECT COUNT(*) FROM claude_users) AS u');
    expect(names).toEqual({ k: emu.truth.apiKeys().length, w: emu.truth.workspaces().length, u: emu.truth.users().length });
  });

  it('actors of unknown types are stored as sent, and distinct actors keep distinct ids', async () => {
    const sent = new Map<string, string>(); // canonical actor → type
    for (const day of days) for (const r of await records(day)) sent.set(canonical(r.actor), String((r.actor as { type: string }).type));
    const types = new Set(sent.values());
    for (const t of ['service_account_actor', 'federated_actor', 'robot_actor']) expect(types, t).toContain(t);
    const [stored] = await sql(file, 'SELECT COUNT(DISTINCT (actor_type, actor_id)) AS actors, COUNT(DISTINCT actor_id) AS ids FROM claude_code_productivity');
    expect(stored).toEqual({ actors: sent.size, ids: sent.size });
    const byType = await sql(file, 'SELECT actor_type, COUNT(DISTINCT actor_id) AS n FROM claude_code_productivity GROUP BY 1 ORDER BY 1');
    const sentByType = [...types].sort().map((t) => ({ actor_type: t, n: [...sent.values()].filter((x) => x === t).length }));
    expect(byType).toEqual(sentByType);
    // One record per actor and day, so no (day, actor) twice.
    expect(await sql(file, 'SELECT COUNT(*) AS n FROM (SELECT activity_date, actor_type, actor_id FROM claude_code_productivity GROUP BY ALL HAVING COUNT(*) > 1)')).toEqual([{ n: 0 }]);
  });

  it('the drift fields are in the extra columns', async () => {
    // Every cost line's list price, equal to its amount in the emulator.
    expect(
      await sql(
        file,
        `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE CAST(json_extract_string(extra, '$.list_amount') AS DECIMAL(38,12)) = amount_cents) AS priced FROM claude_costs`,
      ),
    ).toEqual([{ n: expect.any(Number), priced: (await sql(file, 'SELECT COUNT(*) AS n FROM claude_costs'))[0]!.n }]);
    const [usage] = await sql(file, "SELECT COUNT(*) AS n, COUNT(json_extract(extra, '$.cache_creation.ephemeral_30m_input_tokens')) AS bucket FROM claude_usage_keys");
    expect(usage!.bucket).toBe(usage!.n);
    const [code] = await sql(file, "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE json_extract_string(extra, '$.ide_name') = 'vscode') AS ide FROM claude_code_productivity");
    expect(code!.ide).toBe(code!.n);
    const [models] = await sql(file, "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE json_extract_string(extra, '$.speed') = 'standard') AS speed FROM claude_code_model_usage");
    expect(models!.speed).toBe(models!.n);
    const [ws] = await sql(file, "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE json_extract_string(extra, '$.data_residency.workspace_geo') = 'us') AS geo FROM claude_workspaces");
    expect(ws!.geo).toBe(ws!.n);
    const [keys] = await sql(file, "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE CAST(json_extract(extra, '$.rotation_policy.days') AS INTEGER) = 90) AS rot FROM claude_api_keys");
    expect(keys!.rot).toBe(keys!.n);
    expect(await sql(file, "SELECT json_extract_string(extra, '$.billing_type') AS b FROM claude_organization")).toEqual([{ b: 'enterprise' }]);
    // Unknown enum values stay in their columns.
    expect(await sql(file, "SELECT COUNT(*) > 0 AS seen FROM claude_usage_keys WHERE service_tier = 'flex_turbo'")).toEqual([{ seen: true }]);
    expect(await sql(file, "SELECT COUNT(*) > 0 AS seen FROM claude_costs WHERE cost_type = 'new_cost'")).toEqual([{ seen: true }]);
  });

  it('validate WARNs each unknown measure with a total equal to the SQL sum over the extra column; nothing fails', async () => {
    const unknown = validation.get('unknown-measures')!;
    expect(unknown.status).toBe('WARN');
    const listed = new Map(
      [...unknown.detail.matchAll(/(claude_[a-z_]+): ([A-Za-z0-9_.]+) = (-?[0-9.]+)/g)].map((m) => [`${m[1]}: ${m[2]}`, { table: m[1]!, path: m[2]!, total: m[3]! }]),
    );
    // The drift of the four issue-11 streams; streams added later may report their own.
    expect([...listed.keys()]).toEqual(
      expect.arrayContaining(['claude_code_productivity: core_metrics.future_metric', 'claude_costs: future_result_field', 'claude_usage_keys: cache_creation.ephemeral_30m_input_tokens']),
    );
    for (const { table, path, total } of listed.values()) {
      const [r] = await sql(file, `SELECT CAST(SUM(CAST(json_extract(extra, '$.${path}') AS DECIMAL(38,0))) AS VARCHAR) AS s FROM ${table} WHERE activity_date BETWEEN DATE '${FROM}' AND DATE '${TO}'`);
      expect(new Decimal(total).eq(String(r!.s)), `${table}: ${path} = ${total}, SQL says ${String(r!.s)}`).toBe(true);
    }
    const bucket = listed.get('claude_usage_keys: cache_creation.ephemeral_30m_input_tokens')!;
    expect(new Decimal(bucket.total).gt(0)).toBe(true);
    const failed = [...validation.values()].filter((c) => c.status === 'FAIL');
    expect(failed).toEqual([]);
    for (const id of ['completeness', 'duplicates', 'rounded-values', 'failed-windows']) expect(validation.get(id)?.status, `${id}: ${validation.get(id)?.detail}`).toBe('PASS');
  });
});
