/**
 * What every family reads from: the warehouse, UTC today, the organizations (each one a scope whose
 * series carry its `organization` label) and a per-collection memo, so families that need the same
 * report (cost and tokens by API key) run its query once.
 */
import type { BudgetConfig } from '../config/schema.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import { warehouseOrganizations } from '../reports/organizations.js';
import type { ReportFilter } from '../reports/filter.js';
import { addDays, monthStart, type DayRange, type IsoDay } from '../util/dates.js';
import type { Warehouse, WindowRecord } from '../warehouse/warehouse.js';

/** The periods every spend family is published for (`month_forecast` is the total's alone). */
export const PERIODS = ['today', 'yesterday', 'month_to_date'] as const;
export type Period = (typeof PERIODS)[number];

/** One organization's slice of the warehouse. */
export interface Scope {
  /** The `organization` label: its id, or `unattributed` for rows written before organization ids. */
  organization: string;
  /** The report filter's organization part (absent: the whole warehouse, when it holds one organization). */
  filter: Pick<ReportFilter, 'organizationIds'>;
  /** Its ledger windows. */
  ledger: WindowRecord[];
}

export const UNATTRIBUTED_ORGANIZATION = 'unattributed';
export const DEFAULT_TOP = 50;

export interface CollectOptions {
  /** UTC today (CLAUDE_INGEST_TODAY aware). */
  today: IsoDay;
  /** Per-key and per-name breakdowns keep this many series by month-to-date spend, plus `other`. */
  top?: number;
  /** alerts.budgets of claude-ingest.yaml: one usage ratio each. */
  budgets?: readonly BudgetConfig[];
  /** allocation: of claude-ingest.yaml, so a budget scoped to a team reads the cost the rules give it (as alerts and the dashboard do). */
  allocation?: AllocationRules | null;
}

export interface CollectContext {
  wh: Warehouse;
  today: IsoDay;
  top: number;
  budgets: readonly BudgetConfig[];
  allocation: AllocationRules | null;
  scopes: Scope[];
  /** The whole ledger (listWindows). */
  ledger: WindowRecord[];
  /** The days of a period. */
  range(period: Period): DayRange;
  /** Runs `load` once per key within one collection. */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export async function collectContext(wh: Warehouse, o: CollectOptions): Promise<CollectContext> {
  const ledger = await wh.listWindows();
  const orgs = await warehouseOrganizations(wh);
  // One organization (the usual case) is the whole warehouse: rows not yet attributed belong to it.
  // Several: each is read on its own rows; rows without one can then not be told apart by a filter.
  const scopes: Scope[] =
    orgs.length <= 1
      ? [{ organization: orgs[0]?.id ?? UNATTRIBUTED_ORGANIZATION, filter: {}, ledger }]
      : orgs.flatMap((org) => (org.id === null ? [] : [{ organization: org.id, filter: { organizationIds: [org.id] }, ledger: ledger.filter((w) => w.organizationId === org.id) }]));
  const memos = new Map<string, Promise<unknown>>();
  const today = o.today;
  const ranges: Record<Period, DayRange> = {
    today: { from: today, to: today },
    yesterday: { from: addDays(today, -1), to: addDays(today, -1) },
    month_to_date: { from: monthStart(today), to: today },
  };
  return {
    wh,
    today,
    top: o.top ?? DEFAULT_TOP,
    budgets: o.budgets ?? [],
    allocation: o.allocation ?? null,
    scopes,
    ledger,
    range: (p) => ranges[p],
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = memos.get(key) as Promise<T> | undefined;
      if (!p) memos.set(key, (p = load()));
      return p;
    },
  };
}
