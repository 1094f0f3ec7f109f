/**
 * Which days an alert may judge: the days `validate` would call complete for spend. A half-ingested
 * day (today, a window still running or failed, rows that do not add up to the API's totals) would
 * look like a drop or a jump, so it is never judged; only budgets count today, labelled partial.
 */
import type { CheckContext } from '../checks/check.js';
import { DEFAULT_OPTIONS } from '../checks/index.js';
import { completenessCheck } from '../checks/completeness.js';
import { lastCompleteDay, okDays, unfinishedWindows } from '../ledger/queries.js';
import { eachDay, type DayRange, type IsoDay } from '../util/dates.js';
import type { Warehouse, WindowRecord } from '../warehouse/warehouse.js';

/** Spend and tokens: the streams alerts read. */
export const SPEND_STREAMS = ['cost', 'usage'] as const;

export interface JudgedDays {
  /** Complete days in the range, ascending. */
  days: IsoDay[];
  has(day: IsoDay): boolean;
  /** The last complete day of every spend stream (null when one has none yet). */
  lastComplete: IsoDay | null;
}

export async function judgedDays(wh: Warehouse, ledger: WindowRecord[], range: DayRange, today: IsoDay): Promise<JudgedDays> {
  const lasts = SPEND_STREAMS.map((s) => lastCompleteDay(ledger, s));
  const lastComplete = lasts.some((d) => d === null) ? null : lasts.reduce((a, b) => (b! < a! ? b : a));
  const ok = SPEND_STREAMS.map((s) => okDays(ledger, s));
  const open = new Set(
    unfinishedWindows(ledger)
      .filter((w) => (SPEND_STREAMS as readonly string[]).includes(w.stream))
      .flatMap((w) => eachDay(w.windowStart, w.windowEnd)),
  );
  const candidates = lastComplete === null || range.from > range.to ? [] : eachDay(range.from, range.to < lastComplete ? range.to : lastComplete);
  let days = candidates.filter((d) => d < today && ok.every((set) => set.has(d)) && !open.has(d));
  if (days.length > 0) {
    const ctx: CheckContext = { wh, range: { from: days[0]!, to: days[days.length - 1]! }, today, ledger, options: DEFAULT_OPTIONS };
    const differ = new Set((await completenessCheck.run(ctx)).days ?? []);
    days = days.filter((d) => !differ.has(d));
  }
  const set = new Set(days);
  return { days, has: (d) => set.has(d), lastComplete };
}
