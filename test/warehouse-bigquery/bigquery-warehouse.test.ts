import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBigQueryWarehouse, type BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { parseWarehouseUrl } from '../../src/warehouse/open-warehouse.js';
import { CENTS_SCALE, USD_SCALE } from '../../src/util/money.js';
import type { IsoDay } from '../../src/util/dates.js';
import type { Cents, Usd } from '../../src/util/money.js';
import { SCHEMA_VERSION, TABLES, type RowOf } from '../../src/warehouse/tables.js';
import { WarehouseError, WarehouseSchemaError, type WindowRecord } from '../../src/warehouse/warehouse.js';
import { DATASET, PROJECT, useStandIn } from './harness.js';
import type { RecordedRequest } from './stand-in.js';

// The stand-in, the static credential and the "nothing but loopback was contacted" check.
const h = useStandIn();
const { standIn } = h;
const open = h.open;

/** Answers the schema-version read like a warehouse at `version` (null: no row). */
function schemaVersion(version: number | null): void {
  standIn.answer = (sql) =>
    sql.includes('claude_ingest_meta') && sql.startsWith('SELECT')
      ? { fields: [{ name: 'value', type: 'STRING' }], rows: version === null ? [] : [[String(version)]] }
      : undefined;
}

function since(mark: number): RecordedRequest[] {
  return standIn.requests.slice(mark);
}

const tableFullId = (t: string) => `${PROJECT}.${DATASET}.${t}`;

beforeEach(() => {
  h.stats.length = 0;
  standIn.failQuery = () => undefined;
  schemaVersion(null);
});

describe('init', () => {
  afterEach(() => {
    standIn.tables.clear();
    standIn.datasets.clear();
  });

  it('creates the dataset and every table with partitioning, clustering, partition filters, BIGNUMERIC money and descriptions', async () => {
    const wh = await open();
    const mark = standIn.requests.length;
    await wh.init();
    const reqs = since(mark);

    const dsInsert = reqs.find((r) => r.method === 'POST' && r.path === `/bigquery/v2/projects/${PROJECT}/datasets`);
    expect(dsInsert?.json).toMatchObject({ datasetReference: { datasetId: DATASET }, location: 'US' });

    const inserts = reqs.filter((r) => r.method === 'POST' && r.path.endsWith(`/datasets/${DATASET}/tables`));
    expect(inserts.map((r) => (r.json as { tableReference: { tableId: string } }).tableReference.tableId).sort()).toEqual(Object.keys(TABLES).sort());
    const body = (name: string) => inserts.find((r) => (r.json as { tableReference: { tableId: string } }).tableReference.tableId === name)!.json as Record<string, unknown>;

    const costs = body('claude_costs');
    expect(costs.timePartitioning).toEqual({ type: 'DAY', field: 'activity_date' });
    expect(costs.clustering).toEqual({ fields: TABLES.claude_costs.clusterBy });
    expect(TABLES.claude_costs.clusterBy).toEqual(expect.arrayContaining(['workspace_id', 'model']));
    expect(costs.requirePartitionFilter).toBe(true);
    expect(costs.description).toBe(TABLES.claude_costs.doc);
    const fields = (costs.schema as { fields: { name: string; type: string; mode: string; description: string }[] }).fields;
    expect(fields.map((f) => f.name)).toEqual(TABLES.claude_costs.columns.map((c) => c.name));
    // Every column carries its TABLES doc as the BigQuery description, and its mode from nullable.
    expect(fields.map((f) => [f.name, f.mode, f.description])).toEqual(
      TABLES.claude_costs.columns.map((c) => [c.name, c.nullable === false ? 'REQUIRED' : 'NULLABLE', c.doc]),
    );
    expect(fields.find((f) => f.name === 'amount_cents')).toMatchObject({ type: 'BIGNUMERIC', mode: 'REQUIRED' });
    expect(fields.find((f) => f.name === 'amount_usd')).toMatchObject({ type: 'BIGNUMERIC', mode: 'REQUIRED' });
    expect(fields.find((f) => f.name === 'activity_date')).toMatchObject({ type: 'DATE', mode: 'REQUIRED' });
    expect(fields.find((f) => f.name === 'ingested_at')).toMatchObject({ type: 'TIMESTAMP', mode: 'REQUIRED' });
    expect(fields.find((f) => f.name === 'workspace_id')).toMatchObject({ type: 'STRING', mode: 'NULLABLE' });

    for (const name of ['claude_costs', 'claude_usage_keys', 'claude_code_productivity', 'claude_code_model_usage'] as const) {
      const b = body(name);
      expect(b.requirePartitionFilter, name).toBe(true);
      expect(b.timePartitioning, name).toEqual({ type: 'DAY', field: 'activity_date' });
      expect(b.clustering, name).toEqual({ fields: TABLES[name].clusterBy });
    }
    for (const name of ['claude_cost_daily_totals', 'claude_usage_daily_totals'] as const) {
      expect(body(name).timePartitioning, name).toEqual({ type: 'DAY', field: 'activity_date' });
      expect(body(name).requirePartitionFilter, name).toBeUndefined();
      expect(body(name).clustering, name).toBeUndefined();
    }
    for (const name of ['claude_api_keys', 'claude_workspaces', 'claude_users', 'ingest_runs', 'ingest_windows', 'claude_ingest_meta'] as const) {
      expect(body(name).timePartitioning, name).toBeUndefined();
    }
    const usage = (body('claude_usage_keys').schema as { fields: { name: string; type: string }[] }).fields;
    expect(usage.find((f) => f.name === 'output_tokens')?.type).toBe('INT64');
    const prod = (body('claude_code_productivity').schema as { fields: { name: string; type: string }[] }).fields;
    expect(prod.find((f) => f.name === 'tool_actions')?.type).toBe('STRING');
    // JSON columns (extra, tool_actions, ...) are STRING holding JSON text, the same text DuckDB keeps.
    for (const def of Object.values(TABLES)) {
      const f = (body(def.name).schema as { fields: { name: string; type: string }[] }).fields;
      for (const c of def.columns.filter((col) => col.type === 'json')) expect(f.find((x) => x.name === c.name)?.type, `${def.name}.${c.name}`).toBe('STRING');
      for (const c of def.columns.filter((col) => col.type === 'bool')) expect(f.find((x) => x.name === c.name)?.type, `${def.name}.${c.name}`).toBe('BOOL');
    }
    const ledger = (body('ingest_windows').schema as { fields: { name: string; type: string }[] }).fields;
    expect(ledger.find((f) => f.name === 'cents_total')?.type).toBe('BIGNUMERIC');

    // The schema version is written with a MERGE, typed parameters, in the same dataset.
    const merge = standIn.queries.at(-1)!;
    expect(merge.sql).toMatch(/^MERGE `test-project\.claude_usage\.claude_ingest_meta` AS t/);
    expect(merge.params).toEqual([
      { name: 'key', parameterType: { type: 'STRING' }, parameterValue: { value: 'schema_version' } },
      { name: 'value', parameterType: { type: 'STRING' }, parameterValue: { value: String(SCHEMA_VERSION) } },
    ]);
  });

  it('is idempotent: a second init creates nothing and writes nothing', async () => {
    const wh = await open();
    await wh.init();
    schemaVersion(SCHEMA_VERSION);
    const mark = standIn.requests.length;
    await wh.init();
    const reqs = since(mark);
    expect(reqs.filter((r) => r.method === 'POST' && !r.path.endsWith('/jobs'))).toEqual([]);
    expect(standIn.queries.at(-1)!.sql).toMatch(/^SELECT `value` FROM `test-project\.claude_usage\.claude_ingest_meta`/);
    expect(reqs.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'))).toHaveLength(1);
  });

  it('refuses a warehouse written by a newer claude-ingest', async () => {
    await (await open()).init();
    schemaVersion(SCHEMA_VERSION + 1);
    await expect((await open()).init()).rejects.toThrow(WarehouseSchemaError);
  });

  it('refuses a table whose columns do not match', async () => {
    await (await open()).init();
    const t = standIn.tables.get(tableFullId('claude_costs')) as { schema: { fields: { name: string; type: string }[] } };
    t.schema.fields.find((f) => f.name === 'amount_usd')!.type = 'FLOAT';
    await expect((await open()).init()).rejects.toThrow(/amount_usd is FLOAT64, expected BIGNUMERIC/);
  });

  it('a read-only open of a dataset without claude_cost_allocation_days (reader-optional) is not refused, another missing table is; a write-open creates it', async () => {
    await (await open()).init();
    // The stand-in keeps no meta rows: the version reads as this build's, as a dataset it wrote would.
    schemaVersion(SCHEMA_VERSION);
    standIn.tables.delete(tableFullId('claude_cost_allocation_days'));
    const ro = await open({ readOnly: true });
    await ro.init();
    expect(ro.lacks('claude_cost_allocation_days')).toBe(true);
    expect(ro.lacks('claude_cost_allocation_lines')).toBe(false);
    standIn.tables.delete(tableFullId('claude_cost_allocation'));
    await expect((await open({ readOnly: true })).init()).rejects.toThrow(WarehouseError);
    const writer = await open();
    await writer.init();
    expect(writer.lacks('claude_cost_allocation_days')).toBe(false);
    expect(standIn.tables.has(tableFullId('claude_cost_allocation_days'))).toBe(true);
    const again = await open({ readOnly: true });
    await again.init();
    expect(again.lacks('claude_cost_allocation_days')).toBe(false);
  });

  it('read-only does not create a missing dataset', async () => {
    const wh = await open({ readOnly: true });
    await expect(wh.init()).rejects.toThrow(WarehouseError);
    expect(standIn.datasets.size).toBe(0);
  });
});

const ledger = (over: Partial<WindowRecord> = {}): WindowRecord => ({
  runId: 'run-1',
  stream: 'cost',
  windowStart: '2025-03-01',
  windowEnd: '2025-03-02',
  status: 'running',
  complete: true,
  rows: 3,
  requests: 2,
  retries: 0,
  rateLimited: 0,
  centsTotal: '123456789012345678901.123456789',
  error: null,
  startedAt: '2025-03-03T06:00:00.123Z',
  finishedAt: '2025-03-03T06:01:00Z',
  ...over,
});

// Test rows take days and amounts as plain text and cast them: some tests hand the warehouse values it must refuse.
function costRow(day: string, cents: string, usd: string, description: string): RowOf<'claude_costs'> {
  return {
    activity_date: day as IsoDay,
    workspace_id: null,
    description,
    cost_type: 'tokens',
    model: 'claude-sonnet-4',
    service_tier: 'standard',
    token_type: 'output_tokens',
    context_window: '0-200k',
    inference_geo: 'global',
    currency: 'USD',
    amount_cents: cents as Cents,
    amount_usd: usd as Usd,
    extra: null,
  };
}

function totalRow(day: string, cents: string, usd: string): RowOf<'claude_cost_daily_totals'> {
  return { activity_date: day as IsoDay, currency: 'USD', amount_cents: cents as Cents, amount_usd: usd as Usd, extra: null };
}

describe('replaceWindow', () => {
  let wh: BigQueryWarehouse;
  beforeAll(async () => {
    standIn.tables.clear();
    standIn.datasets.clear();
    wh = await open();
    await wh.init();
  });

  async function writeCostWindow(): Promise<{ rows: number; reqs: RecordedRequest[] }> {
    const mark = standIn.requests.length;
    const rows = await wh.replaceWindow(
      { organizationId: 'org_test', tables: ['claude_costs', 'claude_cost_daily_totals'], days: { from: '2025-03-01', to: '2025-03-02' }, ledger: ledger() },
      async (sink) => {
        // Two pages for one table: staged to one file, loaded by one job.
        await sink.append('claude_costs', [costRow('2025-03-01', '123.456789012', '1.23456789012', 'Claude Sonnet 4 Usage - Output Tokens')]);
        await sink.append('claude_costs', [costRow('2025-03-02', '0.000000001', '0.00000000001', 'Web search')]);
        await sink.append('claude_cost_daily_totals', [totalRow('2025-03-01', '123.456789012', '1.23456789012')]);
      },
    );
    return { rows, reqs: since(mark) };
  }

  it('stages NDJSON through load jobs into expiring staging tables, then replaces the days in one transaction', async () => {
    const { rows, reqs } = await writeCostWindow();
    expect(rows).toBe(3);

    const stagingId = '_claude_ingest_stage_claude_costs_20250301_20250302';
    const stagingCreate = reqs.find((r) => r.method === 'POST' && (r.json as { tableReference?: { tableId: string } })?.tableReference?.tableId === stagingId);
    const created = stagingCreate!.json as { expirationTime: string; timePartitioning?: unknown; schema: { fields: { name: string; type: string }[] } };
    expect(Number(created.expirationTime)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(created.timePartitioning).toBeUndefined();

    const uploads = reqs.filter((r) => r.path.startsWith('/upload/'));
    expect(uploads).toHaveLength(2);
    for (const u of uploads) {
      expect(u.method).toBe('POST');
      expect(u.path).toBe(`/upload/bigquery/v2/projects/${PROJECT}/jobs`);
      expect(u.query.uploadType).toBe('multipart');
      expect(u.contentType).toMatch(/^multipart\/related/);
    }
    const costsLoad = uploads.find((u) => u.media!.includes('Web search'))!;
    const load = (costsLoad.json as { configuration: { load: Record<string, unknown> } }).configuration.load;
    expect(load).toMatchObject({
      destinationTable: { projectId: PROJECT, datasetId: DATASET, tableId: stagingId },
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_TRUNCATE',
      createDisposition: 'CREATE_NEVER',
      maxBadRecords: 0,
    });
    const loadFields = (load.schema as { fields: { name: string; type: string; mode: string }[] }).fields;
    expect(loadFields.map((f) => [f.name, f.type, f.mode])).toEqual(
      TABLES.claude_costs.columns.map((c) => [c.name, c.type === 'cents' || c.type === 'usd' ? 'BIGNUMERIC' : expect.any(String), c.nullable === false ? 'REQUIRED' : 'NULLABLE']),
    );

    // Money travels as JSON strings, digit for digit: never a JSON number a parser could round.
    const lines = costsLoad.media!.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"amount_cents":"123.456789012","amount_usd":"1.23456789012"');
    expect(lines[1]).toContain('"amount_cents":"0.000000001","amount_usd":"0.00000000001"');
    // The stamped columns come from the window: its organization, the ledger row's runId and startedAt.
    expect(JSON.parse(lines[0]!)).toMatchObject({ organization_id: 'org_test', activity_date: '2025-03-01', workspace_id: null, run_id: 'run-1', ingested_at: '2025-03-03T06:00:00.123000Z' });

    const script = standIn.queries.at(-1)!;
    const stmts = script.sql.split('\n');
    expect(stmts[0]).toBe('BEGIN TRANSACTION;');
    // The DELETE is bounded by the window's days first (partition pruning), whatever else narrows it.
    expect(stmts[1]).toMatch(/^DELETE FROM `test-project\.claude_usage\.claude_costs` WHERE `activity_date` BETWEEN @window_from AND @window_to( AND [^;]+)?;$/);
    // The insert names every column of TABLES in order, and takes each from the staging table.
    const costCols = TABLES.claude_costs.columns.map((c) => `\`${c.name}\``).join(', ');
    expect(stmts[2]).toBe(
      `INSERT INTO \`test-project.claude_usage.claude_costs\` (${costCols}) SELECT ${costCols} FROM \`test-project.claude_usage._claude_ingest_stage_claude_costs_20250301_20250302\`;`,
    );
    expect(stmts[3]).toMatch(/^DELETE FROM `test-project\.claude_usage\.claude_cost_daily_totals` WHERE `activity_date` BETWEEN @window_from AND @window_to( AND [^;]+)?;$/);
    expect(stmts[4]).toMatch(/^INSERT INTO `test-project\.claude_usage\.claude_cost_daily_totals` .* FROM `test-project\.claude_usage\._claude_ingest_stage_claude_cost_daily_totals_20250301_20250302`;$/);
    expect(stmts[5]).toMatch(/^MERGE `test-project\.claude_usage\.ingest_windows` AS t USING \(SELECT (@\w+ AS `\w+`, )*@run_id AS `run_id`/);
    expect(stmts[6]).toBe('COMMIT TRANSACTION;');
    expect(stmts).toHaveLength(7);
    const param = (name: string) => (script.params as { name: string }[]).find((p) => p.name === name);
    expect(param('window_from')).toEqual({ name: 'window_from', parameterType: { type: 'DATE' }, parameterValue: { value: '2025-03-01' } });
    expect(param('window_to')).toEqual({ name: 'window_to', parameterType: { type: 'DATE' }, parameterValue: { value: '2025-03-02' } });
    expect(param('status')).toMatchObject({ parameterValue: { value: 'ok' } });
    expect(param('cents_total')).toEqual({ name: 'cents_total', parameterType: { type: 'BIGNUMERIC' }, parameterValue: { value: '123456789012345678901.123456789' } });
    expect(param('error')).toEqual({ name: 'error', parameterType: { type: 'STRING' }, parameterValue: {} });

    // Staging is dropped after the commit (and only then).
    const drops = reqs.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-1));
    expect(drops.sort()).toEqual(['_claude_ingest_stage_claude_cost_daily_totals_20250301_20250302', stagingId]);
    expect(reqs.findIndex((r) => r.method === 'DELETE')).toBeGreaterThan(reqs.findIndex((r) => (r.json as { configuration?: { query?: { query: string } } })?.configuration?.query?.query.startsWith('BEGIN')));
    expect([...standIn.tables.keys()].filter((k) => k.includes('_stage_'))).toEqual([]);

    expect(h.stats.filter((s) => s.jobType === 'load').map((s) => s.outputRows).sort()).toEqual([1, 2]);
    expect(h.stats.find((s) => s.jobType === 'query')).toMatchObject({ totalBytesProcessed: 1048576, totalBytesBilled: 10485760 });
  });

  it('a re-run of the same window sends the same replacement, never an append or a streaming insert', async () => {
    const normalize = (reqs: RecordedRequest[]) =>
      JSON.stringify(reqs.map((r) => ({ method: r.method, path: r.path.replace(/\/jobs\/[^/]+$/, '/jobs/ID').replace(/\/queries\/[^/]+$/, '/queries/ID'), json: r.json, media: r.media })))
        .replace(/"jobId":"[^"]+"/g, '"jobId":"ID"')
        .replace(/"expirationTime":"\d+"/g, '"expirationTime":"T"');
    const first = await writeCostWindow();
    const second = await writeCostWindow();
    expect(normalize(second.reqs)).toBe(normalize(first.reqs));
    const everything = JSON.stringify(standIn.requests);
    expect(everything).not.toContain('WRITE_APPEND');
    expect(standIn.requests.some((r) => r.path.includes('insertAll'))).toBe(false);
  });

  it('replaces a snapshot table whole and skips the load when a table has no rows', async () => {
    const mark = standIn.requests.length;
    const rows = await wh.replaceWindow(
      { organizationId: 'org_test', tables: ['claude_workspaces'], ledger: ledger({ stream: 'org', windowStart: '2025-03-03', windowEnd: '2025-03-03' }) },
      async () => undefined,
    );
    expect(rows).toBe(0);
    expect(since(mark).filter((r) => r.path.startsWith('/upload/'))).toEqual([]);
    const [begin, del] = standIn.queries.at(-1)!.sql.split('\n');
    expect(begin).toBe('BEGIN TRANSACTION;');
    // No day bound: the whole snapshot (of whatever the window owns) is replaced.
    expect(del).toMatch(/^DELETE FROM `test-project\.claude_usage\.claude_workspaces` WHERE (?!.*activity_date)[^;]+;$/);
  });

  it('writes nothing when fill throws or a row falls outside the window', async () => {
    const mark = standIn.requests.length;
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: { from: '2025-03-01', to: '2025-03-01' }, ledger: ledger() }, async (sink) => {
        await sink.append('claude_costs', [costRow('2025-03-01', '1', '0.01', 'x')]);
        throw new Error('page 2 failed');
      }),
    ).rejects.toThrow('page 2 failed');
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: { from: '2025-03-01', to: '2025-03-01' }, ledger: ledger() }, (sink) =>
        sink.append('claude_costs', [costRow('2025-03-05', '1', '0.01', 'x')]),
      ),
      // The window writer's check, the same line as on DuckDB (test/warehouse/duckdb-write.test.ts).
    ).rejects.toThrow('claude_costs: 1 row(s) dated 2025-03-05…2025-03-05 fall outside the window 2025-03-01…2025-03-01');
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: { from: '2025-03-01', to: '2025-03-01' }, ledger: ledger() }, (sink) =>
        // Rounding to the scale is the transform's job (counted in the ledger); the warehouse never rounds.
        sink.append('claude_costs', [costRow('2025-03-01', `0.${'0'.repeat(CENTS_SCALE)}1`, `0.${'0'.repeat(USD_SCALE)}1`, 'x')]),
      ),
    ).rejects.toThrow(new RegExp(`more than ${CENTS_SCALE} decimal places`));
    expect(since(mark)).toEqual([]);
  });

  it('fails the window (and says why) when the transaction fails', async () => {
    standIn.failQuery = (sql) => (sql.startsWith('BEGIN') ? 'Query error: boom at [3:1]' : undefined);
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: { from: '2025-03-01', to: '2025-03-01' }, ledger: ledger() }, (sink) =>
        sink.append('claude_costs', [costRow('2025-03-01', '1', '0.01', 'x')]),
      ),
    ).rejects.toThrow(/query job .* failed: Query error: boom/);
    expect([...standIn.tables.keys()].filter((k) => k.includes('_stage_'))).toEqual([]);
  });
});

describe('query and ledger reads', () => {
  let wh: BigQueryWarehouse;
  beforeAll(async () => {
    wh = await open();
  });

  it('sends positional, explicitly typed parameters and converts every result type exactly', async () => {
    standIn.answer = () => ({
      fields: [
        { name: 'd', type: 'DATE' },
        { name: 'ts', type: 'TIMESTAMP' },
        { name: 'cents', type: 'BIGNUMERIC' },
        { name: 'usd', type: 'NUMERIC' },
        { name: 'n', type: 'INTEGER' },
        { name: 'huge', type: 'INTEGER' },
        { name: 'b', type: 'BOOLEAN' },
        { name: 's', type: 'STRING' },
        { name: 'nothing', type: 'BIGNUMERIC' },
      ],
      rows: [['2025-03-01', '1740787200123456', '123456789012345678901234.12345678901', '1.50', '42', '9007199254740993', 'true', 'x', null]],
    });
    const sql = `SELECT 1 FROM ${wh.dialect.table('claude_costs')} WHERE activity_date >= ${wh.dialect.dateParam()} AND model = ? AND n > ? AND x = ?`;
    const rows = await wh.query(sql, ['2025-03-01', 'claude', 7, null]);
    expect(rows).toEqual([
      { d: '2025-03-01', ts: '2025-03-01T00:00:00.123Z', cents: '123456789012345678901234.12345678901', usd: '1.5', n: 42, huge: '9007199254740993', b: true, s: 'x', nothing: null },
    ]);
    const job = standIn.requests.filter((r) => r.path.endsWith('/jobs')).at(-1)!.json as { configuration: { query: Record<string, unknown> } };
    expect(job.configuration.query).toMatchObject({
      query: 'SELECT 1 FROM `test-project.claude_usage.claude_costs` WHERE activity_date >= CAST(? AS DATE) AND model = ? AND n > ? AND x = ?',
      useLegacySql: false,
      parameterMode: 'POSITIONAL',
      queryParameters: [
        { parameterType: { type: 'STRING' }, parameterValue: { value: '2025-03-01' } },
        { parameterType: { type: 'STRING' }, parameterValue: { value: 'claude' } },
        { parameterType: { type: 'INT64' }, parameterValue: { value: '7' } },
        { parameterType: { type: 'STRING' }, parameterValue: {} },
      ],
    });
    // Results are read raw: the client's number/Big parsing never sees the money.
    const read = standIn.requests.filter((r) => r.path.includes('/queries/')).at(-1)!;
    expect(read.query['formatOptions.useInt64Timestamp']).toBe('true');
  });

  it('dialect quotes names and keeps sums exact', () => {
    expect(wh.dialect.table('claude_costs')).toBe('`test-project.claude_usage.claude_costs`');
    expect(wh.dialect.ident('amount`x')).toBe('`amount\\`x`');
    expect(wh.dialect.sumExact('amount_cents')).toBe('SUM(amount_cents)');
    expect(wh.dialect.toText('x')).toBe('CAST(x AS STRING)');
    expect(wh.dialect.dateParam()).toBe('CAST(? AS DATE)');
  });

  it('lists the latest ledger row per window and maps it back', async () => {
    // Cells by column name, laid out in TABLES order as BigQuery answers `SELECT *`.
    const cells: Record<string, string | null> = {
      run_id: 'run-2',
      stream: 'cost',
      window_start: '2025-03-01',
      window_end: '2025-03-02',
      status: 'failed',
      complete: 'false',
      rows: '0',
      requests: '5',
      retries: '4',
      rate_limited: '3',
      cents_total: null,
      rounded_values: '2',
      unknown_measures: '{"2025-03-01":{"claude_usage_keys: cache_creation.ephemeral_30m_input_tokens":"7"}}',
      error: 'HTTP 500',
      started_at: '1740981600000000',
      finished_at: null,
    };
    // Every cell names a real column (a column added later simply answers NULL here).
    expect(Object.keys(cells).filter((k) => !TABLES.ingest_windows.columns.some((c) => c.name === k))).toEqual([]);
    standIn.answer = () => ({
      fields: TABLES.ingest_windows.columns.map((c) => ({ name: c.name, type: { date: 'DATE', timestamp: 'TIMESTAMP', string: 'STRING', int: 'INTEGER', bool: 'BOOLEAN', cents: 'BIGNUMERIC', usd: 'BIGNUMERIC', json: 'STRING' }[c.type] })),
      rows: [TABLES.ingest_windows.columns.map((c) => cells[c.name] ?? null)],
    });
    const windows = await wh.listWindows({ status: 'failed' });
    expect(windows).toHaveLength(1);
    expect(windows).toMatchObject([
      {
        runId: 'run-2',
        stream: 'cost',
        windowStart: '2025-03-01',
        windowEnd: '2025-03-02',
        status: 'failed',
        complete: false,
        rows: 0,
        requests: 5,
        retries: 4,
        rateLimited: 3,
        centsTotal: null,
        roundedValues: 2,
        unknownMeasures: '{"2025-03-01":{"claude_usage_keys: cache_creation.ephemeral_30m_input_tokens":"7"}}',
        error: 'HTTP 500',
        startedAt: '2025-03-03T06:00:00.000Z',
        finishedAt: null,
      },
    ]);
    const q = standIn.queries.at(-1)!;
    // Latest row per window: the partition holds the window's identity (stream and days), whatever else keys it.
    const partition = /ROW_NUMBER\(\) OVER \(PARTITION BY ([^)]*?) ORDER BY `started_at` DESC/.exec(q.sql)?.[1] ?? '';
    for (const k of ['`stream`', '`window_start`', '`window_end`']) expect(partition.split(', ')).toContain(k);
    expect(q.params).toEqual([
      { name: 'stream', parameterType: { type: 'STRING' }, parameterValue: {} },
      { name: 'status', parameterType: { type: 'STRING' }, parameterValue: { value: 'failed' } },
    ]);
  });

  it('records runs with a MERGE on the natural key', async () => {
    await wh.recordRun({ runId: 'run-3', command: 'backfill', args: { from: '2025-01-01' }, toolVersion: '0.1.0', status: 'running', windowsOk: 0, windowsFailed: 0, startedAt: '2025-03-03T06:00:00Z', finishedAt: null });
    const q = standIn.queries.at(-1)!;
    expect(q.sql).toMatch(/^MERGE `test-project\.claude_usage\.ingest_runs` AS t USING \(SELECT .*\) AS s ON t\.`run_id` (=|IS NOT DISTINCT FROM) s\.`run_id` WHEN MATCHED THEN UPDATE SET .* WHEN NOT MATCHED THEN INSERT/);
    expect(q.params).toContainEqual({ name: 'args', parameterType: { type: 'STRING' }, parameterValue: { value: '{"from":"2025-01-01"}' } });
    expect(q.params).toContainEqual({ name: 'started_at', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2025-03-03T06:00:00.000000Z' } });
  });
});

describe('the warehouse URL', () => {
  it('parses project, dataset, location, endpoint and auth, and rejects anything else', async () => {
    expect(parseWarehouseUrl('bigquery://my-project-1/claude_usage?location=EU')).toEqual({ kind: 'bigquery', project: 'my-project-1', dataset: 'claude_usage', location: 'EU' });
    expect(parseWarehouseUrl('bigquery://my-project-1/claude_usage')).toEqual({ kind: 'bigquery', project: 'my-project-1', dataset: 'claude_usage' });
    expect(parseWarehouseUrl('bigquery://my-project-1/claude_usage?endpoint=http://127.0.0.1:9050&auth=none')).toEqual({
      kind: 'bigquery',
      project: 'my-project-1',
      dataset: 'claude_usage',
      endpoint: 'http://127.0.0.1:9050',
      auth: 'none',
    });
    expect(() => parseWarehouseUrl('bigquery://my-project-1/claude-usage')).toThrow(/dataset name/);
    expect(() => parseWarehouseUrl('bigquery://my-project-1/claude_usage?foo=1')).toThrow(/unknown option "foo"/);
    expect(() => parseWarehouseUrl('bigquery://my-project-1/claude_usage?auth=maybe')).toThrow(/auth=maybe/);
    expect(() => parseWarehouseUrl('bigquery://my-project-1')).toThrow(WarehouseError);
    await expect(openBigQueryWarehouse({ kind: 'bigquery', project: 'x', dataset: 'claude_usage', auth: 'none', endpoint: h.endpoint() })).rejects.toThrow(/project id/);
  });
});

describe('concurrent-update retry', () => {
  it('retries a statement BigQuery cancelled for a concurrent update, and nothing else', async () => {
    const wh = await open();
    let conflicts = 2;
    standIn.failQuery = (sql) =>
      sql.startsWith('MERGE') && conflicts-- > 0 ? 'Transaction is aborted due to concurrent update against table test-project.claude_usage.ingest_windows' : undefined;
    const before = standIn.queries.length;
    await wh.recordWindow(ledger({ status: 'failed', error: 'x' }));
    const merges = standIn.queries.slice(before).filter((q) => q.sql.startsWith('MERGE'));
    expect(merges).toHaveLength(3);
    expect(new Set(merges.map((q) => JSON.stringify(q)))).toHaveProperty('size', 1);

    standIn.failQuery = (sql) => (sql.startsWith('MERGE') ? 'Query error: Invalid value' : undefined);
    const mark = standIn.queries.length;
    await expect(wh.recordWindow(ledger())).rejects.toThrow(/Invalid value/);
    expect(standIn.queries.slice(mark)).toHaveLength(1);
  });
});
