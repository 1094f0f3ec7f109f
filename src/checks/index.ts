/** `validate`: every check over one range, with a short summary of what the warehouse holds. */
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

export const DEFAULT_OPTIONS: ValidateOptions = { toleranceUsd: '0.01', largeLineUsd: '100' };

export interface ValidationSummary {
  range: DayRange;
  days: number;
  totalUsd: string;
  /** Rows per fact/totals table within the range. */
  rows: Record<string, number>;
}

export interface ValidationReport {
  summary: ValidationSummary;
  results: CheckResult[];
  /** 'FAIL' if any check failed, else 'WARN' if any warned, else 'PASS'. */
  status: CheckResult['status'];
}

export async function runValidation(wh: Warehouse, args: { range: DayRange; today: IsoDay; options?: Partial<ValidateOptions> }): Promise<ValidationReport> {
  const options: ValidateOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(args.options ?? {}) };
  const ctx: CheckContext = { wh, range: args.range, today: args.today, ledger: await wh.listWindows(), options };
  const checks = options.expectTotalUsd !== undefined ? [...CHECKS, consoleMatchCheck] : CHECKS;
  const results: CheckResult[] = [];
  // One at a time: each check is a few aggregate queries and the warehouse has few cores to share.
  for (const check of checks) results.push(await check.run(ctx));
  const status = results.some((r) => r.status === 'FAIL') ? 'FAIL' : results.some((r) => r.status === 'WARN') ? 'WARN' : 'PASS';
  return { summary: await summarize(wh, args.range), results, status };
}

async function summarize(wh: Warehouse, range: DayRange): Promise<ValidationSummary> {
  const d = wh.dialect;
  const total = await totalSpend(wh, range);
  const rows: Record<string, number> = {};
  for (const t of FACT_TABLES) {
    const [r] = await wh.query(
      `SELECT COUNT(*) AS ${d.ident('n')} FROM ${d.table(t.name)} WHERE ${d.ident('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}`,
      [range.from, range.to],
    );
    rows[t.name] = Number(r?.n ?? 0);
  }
  return { range, days: total.days, totalUsd: total.usd, rows };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
