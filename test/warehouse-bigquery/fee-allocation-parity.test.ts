/**
 * Configured fees in the allocation (issues 25 × 26), on both warehouses. DuckDB holds a backfill
 * from the emulator and the fees synced by the real sync job; the BigQuery stand-in answers the
 * facts and fee queries as the BigQuery dialect writes them (with DuckDB's result in BigQuery's wire
 * encoding). Proven: every fee's parts add up exactly to the fee, day by day and month by month (odd
 * cents, a 3-way percentage split, a proportional split, a credit, a fee with no allocation); the
 * chargeback's total is exactly the month's billed usage plus its fees; a restated fee allocation
 * changes the chargeback without writing a row; both warehouses give the same chargeback and report,
 * byte for byte.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocationRulesOfConfig } from '../../src/config/allocation-rules.js';
import { parseConfigText } from '../../src/config/load.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { syncFixedCostParts, syncFixedCosts } from '../../src/jobs/fixed-costs-sync.js';
import { feeMonthParts } from '../../src/reports/allocation/fee-parts.js';
import { buildChargeback, chargebackJson, chargebackOf, renderChargebackCsv } from '../../src/reports/allocation/chargeback.js';
import { allocate } from '../../src/reports/allocation/engine.js';
import { allocationFactQueries, readAllocationFacts, subCents, type AllocationFact } from '../../src/reports/allocation/facts.js';
import { feeRuleName, NOTE_FEE_UNALLOCATED } from '../../src/reports/allocation/fee-allocation.js';
import { allocationReportOf } from '../../src/reports/allocation/report.js';
import type { AllocationRules } from '../../src/reports/allocation/rules.js';
import { groupLines, usdOf } from '../../src/reports/allocation/summary.js';
import { fixedFeeDaysQuery } from '../../src/reports/fixed-fee-days.js';
import { renderReportCsv, reportJson } from '../../src/reports/render.js';
import { asIsoDay, type DayRange } from '../../src/util/dates.js';
import { canonicalDecimal, storableDecimal, USD_SCALE } from '../../src/util/money.js';
import { duckDbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { SCHEMA_VERSION } from '../../src/warehouse/tables.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { envFor } from '../reliability/helpers.js';
import { answerFrom } from './duck-answers.js';
import { useStandIn } from './harness.js';
import type { QueryAnswer } from './stand-in.js';

let emu: Emulator;
const h = useStandIn(() => (emu ? [emu.port] : []));
const dir = tempDir('claude-ingest-fee-alloc-');
const file = join(dir, 'w.duckdb');
const TODAY = '2026-01-12';
/** Month-aligned, so a proportional fee's basis is the facts read (no widening reads). */
const RANGE: DayRange = { from: '2025-12-01', to: '2026-01-31' };

const CONFIG = `allocation:
  dimensions: [team, cost_center]
  rules:
    - { name: prod, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-1 } }
    - { name: research, match: { workspace: Research }, set: { team: Research } }
    - { name: code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-3 } }
    - { name: opus, match: { model: "claude-opus-*" }, set: { team: Research, cost_center: CC-2 } }
  unallocated: { team: Unallocated, cost_center: "-" }
fixed_costs:
  - { name: Team plan seats, kind: seats, monthly_usd: "30.01", quantity: 7, from: 2025-12-10, allocate: { team: Platform, cost_center: CC-1 } }
  - { name: Support, kind: support, monthly_usd: "100.01", split: { by: team, percent: { Platform: 33.33, Research: 33.33, Engineering: 33.34 } } }
  - { name: Shared tools, monthly_usd: "77.77", split: { by: team, proportional_to: billed } }
  - { name: Launch credit, kind: credit, monthly_usd: "10.03", allocate_to: Research }
  - { name: Misc, monthly_usd: "0.07" }
`;
const RESTATED = CONFIG.replace('percent: { Platform: 33.33, Research: 33.33, Engineering: 33.34 }', 'percent: { Platform: 50, Research: 25, Engineering: 25 }');

const loaded = parseConfigText(CONFIG, join(dir, 'claude-ingest.yaml'), {});
const RULES = allocationRulesOfConfig(loaded.config, loaded.path)!;
const restatedLoaded = parseConfigText(RESTATED, join(dir, 'claude-ingest.yaml'), {});
const RESTATED_RULES = allocationRulesOfConfig(restatedLoaded.config, restatedLoaded.path)!;

const isVersionRead = (sql: string) => sql.startsWith('SELECT `value` FROM') && sql.includes('claude_ingest_meta');
const version: QueryAnswer = { fields: [{ name: 'value', type: 'STRING' }], rows: [[String(SCHEMA_VERSION)]] };
const dollars = (v: unknown) => storableDecimal(canonicalDecimal(v), USD_SCALE, null);

let duckFacts: AllocationFact[] = [];
/** claude_fixed_costs' amount per fee and month (sub-cents), as the sync wrote it. */
const monthAmounts = new Map<string, bigint>();
const answers = new Map<string, QueryAnswer>();

async function tableText(): Promise<string> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const c = await db.connect();
    const r = await c.runAndReadAll(`SELECT * FROM claude_fixed_costs ORDER BY month, name`);
    return JSON.stringify(r.getRowsJson());
  } finally {
    db.closeSync();
  }
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 5, today: TODAY, org: 'small', historyDays: 60 });
  const res = await runCli(['backfill', '--from', RANGE.from, '--to', '2026-01-11', '--warehouse', `duckdb:${file}`, '--streams', 'cost,analytics_cost,org'], { ...envFor(emu), CLAUDE_INGEST_TODAY: TODAY });
  expect(res.code, res.stderr).toBe(0);
  const wwh = await openWarehouse(`duckdb:${file}`);
  await wwh.init();
  try {
    await syncFixedCosts(wwh, loaded.config.fixed_costs!, asIsoDay(TODAY));
    await syncFixedCostParts(wwh, await feeMonthParts(wwh, RULES), RULES.hash);
    for (const r of await wwh.query(`SELECT CAST(month AS VARCHAR) AS month, name, CAST(amount_usd AS VARCHAR) AS usd FROM claude_fixed_costs WHERE active`)) {
      monthAmounts.set(`${String(r.month).slice(0, 7)}|${String(r.name)}`, dollars(r.usd));
    }
    duckFacts = await readAllocationFacts(wwh, RANGE, RULES);
  } finally {
    await wwh.close();
  }
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    for (const [name, q] of Object.entries(allocationFactQueries(duckDbDialect, RANGE))) answers.set(name, await answerFrom(db, q.sql, q.params));
    const fq = fixedFeeDaysQuery(duckDbDialect, RANGE);
    answers.set('fees', await answerFrom(db, fq.sql, fq.params));
  } finally {
    db.closeSync();
  }
}, 180_000);

afterAll(async () => {
  await emu?.close();
});

const feeFacts = () => duckFacts.filter((f) => f.source === 'configured');

describe('configured fees in the allocation', () => {
  it('every fee day is split into parts that add up exactly to it; each fee-month adds up exactly to claude_fixed_costs', () => {
    expect(feeFacts().length).toBeGreaterThan(0);
    const { lines } = allocate(RULES, duckFacts);
    const feeLines = lines.filter((l) => l.fact.source === 'configured');
    // Parts per fee fact (object identity: one fact per fee and day).
    const parts = new Map<AllocationFact, bigint[]>();
    for (const l of feeLines) parts.set(l.fact, [...(parts.get(l.fact) ?? []), l.billed]);
    expect(parts.size).toBe(feeFacts().length);
    for (const [fact, p] of parts) expect(p.reduce((a, b) => a + b, 0n)).toBe(fact.billed);
    // The 3-way split: three parts a day, and odd cents make the parts differ by largest remainder.
    const support = feeLines.filter((l) => l.fact.fee === 'Support');
    expect(new Set(support.map((l) => l.values[0]))).toEqual(new Set(['Platform', 'Research', 'Engineering']));
    expect(support.every((l) => l.rule === feeRuleName('Support'))).toBe(true);
    // Month by month, the lines of each fee equal the synced month amount, to the sub-cent.
    for (const [key, amount] of monthAmounts) {
      const [month, name] = key.split('|') as [string, string];
      const sum = feeLines.filter((l) => l.fact.fee === name && l.fact.day.startsWith(month)).reduce((a, l) => a + l.billed, 0n);
      expect(sum, key).toBe(amount);
    }
    // 100.01 over December's 31 days splits unevenly: the month's three parts are not all equal, yet add up.
    const dec = groupLines(RULES, support.filter((l) => l.fact.day.startsWith('2025-12')), ['team']);
    expect(dec.reduce((a, g) => a + g.billed, 0n)).toBe(dollars('100.01'));
    expect(new Set(dec.map((g) => g.billed)).size).toBeGreaterThan(1);
  });

  it('allocate, allocate_to (the first dimension), a credit, a proportional split and a fee with no allocation land where configured', () => {
    const { lines } = allocate(RULES, duckFacts);
    const of = (fee: string) => lines.filter((l) => l.fact.fee === fee);
    expect(new Set(of('Team plan seats').map((l) => l.values.join('/')))).toEqual(new Set(['Platform/CC-1']));
    expect(of('Team plan seats').every((l) => l.fact.day >= '2025-12-10')).toBe(true);
    expect(new Set(of('Launch credit').map((l) => l.values.join('/')))).toEqual(new Set(['Research/-']));
    expect(of('Launch credit').every((l) => l.billed < 0n)).toBe(true);
    expect(of('Misc').every((l) => l.rule === null && l.note === NOTE_FEE_UNALLOCATED && l.values.join('/') === 'Unallocated/-')).toBe(true);
    // Proportional: each team's share of the month's fee follows its share of the month's allocated usage (Unallocated is no basis).
    const month = '2026-01';
    const usage = groupLines(RULES, lines.filter((l) => l.fact.source !== 'configured' && l.fact.day.startsWith(month) && l.values[0] !== 'Unallocated'), ['team']);
    const shared = groupLines(RULES, of('Shared tools').filter((l) => l.fact.day.startsWith(month)), ['team']);
    expect(new Set(shared.map((g) => g.keys[0]))).toEqual(new Set(usage.filter((g) => g.billed > 0n).map((g) => g.keys[0])));
    const usageTotal = usage.reduce((a, g) => a + g.billed, 0n);
    const sharedTotal = shared.reduce((a, g) => a + g.billed, 0n);
    for (const g of shared) {
      const u = usage.find((x) => x.keys[0] === g.keys[0])!.billed;
      // Within one sub-cent per day of the exact share.
      const exact = (sharedTotal * u) / usageTotal;
      expect(g.billed - exact <= 31n && exact - g.billed <= 31n, String(g.keys[0])).toBe(true);
    }
  });

  it('the chargeback adds up exactly to the month\'s billed usage plus its fees, and says so', () => {
    const month = '2025-12';
    const facts = duckFacts.filter((f) => f.day.startsWith(month));
    const c = chargebackOf(RULES, facts, month, undefined, null);
    const usage = facts.filter((f) => f.source !== 'configured').reduce((a, f) => a + f.billed, 0n);
    const fees = [...monthAmounts].filter(([k]) => k.startsWith(`${month}|`)).reduce((a, [, v]) => a + v, 0n);
    expect(c.total.billed).toBe(usage + fees);
    expect(c.total.fees).toBe(fees);
    expect(c.totals.reduce((a, t) => a + t.billed, 0n)).toBe(c.total.billed);
    expect(c.lines.reduce((a, l) => a + l.billed, 0n)).toBe(c.total.billed);
    const csv = renderChargebackCsv(c);
    expect(csv).toContain(`# the totals include: billed API usage + fixed fees (configured in claude-ingest.yaml, not API data): API usage ${usdOf(usage)} + fixed fees (configured) ${usdOf(fees)}`);
    // Fee lines carry the dimension columns, source configured and the fee's name.
    expect(csv).toMatch(/\nPlatform,CC-1,,,,,configured,Team plan seats \(configured\),/);
    const json = chargebackJson(c) as { total: Record<string, string> };
    expect(json.total.fixed_fees_configured_usd).toBe(usdOf(fees));
    expect(json.total.usage_billed_usd).toBe(usdOf(usage));
    expect(json.total.includes).toMatch(/fixed fees \(configured/);
  });

  it('a restated fee allocation changes the chargeback on the next report, and no row is written', async () => {
    const before = await tableText();
    const wh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
    await wh.init();
    try {
      const a = await buildChargeback(wh, RULES, '2025-12', 'team');
      const b = await buildChargeback(wh, RESTATED_RULES, '2025-12', 'team');
      expect(b.rulesHash).not.toBe(a.rulesHash);
      expect(b.total.billed).toBe(a.total.billed);
      const platform = (c: typeof a) => c.totals.find((t) => t.values[0] === 'Platform')!.fees;
      expect(platform(b)).toBeGreaterThan(platform(a));
      expect(renderChargebackCsv(b)).not.toBe(renderChargebackCsv(a));
    } finally {
      await wh.close();
    }
    expect(await tableText()).toBe(before);
  });

  it('DuckDB and BigQuery give the same facts, chargeback and report, byte for byte', async () => {
    const bwh = await h.open({ readOnly: false });
    const bySql = new Map(Object.entries(allocationFactQueries(bwh.dialect, RANGE)).map(([name, q]) => [q.sql, answers.get(name)!]));
    bySql.set(fixedFeeDaysQuery(bwh.dialect, RANGE).sql, answers.get('fees')!);
    h.standIn.answer = (sql) => (isVersionRead(sql) ? version : bySql.get(sql));
    await bwh.init();
    const bqFacts = await readAllocationFacts(bwh, RANGE, RULES);
    await bwh.close();
    expect(bqFacts.filter((f) => f.source === 'configured').length).toBe(feeFacts().length);
    expect(bqFacts).toEqual(duckFacts);
    for (const month of ['2025-12', '2026-01']) {
      const monthFacts = (facts: AllocationFact[]) => facts.filter((f) => f.day.startsWith(month));
      const duck = chargebackOf(RULES, monthFacts(duckFacts), month, undefined, null);
      const bq = chargebackOf(RULES, monthFacts(bqFacts), month, undefined, null);
      expect(renderChargebackCsv(bq)).toBe(renderChargebackCsv(duck));
      expect(JSON.stringify(chargebackJson(bq))).toBe(JSON.stringify(chargebackJson(duck)));
    }
    for (const by of [['team'], ['team', 'cost_center'], ['cost_center', 'fee']]) {
      const duck = allocationReportOf(RULES as AllocationRules, duckFacts, by, RANGE);
      expect(duck.columns.map((c) => c.header)).toContain('fixed_fees_usd (configured)');
      expect(renderReportCsv(allocationReportOf(RULES, bqFacts, by, RANGE))).toBe(renderReportCsv(duck));
      expect(JSON.stringify(reportJson(allocationReportOf(RULES, bqFacts, by, RANGE)))).toBe(JSON.stringify(reportJson(duck)));
    }
    expect(subCents('0')).toBe(0n);
  });

  it('the FOCUS view: one fee row per part, its allocation dimension values in Tags, the parts adding up to the fee-month', async () => {
    const focus = async () => {
      const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
      try {
        const c = await db.connect();
        const r = await c.runAndReadAll(`SELECT CAST(BillingPeriodStart AS DATE)::VARCHAR AS month, ChargeDescription AS d, CAST(BilledCost AS VARCHAR) AS cost, CAST(PricingQuantity AS VARCHAR) AS q, Tags AS tags
                                           FROM claude_focus_costs WHERE x_Source = 'configured' ORDER BY 1, 2, 5`);
        return r.getRowObjectsJson() as Array<{ month: string; d: string; cost: string; q: string; tags: string }>;
      } finally {
        db.closeSync();
      }
    };
    const rows = await focus();
    const dec = rows.filter((r) => r.month === '2025-12-01');
    const support = dec.filter((r) => r.d === 'Support (configured)');
    expect(support.map((r) => (JSON.parse(r.tags) as Record<string, string>).team).sort()).toEqual(['Engineering', 'Platform', 'Research']);
    expect(support.reduce((a, r) => a + dollars(r.cost), 0n)).toBe(dollars('100.01'));
    expect(JSON.parse(support[0]!.tags)).toMatchObject({ kind: 'support', source: 'configured', cost_center: '-' });
    const seats = dec.filter((r) => r.d === 'Team plan seats (configured)');
    expect(seats.map((r) => JSON.parse(r.tags) as Record<string, string>)).toEqual([{ kind: 'seats', allocate_to: null, source: 'configured', team: 'Platform', cost_center: 'CC-1' }]);
    expect(seats[0]!.q).toBe('7.000000000000');
    expect((JSON.parse(dec.find((r) => r.d === 'Misc (configured)')!.tags) as Record<string, string>).team).toBe('Unallocated');
    // Every fee-month's parts add up to what claude_fixed_costs holds for it.
    for (const [key, amount] of monthAmounts) {
      const [month, name] = key.split('|') as [string, string];
      expect(rows.filter((r) => r.month.startsWith(month) && r.d === `${name} (configured)`).reduce((a, r) => a + dollars(r.cost), 0n), key).toBe(amount);
    }
    // A restated split with fewer values deactivates the parts it no longer produces.
    const fewer = { ...RULES, fees: RULES.fees!.map((f) => (f.name === 'Support' ? { ...f, split: { by: 'team', percent: { Platform: 50, Research: 50 } } } : f)) };
    const wh = await openWarehouse(`duckdb:${file}`);
    await wh.init();
    try {
      await syncFixedCostParts(wh, await feeMonthParts(wh, fewer), 'restated');
    } finally {
      await wh.close();
    }
    const after = (await focus()).filter((r) => r.month === '2025-12-01' && r.d === 'Support (configured)');
    expect(after.map((r) => (JSON.parse(r.tags) as Record<string, string>).team).sort()).toEqual(['Platform', 'Research']);
    expect(after.reduce((a, r) => a + dollars(r.cost), 0n)).toBe(dollars('100.01'));
  });
});
