/** The shape every validation check shares. */
import { thousands } from '../util/thousands.js';
import type { WarehouseOrganization } from '../reports/organizations.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import type { DayRange, IsoDay } from '../util/dates.js';
import type { Warehouse, WindowRecord } from '../warehouse/warehouse.js';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** The measured figure, short: "0 days differ", "3 duplicate rows". */
  figure: string;
  /** What it means, in one or two sentences. */
  detail: string;
  /** What to do about a WARN or FAIL. */
  action?: string;
  /** Days concerned, when the finding is about days. */
  days?: string[];
  /** The organization the result is about, when validate proves several separately. */
  organization?: WarehouseOrganization;
}

export interface ValidateOptions {
  /** The Console's total for the range, dollars (exact decimal text). */
  expectTotalUsd?: string;
  /** Allowed difference from expectTotalUsd, dollars; default 0.01. */
  toleranceUsd: string;
  /**
   * A single cost line above this many dollars is a WARN. Absent (the default): a line far above the
   * organization's own trailing 90 days is (checks/large-lines.ts).
   */
  largeLineUsd?: string;
  /** The config's allocation rules: the allocation check runs only with them (checks/allocation.ts). */
  allocation?: AllocationRules;
}

export interface CheckContext {
  wh: Warehouse;
  range: DayRange;
  /** UTC today (CLAUDE_INGEST_TODAY aware). */
  today: IsoDay;
  /** listWindows(): the latest ledger row per window (of `organization` alone, when set). */
  ledger: WindowRecord[];
  /** The one organization this pass proves (its rows only); absent: the whole warehouse. */
  organization?: WarehouseOrganization;
  options: ValidateOptions;
}

export interface Check {
  id: string;
  title: string;
  /** 'warehouse': about the schema or the tool, not the data, so judged once rather than per organization. */
  scope?: 'warehouse';
  run(ctx: CheckContext): Promise<CheckResult>;
}

/** "2025-01-03, 2025-01-09 … (12 days)": long day lists stay one line. */
export function listDays(days: string[], max = 6): string {
  if (days.length <= max) return days.join(', ');
  return `${days.slice(0, max).join(', ')} … (${days.length} days)`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${thousands(n)} ${n === 1 ? word : many}`;
}

/**
 * ` AND organization_id = ?` (or IS NULL for unattributed rows) when the pass proves one organization,
 * else nothing: appended to every WHERE a check writes, so each organization is judged on its own rows.
 */
export function orgAnd(ctx: CheckContext, alias?: string, column = 'organization_id'): { sql: string; params: unknown[] } {
  const o = ctx.organization;
  if (!o) return { sql: '', params: [] };
  const col = alias ? `${alias}.${ctx.wh.dialect.ident(column)}` : ctx.wh.dialect.ident(column);
  return o.id === null ? { sql: ` AND ${col} IS NULL`, params: [] } : { sql: ` AND ${col} = ?`, params: [o.id] };
}

/** `activity_date BETWEEN ? AND ?` (and the pass's organization) for a table alias, with its parameters. */
export function inRange(ctx: CheckContext, alias?: string): { sql: string; params: unknown[] } {
  const d = ctx.wh.dialect;
  const col = alias ? `${alias}.${d.ident('activity_date')}` : d.ident('activity_date');
  const org = orgAnd(ctx, alias);
  return { sql: `${col} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql}`, params: [ctx.range.from, ctx.range.to, ...org.params] };
}
