/**
 * Every read job on BigQuery: the dialect's optional functions, the FOCUS view created by init,
 * exportQuery, and a portability audit of every statement that reports, validation, status and the
 * summary send. The stand-in does not execute SQL, so the audit is static, on the SQL as sent:
 * partition filters on the four require-partition-filter tables, no DuckDB-only syntax, qualified
 * table names, as many parameters as placeholders.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runValidation } from '../../src/checks/index.js';
import { warehouseStatus } from '../../src/ledger/status.js';
import { claudeCodeActiveActors, claudeCodeDaily, spendByDay, toolAcceptance } from '../../src/reports/dashboard-queries.js';
import { focusViewSql, FOCUS_VIEW } from '../../src/warehouse/views/index.js';
import { dataSpan, totalSpend } from '../../src/reports/queries.js';
import { exportSql, reportQuery, REPORT_NAMES, runReport } from '../../src/reports/registry.js';
import { demoSummary } from '../../src/reports/summary.js';
import { bigQueryDialect } from '../../src/warehouse/bigquery/bigquery-sql.js';
import type { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { SCHEMA_VERSION, TABLES } from '../../src/warehouse/tables.js';
import { WarehouseError } from '../../src/warehouse/warehouse.js';
import { DATASET, PROJECT, useStandIn } from './harness.js';
import { audit, PARTITION_FILTERED, queryJobsSince } from './sql-audit.js';
import type { DayRange } from '../../src/util/dates.js';

const h = useStandIn();
const { standIn } = h;
const d = bigQueryDialect(PROJECT, DATASET);
const VIEW_ID = `${PROJECT}.${DATASET}.${FOCUS_VIEW}`;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claude-ingest-bq-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  standIn.failQuery = () => undefined;
  standIn.pageSize = undefined;
  answerVersion(null);
});

function answerVersion(version: number | null): void {
  standIn.answer = (sql) =>
    sql.includes('claude_ingest_meta') && sql.startsWith('SELECT')
      ? { fields: [{ name: 'value', type: 'STRING' }], rows: version === null ? [] : [[String(version)]] }
      : undefined;
}

/** Query jobs sent since `mark`, with their parameter mode. */
const jobsSince = (mark: number) => queryJobsSince(standIn, mark);

describe('dialect', () => {
  it('renders the optional functions in BigQuery SQL, equivalent to the DuckDB ones', () => {
    expect(d.dateTrunc!('x', 'week')).toBe('DATE_TRUNC(x, ISOWEEK)');
    expect(d.dateTrunc!('x', 'month')).toBe('DATE_TRUNC(x, MONTH)');
    expect(d.dateAdd!('x', 1, 'day')).toBe('DATE_ADD(x, INTERVAL 1 DAY)');
    expect(d.dateAdd!('x', -2, 'month')).toBe('DATE_ADD(x, INTERVAL -2 MONTH)');
    expect(() => d.dateAdd!('x', 1.5, 'day')).toThrow(/whole number/);
    expect(d.dateToTimestamp!('x')).toBe('TIMESTAMP(x)');
    expect(d.jsonObject!([['model', 'c.`model`'], ['token_type', 'NULL']])).toBe('TO_JSON_STRING(STRUCT(c.`model` AS `model`, NULL AS `token_type`))');
    expect(d.jsonObject!([])).toBe('TO_JSON_STRING(STRUCT())');
    expect(() => d.jsonObject!([['a', '1'], ['A', '2']])).toThrow(/duplicate key/);
    expect(d.columnsQuery!('claude_code_productivity')).toEqual({
      sql: 'SELECT column_name FROM `test-project.claude_usage.INFORMATION_SCHEMA.COLUMNS` WHERE table_name = ? ORDER BY ordinal_position',
      params: ['claude_code_productivity'],
    });
  });
});

describe('init creates the FOCUS view', () => {
  afterAll(() => {
    standIn.tables.clear();
    standIn.datasets.clear();
  });

  it('with CREATE OR REPLACE VIEW after the tables and before the schema version, then leaves it alone', async () => {
    standIn.tables.clear();
    standIn.datasets.clear();
    const wh = await h.open();
    const mark = standIn.requests.length;
    await wh.init();
    const jobs = jobsSince(mark).map((j) => j.sql);
    const view = `CREATE OR REPLACE VIEW \`${VIEW_ID}\` AS ${focusViewSql(wh.dialect)}`;
    expect(jobs.filter((s) => s.startsWith('CREATE'))).toEqual([view]);
    expect(jobs.at(-1)).toMatch(/^MERGE `test-project\.claude_usage\.claude_ingest_meta`/);
    const lastTableInsert = standIn.requests.map((r, i) => (r.method === 'POST' && r.path.endsWith('/tables') ? i : -1)).reduce((a, b) => Math.max(a, b));
    const viewJob = standIn.requests.findIndex((r) => (r.json as { configuration?: { query?: { query: string } } })?.configuration?.query?.query === view);
    expect(viewJob).toBeGreaterThan(lastTableInsert);

    // The view reads claude_costs only, with the partition filter BigQuery requires, in qualified names.
    const sql = focusViewSql(wh.dialect);
    expect(sql).toContain('FROM `test-project.claude_usage.claude_costs` c');
    expect(sql).toContain("WHERE c.`activity_date` >= DATE '1970-01-01'");
    expect(sql).toContain('TIMESTAMP(DATE_ADD(DATE_TRUNC(c.`activity_date`, MONTH), INTERVAL 1 MONTH)) AS `BillingPeriodEnd`');
    expect(sql).toContain('TO_JSON_STRING(STRUCT(c.`model` AS `model`, c.`service_tier` AS `service_tier`');
    expect(sql).not.toContain('claude_code_model_usage');

    answerVersion(SCHEMA_VERSION);
    const again = standIn.requests.length;
    await wh.init();
    expect(jobsSince(again).map((j) => j.sql.split(' ')[0])).toEqual(['SELECT']);
  });

  it('re-creates a view whose SQL changed, but not from a read-only open', async () => {
    answerVersion(SCHEMA_VERSION);
    (standIn.tables.get(VIEW_ID) as { view: { query: string } }).view.query = 'SELECT 1 AS old';
    const ro = standIn.requests.length;
    await (await h.open({ readOnly: true })).init();
    expect(jobsSince(ro).some((j) => j.sql.startsWith('CREATE'))).toBe(false);

    const mark = standIn.requests.length;
    await (await h.open()).init();
    const creates = jobsSince(mark).filter((j) => j.sql.startsWith('CREATE'));
    expect(creates).toHaveLength(1);
    expect((standIn.tables.get(VIEW_ID) as { view: { query: string } }).view.query).toBe(focusViewSql(d));
  });
});

describe('exportQuery', () => {
  let wh: BigQueryWarehouse;
  beforeAll(async () => {
    wh = await h.open();
  });

  const fields = [
    { name: 'day', type: 'DATE' },
    { name: 'cost_usd', type: 'BIGNUMERIC' },
    { name: 'name', type: 'STRING' },
    { name: 'n', type: 'INTEGER' },
    { name: 'ok', type: 'BOOLEAN' },
    { name: 'at', type: 'TIMESTAMP' },
  ];
  const rows: (string | null)[][] = [
    ['2025-03-01', '123456789012345678901234.12345678901', 'plain', '1', 'true', '1740787200123456'],
    ['2025-03-02', '0.00000000001', 'has, comma', '9007199254740993', 'false', null],
    ['2025-03-03', '-1.5', 'say "hi"\nagain', null, null, '0'],
    ['2025-03-04', '0', '', '0', 'true', null],
    ['2025-03-05', null, null, '-3', 'false', null],
  ];

  it('streams csv page by page with a header, exact money and quoted fields', async () => {
    standIn.answer = (sql) => (sql.startsWith('SELECT') ? { fields, rows } : undefined);
    standIn.pageSize = 2;
    const file = join(dir, 'out.csv');
    const mark = standIn.requests.length;
    await wh.exportQuery!('SELECT * FROM x WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)', ['2025-03-01', '2025-03-05'], file, 'csv');
    expect(await readFile(file, 'utf8')).toBe(
      [
        'day,cost_usd,name,n,ok,at',
        '2025-03-01,123456789012345678901234.12345678901,plain,1,true,2025-03-01T00:00:00.123Z',
        '2025-03-02,0.00000000001,"has, comma",9007199254740993,false,',
        '2025-03-03,-1.5,"say ""hi""\nagain",,,1970-01-01T00:00:00.000Z',
        '2025-03-04,0,"",0,true,',
        '2025-03-05,,,-3,false,',
        '',
      ].join('\n'),
    );
    const pages = standIn.requests.slice(mark).filter((r) => r.path.includes('/queries/'));
    expect(pages.map((p) => p.query.pageToken ?? null)).toEqual([null, '2', '4']);
    const job = jobsSince(mark)[0]!;
    expect(job.mode).toBe('POSITIONAL');
    expect(job.params).toEqual([
      { parameterType: { type: 'STRING' }, parameterValue: { value: '2025-03-01' } },
      { parameterType: { type: 'STRING' }, parameterValue: { value: '2025-03-05' } },
    ]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes json as one object per line, with the values query() returns', async () => {
    standIn.answer = (sql) => (sql.startsWith('SELECT') ? { fields, rows } : undefined);
    standIn.pageSize = 3;
    const file = join(dir, 'out.json');
    await wh.exportQuery!('SELECT 1', [], file, 'json');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('{"day":"2025-03-01","cost_usd":"123456789012345678901234.12345678901","name":"plain","n":1,"ok":true,"at":"2025-03-01T00:00:00.123Z"}');
    expect(JSON.parse(lines[1]!)).toEqual({ day: '2025-03-02', cost_usd: '0.00000000001', name: 'has, comma', n: '9007199254740993', ok: false, at: null });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual(await wh.query('SELECT 1'));
  });

  it('writes only the header for an empty result', async () => {
    standIn.answer = (sql) => (sql.startsWith('SELECT') ? { fields, rows: [] } : undefined);
    const file = join(dir, 'empty.csv');
    await wh.exportQuery!('SELECT 1', [], file, 'csv');
    expect(await readFile(file, 'utf8')).toBe('day,cost_usd,name,n,ok,at\n');
  });

  it('refuses parquet and non-SELECT statements before running anything', async () => {
    const mark = standIn.requests.length;
    await expect(wh.exportQuery!('SELECT 1', [], join(dir, 'x.parquet'), 'parquet')).rejects.toThrow(
      new WarehouseError('parquet export from BigQuery needs EXPORT DATA to Cloud Storage; use csv or json'),
    );
    await expect(wh.exportQuery!('DELETE FROM t WHERE TRUE', [], join(dir, 'x.csv'), 'csv')).rejects.toThrow(/SELECT only/);
    expect(standIn.requests.slice(mark)).toEqual([]);
  });

  it('leaves no file behind when the query fails', async () => {
    standIn.failQuery = () => 'Query error: boom';
    const file = join(dir, 'failed.csv');
    await expect(wh.exportQuery!('SELECT 1', [], file, 'csv')).rejects.toThrow(/boom/);
    expect((await readdir(dir)).filter((f) => f.startsWith('failed.csv'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Portability audit

describe('every job sends portable, partition-pruned SQL', () => {
  let wh: BigQueryWarehouse;
  beforeAll(async () => {
    standIn.tables.clear();
    standIn.datasets.clear();
    wh = await h.open();
  });

  /** Plausible answers for the queries whose results steer what runs next; empty for the rest. */
  function answerPlausibly(): void {
    standIn.answer = (sql) => {
      if (sql.includes('claude_ingest_meta') && sql.startsWith('SELECT')) return { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };
      if (sql.includes('AS `lo`')) return { fields: [{ name: 'lo', type: 'DATE' }, { name: 'hi', type: 'DATE' }], rows: [['2025-03-01', '2025-03-31']] };
      if (sql.includes('INFORMATION_SCHEMA.COLUMNS')) {
        return { fields: [{ name: 'column_name', type: 'STRING' }], rows: TABLES.claude_code_productivity.columns.map((c) => [c.name]) };
      }
      return undefined;
    };
  }

  it('init, status, validate, every report, the dashboard queries, the summary and every export', async () => {
    const mark = standIn.requests.length;
    await wh.init();
    answerPlausibly();
    const f: DayRange = { from: '2025-03-01', to: '2025-03-31' };
    const filtered = { ...f, workspaceIds: ['wrkspc_1', 'default'], models: ['claude-sonnet-4'], organizationIds: ['org_a', 'org_b'] };
    // The Claude Code reports have no workspace or model to filter on.
    const filterOf = (name: string) => (name === 'user' || name === 'claude_code' || name === 'fixed_costs' ? { ...f, organizationIds: ['org_a'] } : filtered);

    await warehouseStatus(wh);
    const validation = await runValidation(wh, { range: f, today: '2025-04-01', options: { expectTotalUsd: '0' } });
    expect(validation.results.map((r) => r.id)).toContain('no-double-count');
    expect(validation.results.find((r) => r.id === 'no-double-count')?.status).toBe('PASS');
    for (const name of REPORT_NAMES) {
      await runReport(wh, name, filterOf(name));
      const q = reportQuery(wh.dialect, name, filterOf(name));
      await wh.exportQuery!(exportSql(wh.dialect, q), q.params, join(dir, `${name}.csv`), 'csv');
    }
    await wh.exportQuery!(
      `SELECT * FROM ${wh.dialect.table(FOCUS_VIEW)} WHERE ${wh.dialect.ident('x_ActivityDate')} BETWEEN ${wh.dialect.dateParam()} AND ${wh.dialect.dateParam()}`,
      [f.from, f.to],
      join(dir, 'focus.json'),
      'json',
    );
    await totalSpend(wh, filtered);
    expect(await dataSpan(wh)).toEqual({ from: '2025-03-01', to: '2025-03-31' });
    await demoSummary(wh);
    await spendByDay(wh, filtered, 'workspace');
    await spendByDay(wh, filtered, 'model');
    await claudeCodeDaily(wh, f);
    await claudeCodeActiveActors(wh, f);
    await toolAcceptance(wh, f);

    const jobs = jobsSince(mark);
    const found = jobs.map((j) => ({ sql: j.sql, problems: audit(j.sql, j.params, j.mode) })).filter((j) => j.problems.length > 0);
    expect(found).toEqual([]);

    // The audit saw every fact table and the view DDL (it would pass vacuously otherwise).
    const all = jobs.map((j) => j.sql).join('\n');
    for (const t of PARTITION_FILTERED) expect(all, t).toContain(`\`${PROJECT}.${DATASET}.${t}\``);
    expect(all).toContain('CREATE OR REPLACE VIEW');
    expect(jobs.length).toBeGreaterThan(40);
  });

  it('the audit itself catches what BigQuery would reject', () => {
    const costs = d.table('claude_costs');
    expect(audit(`SELECT COUNT(*) FROM ${costs}`, [], undefined)).toEqual(['1 partition-filtered table reference(s) but 0 activity_date predicate(s)']);
    expect(audit(`SELECT x::VARCHAR, "y", SUM(a) FILTER (WHERE b) FROM ${costs} WHERE activity_date >= DATE '1970-01-01'`, [], undefined)).toEqual([
      ':: cast',
      'FILTER (WHERE',
      'double-quoted identifier',
    ]);
    expect(audit(`SELECT a * 0.01 FROM claude_costs WHERE activity_date = ?`, [], 'POSITIONAL')).toEqual([
      'decimal literal (FLOAT64 in BigQuery)',
      'unqualified table after FROM/JOIN',
      '1 placeholder(s) but 0 parameter(s)',
    ]);
    expect(audit(`SELECT 'it''s: 1.5 "q" ::' AS \`a"b\``, [], undefined)).toEqual([]);
  });
});
