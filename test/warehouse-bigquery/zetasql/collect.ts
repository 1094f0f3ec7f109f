/**
 * Every SQL statement the BigQuery warehouse sends, collected by running the real code paths against
 * the recording stand-in (never copied by hand): init of a new dataset and migrations from versions 0
 * and 1, backfill and the daily run over the Admin API emulator, retry, status, validate, every
 * report and export, the dashboard API, the demo summary, alerts, the change token and the ledger
 * reads. Each statement keeps its parameters exactly as sent (mode and BigQuery types).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateAlerts } from '../../../src/alerts/evaluate.js';
import { recordAttempt, loadRecorded } from '../../../src/alerts/store.js';
import { runValidation } from '../../../src/checks/index.js';
import { readProofBook, storeProofBook } from '../../../src/checks/proofs.js';
import { exportSelect } from '../../../src/cli/export-command.js';
import { alertsSchema } from '../../../src/config/schema.js';
import { handleApi, ROUTES } from '../../../src/dashboard/api.js';
import { EMULATOR_ADMIN_KEY, startEmulator } from '../../../src/emulator/index.js';
import { backfill } from '../../../src/jobs/backfill.js';
import { dailyRun } from '../../../src/jobs/daily-run.js';
import type { IngestEnvironment } from '../../../src/jobs/ingest-run.js';
import { retryFailed } from '../../../src/jobs/retry.js';
import { warehouseStatus } from '../../../src/ledger/status.js';
import { collectMetrics } from '../../../src/metrics/collect.js';
import { ratePeaks } from '../../../src/reports/limit-reports.js';
import { REPORT_NAMES, runReport } from '../../../src/reports/registry.js';
import { localSpend } from '../../../src/reports/local-spend.js';
import { localTokens } from '../../../src/reports/local-tokens.js';
import { localSpendSplitByDay } from '../../../src/reports/local-split.js';
import { makeCalendar } from '../../../src/util/calendar.js';
import { demoSummary } from '../../../src/reports/summary.js';
import { reconcileMonth } from '../../../src/reports/reconcile.js';
import { compareEstimates } from '../../../src/reports/estimates.js';
import { factDetailFor, readAllocationFacts, readProductFacts } from '../../../src/reports/allocation/facts.js';
import { feeMonthParts } from '../../../src/reports/allocation/fee-parts.js';
import { lastRefreshOf } from '../../../src/reports/allocation/chargeback.js';
import { readClaudeCodeActivity } from '../../../src/reports/allocation/claude-code-value.js';
import { materialiseAllocation } from '../../../src/reports/allocation/materialise.js';
import { ALLOCATION_LINES_TABLE, keptLinesCurrent, namesHash, readGrouped, readProductGrouped } from '../../../src/reports/allocation/materialised-lines.js';
import type { AllocationRules } from '../../../src/reports/allocation/rules.js';
import { recordReconciliation } from '../../../src/cli/reconcile-command.js';
import { syncFixedCostParts, syncFixedCosts } from '../../../src/jobs/fixed-costs-sync.js';
import { AdminApiClient } from '../../../src/source/http-client.js';
import { STREAMS } from '../../../src/streams/index.js';
import { STREAM_NAMES } from '../../../src/streams/stream.js';
import { bqType } from '../../../src/warehouse/bigquery/bigquery-sql.js';
import type { BigQueryWarehouse } from '../../../src/warehouse/bigquery/bigquery-warehouse.js';
import { SCHEMA_VERSION, TABLES } from '../../../src/warehouse/tables.js';
import { DATASET, PROJECT, type StandInHarness } from '../harness.js';
import type { QueryAnswer } from '../stand-in.js';
import { seedVersion1Dataset } from '../version1.js';
import type { DayRange } from '../../../src/util/dates.js';

/** A BigQuery query parameter as the REST API carries it. */
export interface BqParam {
  name?: string;
  parameterType: { type: string; arrayType?: { type: string } };
  parameterValue: unknown;
}

export interface Statement {
  /** The code path that sent it (for messages). */
  source: string;
  sql: string;
  mode: 'NAMED' | 'POSITIONAL' | undefined;
  params: BqParam[];
}

const TODAY = '2025-03-10';
const RANGE: DayRange = { from: '2025-03-01', to: '2025-03-09' };

/** Answers just enough for every code path to go on: the schema version, a ledger, a data span, columns. */
function answerPlausibly(version: () => number | null): (sql: string) => QueryAnswer | undefined {
  const windowCols = TABLES.ingest_windows.columns;
  return (sql) => {
    if (sql.includes('claude_ingest_meta') && sql.startsWith('SELECT')) {
      const v = version();
      return { fields: [{ name: 'value', type: 'STRING' }], rows: v === null ? [] : [[String(v)]] };
    }
    if (sql.includes('ROW_NUMBER() OVER') && sql.includes('ingest_windows')) {
      // One failed cost window, so retry has something to redo.
      const row: Record<string, string | null> = {
        run_id: 'run-1',
        stream: 'cost',
        window_start: '2025-03-01',
        window_end: '2025-03-02',
        status: 'failed',
        complete: 'false',
        error: 'boom',
        started_at: String(Date.UTC(2025, 2, 3) * 1000),
      };
      return { fields: windowCols.map((c) => ({ name: c.name, type: bqType(c.type) })), rows: [windowCols.map((c) => row[c.name] ?? null)] };
    }
    // Allocation (issue 25): one organization-month whose facts changed, and one FOCUS usage row to allocate and write.
    if (sql.includes('AS `latest`')) {
      return { fields: ['org', 'month', 'first', 'last', 'latest'].map((name) => ({ name, type: 'STRING' })), rows: [['org_a', '2025-03-01', RANGE.from, RANGE.to, '2025-03-10T00:00:00Z']] };
    }
    if (sql.includes('AS `quantity`') && sql.includes('claude_cost_by_key')) {
      const row: Array<[string, string, string | null]> = [
        ['activity_date', 'DATE', '2025-03-02'], ['bucket_start', 'TIMESTAMP', String(Date.UTC(2025, 2, 2) * 1000)], ['workspace_id', 'STRING', 'wrkspc_1'],
        ['api_key_id', 'STRING', 'apikey_1'], ['model', 'STRING', 'claude-sonnet-4'], ['service_tier', 'STRING', 'standard'], ['context_window', 'STRING', '0-200k'],
        ['cost_type', 'STRING', 'tokens'], ['token_type', 'STRING', 'output_tokens'], ['ordinal', 'INTEGER', '0'], ['amount_cents', 'BIGNUMERIC', '123.5'],
        ['amount_usd', 'BIGNUMERIC', '1.235'], ['list_amount_cents', 'BIGNUMERIC', '150'], ['list_amount_usd', 'BIGNUMERIC', '1.5'], ['quantity', 'INTEGER', '1000'],
      ];
      return { fields: row.map(([name, type]) => ({ name, type })), rows: [row.map(([, , v]) => v)] };
    }
    // Allocation facts told by rule: one day of the split rule (index 2), so its finest rows are read too.
    if (sql.includes('AS `v`') && sql.includes('claude_cost_by_actor') && !sql.includes('rule_class')) {
      // The distinct values of each column a rule matches on: some of every rule's globs match.
      return { fields: [{ name: 'v', type: 'STRING' }], rows: [['prod-1'], ['claude_code'], ['claude-x'], ['tokens'], [null]] };
    }
    if (sql.includes('AS `rule_class`')) {
      const row: Array<[string, string, string | null]> = [['day', 'DATE', '2025-03-02'], ['org', 'STRING', 'org_a'], ['rule_class', 'INTEGER', '2'], ['billed', 'BIGNUMERIC', '1.5'], ['list', 'BIGNUMERIC', '2']];
      return { fields: row.map(([name, type]) => ({ name, type })), rows: [row.map(([, , v]) => v)] };
    }
    if (sql.includes('AS `lo`')) return { fields: [{ name: 'lo', type: 'DATE' }, { name: 'hi', type: 'DATE' }], rows: [[RANGE.from, RANGE.to]] };
    if (sql.includes('INFORMATION_SCHEMA.COLUMNS')) {
      return { fields: [{ name: 'column_name', type: 'STRING' }], rows: TABLES.claude_code_productivity.columns.map((c) => [c.name]) };
    }
    return undefined;
  };
}

/** `onEmulator` learns the Admin API emulator's loopback port (the harness allows connections to it). */
export interface Collected {
  statements: Statement[];
  /** Staging tables the load path created (tables.insert), with the schema it sent. */
  stagingTables: { name: string; fields: { name: string; type: string }[] }[];
}

export async function collectStatements(h: StandInHarness, onEmulator: (port: number) => void): Promise<Collected> {
  const { standIn } = h;
  const out: Statement[] = [];
  const staging = new Map<string, { name: string; type: string }[]>();
  let mark = standIn.requests.length;
  const take = (source: string) => {
    for (const r of standIn.requests.slice(mark)) {
      const created = r.method === 'POST' && r.path.endsWith('/tables') ? (r.json as { tableReference: { tableId: string }; schema: { fields: { name: string; type: string }[] } }) : null;
      if (created?.tableReference.tableId.startsWith('_')) staging.set(created.tableReference.tableId, created.schema.fields);
      if (r.method !== 'POST' || !r.path.endsWith('/jobs') || r.path.startsWith('/upload/')) continue;
      const q = (r.json as { configuration: { query?: { query: string; queryParameters?: BqParam[]; parameterMode?: 'NAMED' | 'POSITIONAL' } } }).configuration.query;
      if (q) out.push({ source, sql: q.query, mode: q.parameterMode, params: q.queryParameters ?? [] });
    }
    mark = standIn.requests.length;
  };
  let version: number | null = null;
  standIn.answer = answerPlausibly(() => version);
  const reset = () => {
    standIn.tables.clear();
    standIn.datasets.clear();
    standIn.rows.clear();
  };

  // Schema: a new dataset, then migrations from version 1 and from version 0 (nullable columns missing).
  reset();
  await (await h.open()).init();
  take('init (new dataset)');
  reset();
  seedVersion1Dataset(standIn);
  version = 1;
  await (await h.open()).init();
  take('init (migration from schema 1)');
  reset();
  seedVersion1Dataset(standIn);
  version = null; // version 0: a meta table without the version row
  await (await h.open()).init();
  take('init (migration from schema 0)');
  version = SCHEMA_VERSION;

  const emu = await startEmulator({ today: TODAY, seed: 7, org: 'small' });
  onEmulator(emu.port);
  const dir = await mkdtemp(join(tmpdir(), 'claude-ingest-zetasql-'));
  let wh: BigQueryWarehouse | undefined;
  try {
    wh = await h.open();
    await wh.init();
    take('init (current schema)');
    const env = (): IngestEnvironment => ({
      warehouse: wh!,
      client: new AdminApiClient({ baseUrl: emu.url, apiKey: EMULATOR_ADMIN_KEY, maxConcurrency: 2, retryBaseMs: 1, retryMaxDelayMs: 5 }),
      apiKey: EMULATOR_ADMIN_KEY,
      emit: () => undefined,
      concurrency: 2,
      options: { usageBucket: '1d' },
      today: TODAY,
      toolVersion: 'zetasql-check',
      soleOrganization: true,
    });
    const streams = STREAM_NAMES.map((s) => STREAMS[s]);
    await backfill(env(), { range: RANGE, streams, refresh: true });
    take('backfill');
    await dailyRun(env(), streams, 3);
    take('daily run');
    await retryFailed(env());
    take('retry');
    // The headroom cache, read on demand by report --by rate_limit, and its report query.
    await backfill(env(), { range: { from: RANGE.to, to: RANGE.to }, streams: [STREAMS.rate_limit_peaks], refresh: true });
    take('backfill rate_limit_peaks');
    await ratePeaks(wh, RANGE, ['org_a']);
    take('report rate_limit');

    await warehouseStatus(wh, TODAY);
    take('status');
    await runValidation(wh, { range: RANGE, today: TODAY, options: { expectTotalUsd: '0' } });
    take('validate');
    // Several organizations: status and validate per organization (each check's SQL with its organization filter).
    const orgs = [{ id: 'org_a', name: 'A' }, { id: 'org_b', name: null }, { id: null, name: null }];
    await warehouseStatus(wh, TODAY, orgs);
    await warehouseStatus(wh, TODAY, orgs.slice(0, 1));
    take('status per organization');
    await runValidation(wh, { range: RANGE, today: TODAY, options: { expectTotalUsd: '0' }, organizations: orgs });
    take('validate per organization');
    // With kept proofs: the day fingerprints, the view's SQL as stored, reading and storing the proofs.
    const proofs = await readProofBook(wh);
    await runValidation(wh, { range: RANGE, today: TODAY, proofs });
    await storeProofBook(wh, proofs);
    take('validate with kept proofs');
    const filtered = { ...RANGE, workspaceIds: ['wrkspc_1', 'default'], models: ['claude-sonnet-4'], organizationIds: ['org_a', 'org_b'] };
    // The Claude Code reports have no workspace or model to filter on.
    const filterOf = (name: string) => (name === 'user' || name === 'claude_code' || name === 'fixed_costs' ? { ...RANGE, organizationIds: ['org_a'] } : filtered);
    for (const name of REPORT_NAMES) {
      await runReport(wh, name, filterOf(name));
      take(`report ${name}`);
    }
    // report --tz (issue 27): hours and UTC days summed by the warehouse, the local day decided in code.
    await localSpend(wh, makeCalendar({ timezone: 'America/New_York' }), filtered, 'day', new Set(['2025-03-05']));
    await localTokens(wh, makeCalendar({ timezone: 'America/New_York' }), filtered, 'day', new Set(['2025-03-05']));
    take('report --by day --tz America/New_York');
    // `claude-ingest export <what>`: every table, the FOCUS view and every report, each as sent.
    for (const what of [...Object.keys(TABLES), 'claude_focus_costs', ...REPORT_NAMES]) {
      const undated = what in TABLES && !TABLES[what as keyof typeof TABLES].columns.some((c) => c.name === 'activity_date');
      for (const o of undated ? [{}] : [{}, { from: RANGE.from, to: RANGE.to }]) {
        const q = await exportSelect(wh, what, o);
        await wh.exportQuery!(q.sql, q.params, join(dir, `${what}.csv`), 'csv');
        take(`export ${what}${'from' in o ? ' --from --to' : ''}`);
      }
    }
    for (const path of Object.keys(ROUTES)) {
      for (const query of ['', `from=${RANGE.from}&to=${RANGE.to}&workspace=wrkspc_1&model=claude-sonnet-4`]) {
        const params = new URLSearchParams(query);
        if (path === '/api/spend') params.set('stack', 'model');
        if (path === '/api/health' || path === '/api/meta') {
          params.delete('workspace');
          params.delete('model');
        }
        await handleApi(path, { wh, query: params, today: TODAY }).catch(() => undefined);
        take(`dashboard ${path}?${params.toString()}`);
      }
    }
    // The dashboard in a time zone (issue 27): the stacked local days (two parts per UTC day), the local
    // breakdown, the budgets' local month, the product chart's local days, the keys' local usage rows,
    // and the span in local days.
    const ny = makeCalendar({ timezone: 'America/New_York' });
    for (const path of ['/api/spend', '/api/breakdown', '/api/budgets', '/api/analytics', '/api/keys', '/api/rows', '/api/meta']) {
      const params = new URLSearchParams(path === '/api/meta' ? '' : `from=${RANGE.from}&to=${RANGE.to}`);
      if (path === '/api/rows') params.set('table', 'keys');
      await handleApi(path, { wh, query: params, today: TODAY, calendar: ny, alerts: alertsSchema.parse({ budgets: [{ name: 'all', monthly_usd: 100 }] }) }).catch(() => undefined);
      take(`dashboard ${path}?${params.toString()} in America/New_York`);
    }
    // The Analytics product chart's local days (the stand-in holds no analytics cost, so /api/analytics stops early).
    await localSpendSplitByDay(wh, ny, RANGE, 'product', new Set([RANGE.to]));
    take('dashboard /api/analytics product chart in America/New_York');
    await demoSummary(wh);
    take('demo summary');
    // Every metric family (the Prometheus endpoint and OTLP push read the same), budgets included.
    await collectMetrics(wh, { today: TODAY, top: 5, budgets: [{ name: 'all', monthly_usd: 100, thresholds_pct: [100], forecast: true }] }).catch(() => undefined);
    take('metrics collect');
    // fixed_costs and reconcile (issue 26): the config's fees written, a month reconciled and recorded.
    await syncFixedCosts(wh, [{ name: 'Seats', kind: 'seats', monthly_usd: 30, quantity: 5 }, { name: 'Credit', kind: 'credit', monthly_usd: '10' }], TODAY).catch(() => undefined);
    take('fixed costs sync');
    // Who pays each fee-month (issues 25 × 26): the parts read for the FOCUS view, and their upsert.
    const feeRules = { dimensions: ['team'], rules: [], unallocated: { team: 'Unallocated' }, fees: [{ name: 'Seats', set: {}, split: { by: 'team', proportional_to: 'billed' as const } }], hash: 'h' };
    await syncFixedCostParts(wh, await feeMonthParts(wh, feeRules).catch(() => []), 'h').catch(() => undefined);
    await syncFixedCostParts(wh, [{ month: RANGE.from, name: 'Seats', organizationId: null, part: 0, tags: '{}', amountUsd: '1', pricingQuantity: '1' }], 'h').catch(() => undefined);
    take('fixed cost parts sync');
    for (const organizationId of [undefined, 'org_a', null]) {
      const rec = await reconcileMonth(wh, { month: RANGE.from.slice(0, 7), ...(organizationId !== undefined ? { organizationId } : {}) }, { invoiceId: 'INV', lines: [{ description: 'Usage', amountUsd: '1' }], totalOnly: false }, { kind: 'focus' });
      await recordReconciliation(wh, rec);
    }
    take('reconcile');
    for (const organizationId of [undefined, 'org_a', null]) await compareEstimates(wh, RANGE.from.slice(0, 7), [{ day: RANGE.from, apiKeyId: 'k', usd: '1' }], organizationId);
    take('reconcile --estimates');
    // Allocation (issue 25): the facts at their finest grain, and the month's last refresh for the chargeback header.
    await readAllocationFacts(wh, filtered);
    await lastRefreshOf(wh, RANGE);
    take('allocation facts');
    // The facts summed per rule the warehouse tells (a dated rule, each column a rule can match), the
    // split rule's rows at the finest grain (the stand-in answers one fact of it), and one product's usage.
    const toldRules: AllocationRules = {
      dimensions: ['team'],
      rules: [
        { name: 'prod', match: { api_key: 'prod-*', workspace: 'Default' }, set: { team: 'Platform' }, from: '2025-03-02', to: '2025-03-08' },
        { name: 'code', match: { product: 'claude_code', model: 'claude-*', cost_type: 'tokens' }, set: { team: 'Engineering' } },
        { name: 'staging', match: { api_key: 'staging-*' }, set: {}, split: { by: 'team', proportional_to: 'billed' } },
      ],
      unallocated: { team: 'Unallocated' },
      hash: 'told',
    };
    await readAllocationFacts(wh, filtered, toldRules, factDetailFor(toldRules, ['team', 'product']));
    await readProductFacts(wh, RANGE, toldRules, 'claude_code');
    take('allocation facts told by rule');
    // The Claude Code value's activity summed over the range (no dated rule).
    await readClaudeCodeActivity(wh, RANGE, true);
    take('claude code activity over the range');
    const told = out.filter((x) => x.source === 'allocation facts told by rule' && x.sql.includes('AS `rule_class`') && x.sql.includes('LEFT JOIN'));
    // The classes of the report and of the product, and the split rule's finest rows (filtered on its class).
    if (told.length < 3 || !told.some((x) => /END IN \(\?/.test(x.sql))) throw new Error(`allocation facts told by rule: ${told.length} statements collected, expected the classes and the split rows`);
    // `claude-ingest allocate` (and the end of run/backfill): the plan, the facts and FOCUS usage rows of a month, its window replacement.
    const allocationRules: AllocationRules = {
      dimensions: ['team'],
      rules: [{ name: 'prod', match: { api_key: 'prod-*' }, set: { team: 'Platform' } }],
      unallocated: { team: 'Unallocated' },
      hash: 'zetasql',
    };
    const allocated = await materialiseAllocation(wh, allocationRules, { toolVersion: 'zetasql-check' });
    if (allocated.rebuilt !== 1 || allocated.rows < 1) throw new Error(`allocate rebuilt ${allocated.rebuilt} months (${allocated.rows} rows), expected the one answered`);
    await materialiseAllocation(wh, allocationRules, { from: RANGE.from, to: RANGE.to, rebuild: true, toolVersion: 'zetasql-check' });
    take('allocate');
    // The readers of the kept lines (report --by, chargeback, /api/allocation): whether they are current, then the lines by day and by month.
    await keptLinesCurrent(wh, allocationRules, { ...RANGE, organizationIds: ['org_a'] }, 'names');
    await keptLinesCurrent(wh, allocationRules, RANGE, 'names');
    await readGrouped(wh, allocationRules, RANGE, ['api_key', 'person', 'product', 'model', 'workspace', 'cost_type', 'rule'], true);
    await readGrouped(wh, allocationRules, { ...RANGE, organizationIds: ['org_a'] }, [], false);
    // The kept days (what --by <dimensions> and the currency read) and the lines grouped the same way (validate compares both).
    await readGrouped(wh, allocationRules, RANGE, [], true);
    await readGrouped(wh, allocationRules, RANGE, [], true, ALLOCATION_LINES_TABLE);
    // The value of Claude Code from the kept lines, and the names hash (one query over the four name tables).
    await readProductGrouped(wh, RANGE, 'claude_code');
    await readProductGrouped(wh, { ...RANGE, organizationIds: ['org_a'] }, 'claude_code');
    await namesHash(wh);
    take('allocation kept lines');
    // validate's allocation check, kept per day: its salt (the fees' fingerprint), the per-day currency and the kept forms against the engine.
    const allocationProofs = await readProofBook(wh);
    await runValidation(wh, { range: RANGE, today: TODAY, options: { toleranceUsd: '0.01', allocation: allocationRules }, proofs: allocationProofs });
    await runValidation(wh, { range: RANGE, today: TODAY, options: { toleranceUsd: '0.01', allocation: allocationRules }, organizations: [{ id: 'org_a', name: 'A' }] });
    take('validate with allocation rules');
    await materialiseAllocation(wh, null, { toolVersion: 'zetasql-check' });
    take('allocate without rules');
    const cfg = alertsSchema.parse({
      budgets: [{ name: 'all', monthly_usd: 100 }],
      anomalies: { daily_spend: { min_usd: 1, sensitivity: 3 }, new_spender: true, cache_hit_rate_drop: true },
      data_health: true,
      spend_limits: true,
      rate_limit_headroom: { pct: 80 },
    });
    await evaluateAlerts(wh, cfg, TODAY, { anomalyDays: ['2025-03-08', '2025-03-09'] }).catch(() => undefined);
    take('alerts evaluate');
    await loadRecorded(wh);
    take('alerts store');
    const event = { key: 'budget:all:2025-03:50', rule: 'budget', subject: 'all', period: '2025-03', level: 'warning', title: 'Budget all at 50 %', figures: {} };
    await recordAttempt(wh, event as unknown as Parameters<typeof recordAttempt>[1], 'slack', undefined, { status: 'sent' }, `${TODAY}T06:00:00Z`);
    take('alerts record');
    await wh.changeToken!();
    take('change token');
    await wh.listRuns(5);
    take('list runs');
    await wh.listWindows({ stream: 'cost', status: 'ok' });
    take('list windows');
  } finally {
    await wh?.close();
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
  return { statements: out, stagingTables: [...staging].map(([name, fields]) => ({ name, fields })) };
}

export const TABLE_PREFIX = `${PROJECT}.${DATASET}.`;
