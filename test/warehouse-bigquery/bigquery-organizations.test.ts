/**
 * BigQuery parity for several organizations (issue 14). The stand-in records what the warehouse
 * sends; it does not execute SQL, so the statements that decide whose rows change (a window's
 * DELETEs, the attribution UPDATEs) are also run, as sent, on a DuckDB warehouse holding two
 * organizations' rows (only the table names and the @parameters are rewritten), to show what they
 * do: a window of one organization leaves the other's rows alone, and attribution gives rows
 * without an organization the one their run recorded, else the key's, touching no other row.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { IsoDay } from '../../src/util/dates.js';
import type { Cents, Usd } from '../../src/util/money.js';
import type { RowOf } from '../../src/warehouse/tables.js';
import type { WindowRecord } from '../../src/warehouse/warehouse.js';
import { tempDir } from '../helpers/cli.js';
import { DATASET, PROJECT, useStandIn } from './harness.js';

const h = useStandIn();
const { standIn } = h;

let wh: BigQueryWarehouse;
let db: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;

const ledger = (o: Partial<WindowRecord> = {}): WindowRecord => ({
  runId: 'run-1',
  stream: 'cost',
  windowStart: '2025-03-01',
  windowEnd: '2025-03-02',
  status: 'ok',
  complete: true,
  rows: 1,
  requests: 1,
  retries: 0,
  rateLimited: 0,
  centsTotal: '1',
  error: null,
  startedAt: '2025-03-03T06:00:00.000Z',
  finishedAt: '2025-03-03T06:00:01.000Z',
  ...o,
});

function cost(day: string): RowOf<'claude_costs'> {
  return {
    activity_date: day as IsoDay, workspace_id: null, description: 'Claude Sonnet 4 Usage - Output Tokens', cost_type: 'tokens', model: 'claude-sonnet-4',
    service_tier: 'standard', token_type: 'output_tokens', context_window: '0-200k', inference_geo: 'global', currency: 'USD',
    amount_cents: '100' as Cents, amount_usd: '1' as Usd, extra: null,
  };
}

/** A statement as BigQuery gets it, made runnable on the DuckDB copy: names unqualified, parameters inlined. */
function onDuckDb(sql: string, params: Array<{ name: string; parameterValue: { value?: string } }>): string {
  let out = sql.replace(new RegExp(`\`${PROJECT}\\.${DATASET}\\.(\\w+)\``, 'g'), '"$1"').replace(/`(\w+)`/g, '"$1"');
  for (const p of [...params].sort((a, b) => b.name.length - a.name.length)) {
    const v = p.parameterValue.value;
    out = out.replaceAll(`@${p.name}`, v === undefined ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
  }
  return out;
}

async function count(sql: string): Promise<Record<string, number>> {
  const rows = (await conn.runAndReadAll(sql)).getRowObjects();
  return Object.fromEntries(rows.map((r) => [String(r.k), Number(r.n)]));
}

beforeAll(async () => {
  standIn.tables.clear();
  standIn.datasets.clear();
  wh = await h.open();
  await wh.init();
  // The DuckDB copy: the same TABLES, created by the DuckDB warehouse itself.
  dir = tempDir('ci-bq-orgs-');
  const file = join(dir, 'copy.duckdb');
  const w = await openWarehouse(`duckdb:${file}`);
  await w.init();
  await w.close();
  db = await DuckDBInstance.create(file);
  conn = await db.connect();
});
afterAll(async () => {
  conn?.closeSync();
  db?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe('a window of one organization on BigQuery', () => {
  it("deletes only its own organization's days and snapshot, and the statements do so when run", async () => {
    await wh.replaceWindow({ organizationId: 'org_a', tables: ['claude_costs'], days: { from: '2025-03-01', to: '2025-03-02' }, ledger: ledger({ organizationId: 'org_a' }) }, async (sink) => {
      await sink.append('claude_costs', [cost('2025-03-01')]);
    });
    const days = standIn.queries.at(-1)!;
    await wh.replaceWindow({ organizationId: 'org_a', tables: ['claude_workspaces'], ledger: ledger({ organizationId: 'org_a', stream: 'org' }) }, async () => undefined);
    const snapshot = standIn.queries.at(-1)!;
    const params = (q: { params: unknown[] }) => q.params as Array<{ name: string; parameterValue: { value?: string } }>;
    expect(params(days).find((p) => p.name === 'window_organization')?.parameterValue.value).toBe('org_a');
    const deletes = (q: { sql: string }) => q.sql.split('\n').filter((l) => l.startsWith('DELETE'));
    expect(deletes(days)).toHaveLength(1);
    expect(deletes(snapshot)).toHaveLength(1);
    for (const d of [...deletes(days), ...deletes(snapshot)]) expect(d).toContain('`organization_id` = @window_organization');
    // The ledger row is merged on its organization too: org_b's row for the same window stays.
    expect(days.sql).toMatch(/MERGE [^\n]*ON [^\n]*`organization_id`/);

    // Two organizations' rows for the same days and the same snapshot, then org_a's statements.
    const cols = '(organization_id, activity_date, description, currency, amount_cents, amount_usd, run_id, ingested_at)';
    for (const org of ['org_a', 'org_b']) {
      for (const day of ['2025-02-28', '2025-03-01', '2025-03-02']) {
        await conn.run(`INSERT INTO claude_costs ${cols} VALUES ('${org}', '${day}', 'x', 'USD', 100, 1, 'r', TIMESTAMP '2025-03-03 00:00:00')`);
      }
      await conn.run(`INSERT INTO claude_workspaces (organization_id, id, name, run_id, ingested_at) VALUES ('${org}', 'wrkspc_${org}', '${org} workspace', 'r', TIMESTAMP '2025-03-03 00:00:00')`);
    }
    for (const d of [...deletes(days).map((s) => onDuckDb(s, params(days))), ...deletes(snapshot).map((s) => onDuckDb(s, params(snapshot)))]) await conn.run(d);
    expect(await count('SELECT organization_id AS k, COUNT(*) AS n FROM claude_costs GROUP BY 1')).toEqual({ org_a: 1, org_b: 3 });
    expect(await count('SELECT organization_id AS k, COUNT(*) AS n FROM claude_workspaces GROUP BY 1')).toEqual({ org_b: 1 });
    const [left] = (await conn.runAndReadAll(`SELECT CAST(activity_date AS VARCHAR) AS d FROM claude_costs WHERE organization_id = 'org_a'`)).getRowObjects();
    expect(left?.d).toBe('2025-02-28');
  });
});

describe('attributing rows from before organization ids on BigQuery', () => {
  it('gives each row its run\'s organization, else the one key\'s, in one transaction that touches nothing else', async () => {
    standIn.answer = () => undefined; // no meta row: not attributed yet
    const mark = standIn.queries.length;
    await wh.attributeOrganization('org_a');
    const script = standIn.queries.slice(mark).find((q) => q.sql.startsWith('BEGIN TRANSACTION;'))!;
    const lines = script.sql.split('\n');
    expect(lines[0]).toBe('BEGIN TRANSACTION;');
    expect(lines.at(-1)).toBe('COMMIT TRANSACTION;');
    const updates = lines.filter((l) => l.startsWith('UPDATE'));
    expect(updates.length).toBeGreaterThan(0);
    // Every UPDATE only ever fills a NULL organization.
    for (const u of script.sql.split(';').filter((s) => s.trim().startsWith('UPDATE'))) expect(u).toMatch(/`organization_id` IS NULL/);
    expect(lines.some((l) => l.startsWith('INSERT INTO') && l.includes('claude_ingest_meta'))).toBe(true);

    await conn.run('DELETE FROM claude_costs');
    await conn.run('DELETE FROM ingest_runs');
    const cols = '(organization_id, activity_date, description, currency, amount_cents, amount_usd, run_id, ingested_at)';
    await conn.run(
      `INSERT INTO ingest_runs (run_id, command, status, organization_id, started_at) VALUES ('run-b', 'backfill', 'ok', 'org_b', TIMESTAMP '2025-03-03 00:00:00'), ('run-old', 'backfill', 'ok', NULL, TIMESTAMP '2025-03-03 00:00:00')`,
    );
    await conn.run(`INSERT INTO claude_costs ${cols} VALUES
      (NULL, '2025-03-01', 'by run', 'USD', 1, 0.01, 'run-b', TIMESTAMP '2025-03-03 00:00:00'),
      (NULL, '2025-03-01', 'no run org', 'USD', 1, 0.01, 'run-old', TIMESTAMP '2025-03-03 00:00:00'),
      ('org_c', '2025-03-01', 'someone else', 'USD', 1, 0.01, 'run-old', TIMESTAMP '2025-03-03 00:00:00')`);
    const statements = script.sql.split(';\n').map((s) => s.trim()).filter((s) => s.startsWith('UPDATE') || s.startsWith('INSERT'));
    for (const s of statements) await conn.run(onDuckDb(s.replace(/;$/, ''), script.params as Array<{ name: string; parameterValue: { value?: string } }>));
    const rows = (await conn.runAndReadAll('SELECT description AS k, organization_id AS o FROM claude_costs ORDER BY 1')).getRowObjects();
    expect(rows.map((r) => [r.k, r.o])).toEqual([
      ['by run', 'org_b'],
      ['no run org', 'org_a'],
      ['someone else', 'org_c'],
    ]);
    const meta = (await conn.runAndReadAll(`SELECT value FROM claude_ingest_meta WHERE key = 'organizations_attributed'`)).getRowObjects();
    expect(meta.map((m) => m.value)).toEqual(['org_a']);
  });

  it('with several keys (null) it only counts, and once attributed it costs one lookup', async () => {
    standIn.answer = (sql) => (sql.includes('COUNT(*)') ? { fields: [{ name: 'table_name', type: 'STRING' }, { name: 'n', type: 'INT64' }], rows: [['claude_costs', '4']] } : undefined);
    let mark = standIn.queries.length;
    expect(await wh.attributeOrganization(null)).toEqual({ attributed: 0, unattributed: 4 });
    expect(standIn.queries.slice(mark).some((q) => /UPDATE|BEGIN/.test(q.sql))).toBe(false);
    standIn.answer = (sql) => (sql.includes('claude_ingest_meta') ? { fields: [{ name: 'x', type: 'INT64' }], rows: [['1']] } : undefined);
    mark = standIn.queries.length;
    expect(await wh.attributeOrganization('org_a')).toEqual({ attributed: 0, unattributed: 0 });
    expect(standIn.queries.slice(mark)).toHaveLength(1);
    standIn.answer = () => undefined;
  });
});
