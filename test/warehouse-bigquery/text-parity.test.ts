/**
 * The same data gives the same text from both warehouses: every table, the FOCUS view and every
 * report exported as csv and json, and every report rendered as --format csv / json. DuckDB holds a
 * real backfill from the Admin API emulator; the BigQuery stand-in answers each query with that same
 * result encoded as BigQuery's REST API sends it (TIMESTAMP as int64 microseconds, BIGNUMERIC as
 * canonical decimal text, INT64/FLOAT64/BOOL as strings), so the bytes compared are produced by each
 * warehouse's own decoding and the shared writers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSelect } from '../../src/cli/export-command.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { REPORT_NAMES, reportQuery, runReport } from '../../src/reports/registry.js';
import { renderReportCsv, reportJson } from '../../src/reports/render.js';
import { duckDbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { SCHEMA_VERSION, TABLES } from '../../src/warehouse/tables.js';
import type { ExportFormat } from '../../src/warehouse/warehouse.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { envFor, TODAY } from '../reliability/helpers.js';
import { useStandIn } from './harness.js';
import type { QueryAnswer } from './stand-in.js';
import { answerFrom } from './duck-answers.js';
import type { DayRange } from '../../src/util/dates.js';

let emu: Emulator;
const h = useStandIn(() => (emu ? [emu.port] : []));
const dir = tempDir('claude-ingest-parity-');
const file = join(dir, 'w.duckdb');
const FROM = '2025-02-25';
const RANGE: DayRange = { from: FROM, to: TODAY };

const TARGETS = [...Object.keys(TABLES), 'claude_focus_costs', ...REPORT_NAMES];
const FORMATS: ExportFormat[] = ['csv', 'json'];
const optsFor = (what: string) => ((REPORT_NAMES as readonly string[]).includes(what) ? RANGE : {});

/** init's schema-version read (not the export of claude_ingest_meta, which selects every column). */
const isVersionRead = (sql: string) => sql.startsWith('SELECT `value` FROM') && sql.includes('claude_ingest_meta');
const version: QueryAnswer = { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };
/** The reports' second query, the configured fees: this backfill has none, so DuckDB read none either. */
const isFeesRead = (sql: string) => sql.includes('claude_fixed_costs');
const noFees: QueryAnswer = { fields: [], rows: [] };

/** What DuckDB wrote, keyed by `<target>.<format>` / `report-<name>.<format>`. */
const duckText = new Map<string, string>();
/** DuckDB's result of each query, as BigQuery would send it. */
const answers = new Map<string, QueryAnswer>();

beforeAll(async () => {
  emu = await startEmulator({ seed: 11, today: TODAY, org: 'small', historyDays: 30 });
  const res = await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${file}`], envFor(emu));
  expect(res.code, res.stderr).toBe(0);

  const dwh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
  await dwh.init();
  const queries = new Map<string, { sql: string; params: unknown[] }>();
  try {
    for (const what of TARGETS) {
      const q = await exportSelect(dwh, what, optsFor(what));
      queries.set(what, q);
      for (const format of FORMATS) {
        const out = join(dir, `duck-${what}.${format}`);
        await dwh.exportQuery!(q.sql, q.params, out, format);
        duckText.set(`${what}.${format}`, readFileSync(out, 'utf8'));
      }
    }
    for (const name of REPORT_NAMES) {
      const r = await runReport(dwh, name, RANGE);
      duckText.set(`report-${name}.csv`, renderReportCsv(r));
      duckText.set(`report-${name}.json`, JSON.stringify(reportJson(r)));
      queries.set(`report-${name}`, reportQuery(duckDbDialect, name, RANGE));
    }
  } finally {
    await dwh.close();
  }
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    for (const [key, q] of queries) answers.set(key, await answerFrom(db, q.sql, q.params));
  } finally {
    db.closeSync();
  }
}, 120_000);

afterAll(async () => {
  await emu?.close();
});

describe('text parity between DuckDB and BigQuery', () => {
  it('the data set covers what differs between warehouses: timestamps, fractional decimals, NULLs, empty results', () => {
    const all = [...answers.values()];
    const cells = (type: string) => all.flatMap((a) => a.fields.flatMap((f, i) => (f.type === type ? a.rows.map((r) => r[i]) : [])));
    expect(cells('TIMESTAMP').filter((v) => v !== null).length).toBeGreaterThan(0);
    expect(cells('BIGNUMERIC').some((v) => typeof v === 'string' && /\.\d/.test(v))).toBe(true);
    expect(all.some((a) => a.rows.some((r) => r.includes(null)))).toBe(true);
    // DuckDB's own text of a fractional decimal would carry the column's scale; the exports must not.
    expect(duckText.get('claude_costs.csv')).toMatch(/(^|,)\d{4}-\d{2}-\d{2},/m);
    expect(duckText.get('claude_costs.csv')).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect(duckText.get('claude_costs.csv')).not.toMatch(/\.\d*0(,|\n)/);
  });

  it.each(TARGETS)('export %s: csv and json are byte for byte the same', async (what) => {
    const bwh = await h.open({ readOnly: false });
    h.standIn.answer = (sql) => (isVersionRead(sql) ? version : answers.get(what));
    await bwh.init();
    const q = await exportSelect(bwh, what, optsFor(what));
    for (const format of FORMATS) {
      const out = join(dir, `bq-${what}.${format}`);
      await bwh.exportQuery(q.sql, q.params, out, format);
      expect(readFileSync(out, 'utf8'), `${what}.${format}`).toBe(duckText.get(`${what}.${format}`));
    }
    await bwh.close();
  });

  it.each(REPORT_NAMES)('report --by %s: --format csv and json are the same text', async (name) => {
    const bwh = await h.open({ readOnly: false });
    h.standIn.answer = (sql) => (isVersionRead(sql) ? version : isFeesRead(sql) ? noFees : answers.get(`report-${name}`));
    await bwh.init();
    const r = await runReport(bwh, name, RANGE);
    expect(renderReportCsv(r)).toBe(duckText.get(`report-${name}.csv`));
    expect(JSON.stringify(reportJson(r))).toBe(duckText.get(`report-${name}.json`));
    await bwh.close();
  });
});
