/** `validate`: every check over one range, with a short summary of what the warehouse holds. */
import { organizationIdsOf, warehouseOrganizations, type WarehouseOrganization } from '../reports/organizations.js';
import { totalSpend } from '../reports/queries.js';
import type { DayRange, IsoDay } from '../util/dates.js';
import { FACT_TABLES } from '../warehouse/tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { roundedValuesCheck, unknownMeasuresCheck } from './api-drift.js';
import { centsCheck } from './cents.js';
import type { Check, CheckContext, CheckResult, ValidateOptions } from './check.js';
import { analyticsCompletenessCheck } from './analytics-completeness.js';
import { completenessCheck } from './completeness.js';
import { crossApiCheck } from './cross-api.js';
import { focusSingleSourceCheck } from './focus-single-source.js';
import { consoleMatchCheck } from './console-match.js';
import { doubleCountingCheck } from './double-counting.js';
import { duplicatesCheck } from './duplicates.js';
import { failedWindowsCheck } from './failed-windows.js';
import { freshnessCheck } from './freshness.js';
import { gapsCheck } from './gaps.js';
import { DayFingerprints, isDailyCheck, runDailyCheck, type DailyCheck, type ProofBook } from './proofs.js';
import type { AllocationDay } from './allocation.js';
import { keptSpend, spendPerDay } from './summary-spend.js';
import { both, mapInTurns } from '../util/concurrent.js';

export * from './check.js';

/** Always run. console-match runs only when an expected total is given. */
export const CHECKS: Check[] = [
  completenessCheck,
  centsCheck,
  duplicatesCheck,
  gapsCheck,
  failedWindowsCheck,
  doubleCountingCheck,
  freshnessCheck,
  roundedValuesCheck,
  unknownMeasuresCheck,
  analyticsCompletenessCheck,
  crossApiCheck,
  focusSingleSourceCheck,
];
export { consoleMatchCheck };

/**
 * The allocation check (checks/allocation.ts), loaded when it runs: it brings the allocation engine,
 * which a validate without allocation rules (the usual case) need not load at start.
 */
export const allocationCheck: DailyCheck<AllocationDay> = {
  id: 'allocation',
  title: 'Allocation rules add up',
  // Each day's verdict is kept (proofs.ts) under its facts', kept lines' and kept days' fingerprints.
  daily: {
    tables: ['claude_cost_by_actor', 'claude_costs', 'claude_cost_allocation_lines', 'claude_cost_allocation_days'],
    version: 'allocation-2',
    salt: async (ctx) => (await import('./allocation.js')).allocationSalt(ctx),
    facts: async (ctx) => (await import('./allocation.js')).allocationFacts(ctx),
    judge: async (ctx, facts) => (await import('./allocation.js')).judgeAllocation(ctx, facts),
  },
  async run(ctx) {
    return (await import('./allocation.js')).runAllocationCheck(ctx);
  },
};

/** How many checks of a pass run at once (runValidation). */
const CHECKS_AT_ONCE = 2;

export const DEFAULT_OPTIONS: ValidateOptions = { toleranceUsd: '0.01' };

export interface ValidationSummary {
  range: DayRange;
  days: number;
  totalUsd: string;
  /** Rows per fact/totals table within the range. */
  rows: Record<string, number>;
  /** With kept proofs: day × check proofs made now (rows changed, or none kept) and reused (rows unchanged). */
  proofs?: { proved: number; reused: number };
}

/** One organization's verdict, when validate proves several separately. */
export interface OrganizationVerdict extends WarehouseOrganization {
  status: CheckResult['status'];
  totalUsd: string;
}

export interface ValidationReport {
  summary: ValidationSummary;
  /** Every check, once per organization when there are several (each result names its organization). */
  results: CheckResult[];
  /** 'FAIL' if any check failed, else 'WARN' if any warned, else 'PASS'. */
  status: CheckResult['status'];
  /** Present when the warehouse holds several organizations or one was selected. */
  organizations?: OrganizationVerdict[];
}

function worst(results: CheckResult[]): CheckResult['status'] {
  return results.some((r) => r.status === 'FAIL') ? 'FAIL' : results.some((r) => r.status === 'WARN') ? 'WARN' : 'PASS';
}

export interface ValidationArgs {
  range: DayRange;
  today: IsoDay;
  options?: Partial<ValidateOptions>;
  /**
   * Organizations to prove, each on its own rows and ledger (selectWarehouseOrganizations, for --org).
   * Absent: every organization separately when the warehouse holds several, else the whole warehouse
   * in one pass, as before organizations existed.
   */
  organizations?: WarehouseOrganization[];
  /**
   * Kept proofs (readProofBook): each data check proves only the days whose rows changed since and
   * records what it proved in the book, for the caller to store. Absent: every day is proved.
   */
  proofs?: ProofBook;
}

export async function runValidation(wh: Warehouse, args: ValidationArgs): Promise<ValidationReport> {
  const options: ValidateOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(args.options ?? {}) };
  const [ledger, orgs] = await both(wh.listWindows(), args.organizations ? Promise.resolve(args.organizations) : severalOrganizations(wh));
  const base: CheckContext = { wh, range: args.range, today: args.today, ledger, options };
  const checks = [...CHECKS, ...(options.expectTotalUsd !== undefined ? [consoleMatchCheck] : []), ...(options.allocation ? [allocationCheck] : [])];
  // A pass's day fingerprints are read once and shared by its checks (proofs.ts).
  const prove = (check: Check, ctx: CheckContext, prints: DayFingerprints | undefined) =>
    args.proofs && prints && isDailyCheck(check) ? runDailyCheck(check, ctx, args.proofs, prints) : check.run(ctx);
  if (!orgs) {
    // The summary's spend per day is kept as the checks' facts are, so its columns join the prints'.
    const prints = args.proofs ? new DayFingerprints(base, [...checks.filter(isDailyCheck), spendPerDay]) : undefined;
    // Two checks at a time (the results in their order): one's JavaScript runs while the other's
    // queries run in DuckDB's threads. More gains nothing on this many cores and holds more memory.
    const results = await mapInTurns(checks, CHECKS_AT_ONCE, (check) => prove(check, base, prints));
    const spend = args.proofs && prints ? await keptSpend(base, args.proofs, prints) : undefined;
    const summary = withTally(await summarize(wh, args.range, undefined, prints, spend), args.proofs);
    await prints?.save();
    return { summary, results, status: worst(results) };
  }
  const results: CheckResult[] = [];
  for (const check of checks.filter((c) => c.scope === 'warehouse')) results.push(await check.run(base));
  const verdicts: OrganizationVerdict[] = [];
  for (const organization of orgs) {
    const ctx: CheckContext = { ...base, organization, ledger: ledger.filter((w) => (w.organizationId ?? null) === organization.id) };
    const own: CheckResult[] = [];
    const prints = args.proofs ? new DayFingerprints(ctx, checks.filter(isDailyCheck)) : undefined;
    for (const check of checks) if (check.scope !== 'warehouse') own.push(forOrganization(await prove(check, ctx, prints), organization));
    await prints?.save();
    results.push(...own);
    const ids = organization.id === null ? undefined : [organization.id];
    verdicts.push({ ...organization, status: worst([...results.filter((r) => !r.organization), ...own]), totalUsd: (await totalSpend(wh, { ...args.range, ...(ids ? { organizationIds: ids } : {}) })).usd });
  }
  const ids = organizationIdsOf(orgs.filter((o) => o.id !== null));
  const all = orgs.every((o) => o.id !== null) && ids && ids.length > 0 ? ids : undefined;
  return { summary: withTally(await summarize(wh, args.range, all), args.proofs), results, status: worst(results), organizations: verdicts };
}

function withTally(summary: ValidationSummary, book: ProofBook | undefined): ValidationSummary {
  return book ? { ...summary, proofs: { ...book.tally } } : summary;
}

/** The result named for its organization, its fix command limited to it (ingest's --org takes the id). */
function forOrganization(r: CheckResult, organization: WarehouseOrganization): CheckResult {
  const id = organization.id;
  const action = id && r.action ? r.action.replace(/claude-ingest (?:backfill|retry|run)(?: --[\w-]+(?: [^\s()-][^\s()]*?(?=[.;,]?(?:\s|$)))?)*/, (cmd) => `${cmd} --org ${id}`) : r.action;
  return { ...r, ...(action !== undefined ? { action } : {}), organization };
}

/** The warehouse's organizations when there are several (rows still without one count as one), else undefined. */
async function severalOrganizations(wh: Warehouse): Promise<WarehouseOrganization[] | undefined> {
  const all = await warehouseOrganizations(wh);
  return all.length > 1 ? all : undefined;
}

async function summarize(wh: Warehouse, range: DayRange, organizationIds?: string[], prints?: DayFingerprints, spend?: { usd: string; days: number }): Promise<ValidationSummary> {
  const d = wh.dialect;
  const total = spend ?? (await totalSpend(wh, { ...range, ...(organizationIds ? { organizationIds } : {}) }));
  const org = organizationIds ? ` AND ${d.ident('organization_id')} IN (${organizationIds.map(() => '?').join(', ')})` : '';
  const rows: Record<string, number> = {};
  for (const t of FACT_TABLES) {
    // A reader-optional table a read-only open lacks (allocation-tables.ts) holds no rows.
    if (wh.lacks?.(t.name)) {
      rows[t.name] = 0;
      continue;
    }
    // The day fingerprints count each day's rows already: no second scan.
    if (prints) {
      rows[t.name] = [...(await prints.of(t.name)).values()].reduce((n, p) => n + p.rows, 0);
      continue;
    }
    const [r] = await wh.query(
      `SELECT COUNT(*) AS ${d.ident('n')} FROM ${d.table(t.name)} WHERE ${d.ident('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org}`,
      [range.from, range.to, ...(organizationIds ?? [])],
    );
    rows[t.name] = Number(r?.n ?? 0);
  }
  return { range, days: total.days, totalUsd: total.usd, rows };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
