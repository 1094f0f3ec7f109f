/**
 * Local-day figures (issue 27) are the same text from both warehouses. DuckDB holds a real backfill
 * with hourly billed cost (timezone configured) from the emulator; the BigQuery stand-in answers each
 * of the report's three queries (hourly cost, daily cost, usage buckets) with DuckDB's result of the same query encoded as BigQuery's REST API
 * sends it (TIMESTAMP as int64 microseconds, BIGNUMERIC as decimal text). The warehouses only sum per
 * UTC hour and UTC day; the local day is decided in code, so neither engine's session time zone
 * enters: the test runs DuckDB with its session zone set far from UTC to prove it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourlySpendQuery, localSpend, localSpendColumns, localSpendRows, utcDaySpendQuery, utcReadRange } from '../../src/reports/local-spend.js';
import { localTokenColumns, localTokens, usageBucketsQuery, withTokens } from '../../src/reports/local-tokens.js';
import { localSpendSplitByDay, localSplitPartsQuery } from '../../src/reports/local-split.js';
import { spendByDayQuery } from '../../src/reports/dashboard-queries.js';
import { productCostByDayQuery } from '../../src/reports/dashboard-analytics.js';
import { sqlAndParams } from '../../src/reports/queries.js';
import { renderReportCsv, reportJson } from '../../src/reports/render.js';
import type { ReportResult } from '../../src/reports/registry.js';
import { makeCalendar, PERIOD_KINDS, type Calendar, type PeriodKind } from '../../src/util/calendar.js';
import { eachDay, type IsoDay } from '../../src/util/dates.js';
import { duckDbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { SCHEMA_VERSION } from '../../src/warehouse/tables.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { tempDir } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { useStandIn } from './harness.js';
import type { QueryAnswer } from './stand-in.js';

let w: FilledWarehouse | undefined;
const h = useStandIn(() => (w ? [w.emu.port] : []));
const dir = tempDir('ci-tz-parity-');
const cfg = join(dir, 'tz.yaml');
writeFileSync(cfg, 'timezone: Europe/Berlin\n');

const RANGE = { from: '2025-12-28' as IsoDay, to: '2026-03-31' as IsoDay };
const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Pacific/Auckland'];
// Hours held for every UTC day the fill read hourly (the Analytics API serves from 2026-01-01).
const HELD = new Set(eachDay('2026-01-01', '2026-03-31'));
// Usage is read hourly for the whole range; the days before February are treated as read daily (their
// hours summed whole under their date), so both kinds of token day are in the text.
const HELD_USAGE = new Set(eachDay('2026-02-01', '2026-03-31'));

function wire(typeId: DuckDBTypeId, v: DuckDBValue): { type: string; value: string | null } {
  switch (typeId) {
    case DuckDBTypeId.DECIMAL:
      return { type: 'BIGNUMERIC', value: v === null ? null : new Decimal(String(v)).toFixed() };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: 'TIMESTAMP', value: v === null ? null : String((v as DuckDBTimestampValue).micros) };
    case DuckDBTypeId.DATE:
      return { type: 'DATE', value: v === null ? null : String(v) };
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.BIGINT:
      return { type: 'INT64', value: v === null ? null : String(v) };
    case DuckDBTypeId.VARCHAR:
      return { type: 'STRING', value: v === null ? null : String(v) };
    default:
      throw new Error(`no BigQuery encoding for DuckDB type ${typeId}`);
  }
}

let db: DuckDBInstance;
async function answerFrom(q: { sql: string; params: unknown[] }): Promise<QueryAnswer> {
  const conn = await db.connect();
  try {
    // A session zone far from UTC: the figures must not move.
    await conn.run("SET TimeZone = 'Pacific/Chatham'");
    const reader = await conn.runAndReadAll(q.sql, q.params as DuckDBValue[]);
    const ids = reader.columnNames().map((_, i) => reader.columnTypeId(i));
    const fields = reader.columnNames().map((name, i) => ({ name, type: wire(ids[i]!, null).type }));
    return { fields, rows: reader.getRows().map((r) => r.map((v, i) => wire(ids[i]!, v).value)) };
  } finally {
    conn.closeSync();
  }
}

async function texts(wh: Warehouse, cal: Calendar, kind: PeriodKind): Promise<{ csv: string; json: string; rows: number; utcRows: number }> {
  const rows = await localSpend(wh, cal, RANGE, kind, HELD);
  const tokens = await localTokens(wh, cal, RANGE, kind, HELD_USAGE);
  const r: ReportResult = { report: kind, title: kind, filter: RANGE, columns: [...localSpendColumns(kind), ...localTokenColumns()], rows: withTokens(localSpendRows(rows), tokens) };
  return { csv: renderReportCsv(r), json: JSON.stringify(reportJson(r)), rows: rows.length, utcRows: rows.filter((x) => x.day_basis === 'UTC days').length };
}

const version: QueryAnswer = { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };
const duck = new Map<string, { csv: string; json: string; rows: number; utcRows: number }>();
/** The dashboard's stacked local days (reports/local-split.ts) per zone, as JSON text. */
const duckSplit = new Map<string, string>();
const splitText = async (wh: Warehouse, cal: Calendar, dim: 'workspace' | 'product' = 'workspace') => {
  const s = await localSpendSplitByDay(wh, cal, RANGE, dim, HELD);
  return JSON.stringify({ ...s, byKey: [...s.byKey].sort((a, b) => String(a[0]).localeCompare(String(b[0]))) });
};

beforeAll(async () => {
  w = await fillWarehouse({ today: '2026-04-01', from: RANGE.from, to: RANGE.to, seed: 29, args: ['--config', cfg, '--streams', 'cost,org,usage,analytics_cost_hourly', '--usage-bucket', '1h'] });
  const dwh = await openWarehouse(w.url, { readOnly: true });
  await dwh.init();
  try {
    for (const zone of ZONES) for (const kind of PERIOD_KINDS) duck.set(`${zone} ${kind}`, await texts(dwh, makeCalendar({ timezone: zone, fiscal_year_start_month: 4 }), kind));
    for (const zone of ZONES) duckSplit.set(zone, await splitText(dwh, makeCalendar({ timezone: zone })));
    for (const zone of ZONES) duckSplit.set(`${zone} product`, await splitText(dwh, makeCalendar({ timezone: zone }), 'product'));
  } finally {
    await dwh.close();
  }
  db = await DuckDBInstance.create(w.file, { access_mode: 'READ_ONLY' });
}, 180_000);

afterAll(async () => {
  db?.closeSync();
  await w?.close();
});

describe('local days: DuckDB and BigQuery give the same text', () => {
  it('the data holds both kinds of day (UTC days before 2026-01-01, local days after) and both spring transitions', () => {
    const ny = duck.get('America/New_York day')!;
    expect(ny.utcRows).toBe(3);
    expect(ny.rows).toBeGreaterThan(90);
    // Tokens: hours placed from February, UTC days before, and a "mixed" edge day.
    expect(ny.csv).toMatch(/,local\n/);
    expect(ny.csv).toMatch(/,UTC days\n/);
  });

  it.each(ZONES.flatMap((z) => PERIOD_KINDS.map((k) => [z, k] as const)))('%s by %s: csv and json byte for byte', async (zone, kind) => {
    const cal = makeCalendar({ timezone: zone, fiscal_year_start_month: 4 });
    const bwh = await h.open({ readOnly: false });
    // The two queries the report sends, answered with DuckDB's result of the same query.
    const answers: Array<[string, QueryAnswer]> = [];
    for (const [table, build] of [['claude_cost_hourly', hourlySpendQuery], ['claude_costs', utcDaySpendQuery], ['claude_usage_keys', usageBucketsQuery]] as const) {
      answers.push([table, await answerFrom(build({ dialect: duckDbDialect }, utcReadRange(cal, RANGE)))]);
    }
    h.standIn.answer = (sql) => {
      if (sql.startsWith('SELECT `value` FROM') && sql.includes('claude_ingest_meta')) return version;
      const hit = answers.find(([t]) => sql.includes(`.${t}\``));
      return hit?.[1];
    };
    await bwh.init();
    const got = await texts(bwh, cal, kind);
    const want = duck.get(`${zone} ${kind}`)!;
    expect(got.csv).toBe(want.csv);
    expect(got.json).toBe(want.json);
    await bwh.close();
  });

  it.each(ZONES)('%s: the dashboard\'s stacked local days (two parts per UTC day) are the same', async (zone) => {
    const cal = makeCalendar({ timezone: zone });
    const bwh = await h.open({ readOnly: false });
    // The parts and the UTC days without hours (2025-12-28..31), answered with DuckDB's result of the same query in a far session zone.
    const parts = await answerFrom(localSplitPartsQuery({ dialect: duckDbDialect }, cal, RANGE, 'workspace'));
    const [sql, params] = sqlAndParams(spendByDayQuery(duckDbDialect, { from: '2025-12-28', to: '2025-12-31' }, 'workspace'));
    const utcDays = await answerFrom({ sql, params });
    h.standIn.answer = (text) => {
      if (text.startsWith('SELECT `value` FROM') && text.includes('claude_ingest_meta')) return version;
      if (text.includes('.claude_cost_hourly`')) return parts;
      if (text.includes('.claude_costs`')) return utcDays;
      return undefined;
    };
    await bwh.init();
    const got = await splitText(bwh, cal);
    expect(got).toBe(duckSplit.get(zone));
    expect(JSON.parse(got).day_basis).toContain('UTC days');
    await bwh.close();
  });

  it.each(ZONES)('%s: the Analytics product chart\'s local days (every product, UTC days from claude_cost_by_actor) are the same', async (zone) => {
    const cal = makeCalendar({ timezone: zone });
    const bwh = await h.open({ readOnly: false });
    const parts = await answerFrom(localSplitPartsQuery({ dialect: duckDbDialect }, cal, RANGE, 'product'));
    const utcDays = await answerFrom(productCostByDayQuery({ dialect: duckDbDialect }, { from: '2025-12-28', to: '2025-12-31' }));
    h.standIn.answer = (text) => {
      if (text.startsWith('SELECT `value` FROM') && text.includes('claude_ingest_meta')) return version;
      if (text.includes('.claude_cost_hourly`')) return parts;
      if (text.includes('.claude_cost_by_actor`')) return utcDays;
      return undefined;
    };
    await bwh.init();
    const got = await splitText(bwh, cal, 'product');
    expect(got).toBe(duckSplit.get(`${zone} product`));
    // Products outside cost_report are in it (the spend chart leaves them out).
    expect(JSON.parse(got).byKey.length).toBeGreaterThan(0);
    await bwh.close();
  });
});
