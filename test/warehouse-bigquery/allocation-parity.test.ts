/**
 * Allocation is a pure function of the rules and the facts, so the same rules give the same report
 * and chargeback from both warehouses, byte for byte. DuckDB holds a backfill from the emulator (cost
 * report days and Analytics API days); the BigQuery stand-in answers each of the facts queries, as
 * the BigQuery dialect writes them, with DuckDB's result in BigQuery's wire encoding, so what is
 * compared is each warehouse's own SQL shape and decoding followed by the shared engine and writers.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { chargebackJson, chargebackOf, renderChargebackCsv } from '../../src/reports/allocation/chargeback.js';
import { allocationFactQueries, readAllocationFacts, type AllocationFact } from '../../src/reports/allocation/facts.js';
import { allocationReportOf } from '../../src/reports/allocation/report.js';
import type { AllocationRules } from '../../src/reports/allocation/rules.js';
import { renderReportCsv, reportJson } from '../../src/reports/render.js';
import { duckDbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { SCHEMA_VERSION } from '../../src/warehouse/tables.js';
import type { DayRange } from '../../src/util/dates.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { envFor } from '../reliability/helpers.js';
import { answerFrom } from './duck-answers.js';
import { useStandIn } from './harness.js';
import type { QueryAnswer } from './stand-in.js';

let emu: Emulator;
const h = useStandIn(() => (emu ? [emu.port] : []));
const dir = tempDir('claude-ingest-alloc-parity-');
const file = join(dir, 'w.duckdb');
const TODAY = '2026-01-12';
const RANGE: DayRange = { from: '2025-12-20', to: '2026-01-11' };

const RULES: AllocationRules = {
  dimensions: ['team', 'cost_center'],
  rules: [
    { name: 'prod', match: { api_key: 'prod-*' }, set: { team: 'Platform', cost_center: 'CC-1' } },
    { name: 'research', match: { workspace: 'Research' }, set: { team: 'Research' } },
    { name: 'code', match: { product: 'claude_code' }, set: { team: 'Engineering', cost_center: 'CC-3' } },
    { name: 'staging', match: { api_key: 'staging-*' }, set: {}, split: { by: 'team', proportional_to: 'billed' } },
    { name: 'dev', match: { api_key: 'dev-*' }, set: { cost_center: 'CC-9' }, split: { by: 'team', percent: { Platform: 50, Research: 30, Engineering: 20 } } },
    { name: 'opus', match: { model: 'claude-opus-*' }, set: { team: 'Research', cost_center: 'CC-2' } },
  ],
  unallocated: { team: 'Unallocated', cost_center: '-' },
  hash: 'parity',
};

const isVersionRead = (sql: string) => sql.startsWith('SELECT `value` FROM') && sql.includes('claude_ingest_meta');
const version: QueryAnswer = { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };

let duckFacts: AllocationFact[] = [];
const answers = new Map<string, QueryAnswer>();

beforeAll(async () => {
  emu = await startEmulator({ seed: 5, today: TODAY, org: 'small', historyDays: 40 });
  const res = await runCli(['backfill', '--from', RANGE.from, '--to', RANGE.to, '--warehouse', `duckdb:${file}`, '--streams', 'cost,analytics_cost,org'], { ...envFor(emu), CLAUDE_INGEST_TODAY: TODAY });
  expect(res.code, res.stderr).toBe(0);
  const dwh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
  await dwh.init();
  try {
    duckFacts = await readAllocationFacts(dwh, RANGE);
  } finally {
    await dwh.close();
  }
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    for (const [name, q] of Object.entries(allocationFactQueries(duckDbDialect, RANGE))) answers.set(name, await answerFrom(db, q.sql, q.params));
  } finally {
    db.closeSync();
  }
}, 120_000);

afterAll(async () => {
  await emu?.close();
});

describe('allocation parity between DuckDB and BigQuery', () => {
  it('the same rules give the same report and chargeback, byte for byte', async () => {
    // The data covers both sources and every kind of rule outcome.
    expect(new Set(duckFacts.map((f) => f.source))).toEqual(new Set(['cost_report', 'analytics']));
    const bwh = await h.open({ readOnly: false });
    const bqQueries = allocationFactQueries(bwh.dialect, RANGE);
    const bySql = new Map(Object.entries(bqQueries).map(([name, q]) => [q.sql, answers.get(name)!]));
    h.standIn.answer = (sql) => (isVersionRead(sql) ? version : bySql.get(sql));
    await bwh.init();
    const bqFacts = await readAllocationFacts(bwh, RANGE);
    await bwh.close();
    expect(bqFacts).toEqual(duckFacts);
    for (const month of ['2025-12', '2026-01']) {
      const monthFacts = (facts: AllocationFact[]) => facts.filter((f) => f.day.startsWith(month));
      const duck = chargebackOf(RULES, monthFacts(duckFacts), month, undefined, '2026-01-12T01:00:00.000Z');
      const bq = chargebackOf(RULES, monthFacts(bqFacts), month, undefined, '2026-01-12T01:00:00.000Z');
      expect(renderChargebackCsv(bq)).toBe(renderChargebackCsv(duck));
      expect(JSON.stringify(chargebackJson(bq))).toBe(JSON.stringify(chargebackJson(duck)));
      const lines = renderChargebackCsv(duck).split('\n').filter((l) => l && !l.startsWith('#'));
      expect(lines.length).toBeGreaterThan(3);
    }
    for (const by of [['team'], ['team', 'product'], ['cost_center', 'api_key', 'person']]) {
      expect(renderReportCsv(allocationReportOf(RULES, bqFacts, by, RANGE))).toBe(renderReportCsv(allocationReportOf(RULES, duckFacts, by, RANGE)));
      expect(JSON.stringify(reportJson(allocationReportOf(RULES, bqFacts, by, RANGE)))).toBe(JSON.stringify(reportJson(allocationReportOf(RULES, duckFacts, by, RANGE))));
    }
  });
});
