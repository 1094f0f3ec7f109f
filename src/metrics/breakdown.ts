/**
 * Bounded cardinality: a breakdown keeps the top N keys by month-to-date spend and folds every other
 * key into one `other` series per period, so a 10,000-key organization publishes N + 1 series per
 * period, and the series of a period still add up exactly (decimal sums) to the report's total.
 */
import { compareDecimal, sumDecimals } from '../util/money.js';
import { PERIODS, type Period } from './context.js';

export const OTHER = 'other';

export interface BreakdownRow {
  /** The label value: an id (stable across renames). */
  key: string;
  /** A name for people (workspace or key name), published in its own label. */
  name: string;
  /** Exact decimal text. */
  value: string;
  /** Ties in value are broken by this (e.g. tokens), then by key. */
  tiebreak?: number;
}

export interface BreakdownSeries {
  period: Period;
  key: string;
  name: string;
  value: string;
}

/** The keys kept: the first `top` by month-to-date value (then tiebreak, then key). */
export function keptKeys(monthToDate: readonly BreakdownRow[], top: number): Set<string> {
  const ranked = [...monthToDate].sort(
    (a, b) => compareDecimal(b.value, a.value) || (b.tiebreak ?? 0) - (a.tiebreak ?? 0) || a.key.localeCompare(b.key),
  );
  return new Set(ranked.slice(0, top).map((r) => r.key));
}

/**
 * Per period: every kept key (0 where it had nothing that period, so the series set is stable within
 * a month) and `other`, the exact sum of the rest (0 when nothing is left over). `kept`: the keys
 * another family ranked (tokens by key keep the keys the cost by key keeps).
 */
export function breakdownSeries(rows: ReadonlyMap<Period, readonly BreakdownRow[]>, top: number, kept = keptKeys(rows.get('month_to_date') ?? [], top)): BreakdownSeries[] {
  const names = new Map<string, string>();
  for (const p of PERIODS) for (const r of rows.get(p) ?? []) if (kept.has(r.key)) names.set(r.key, r.name);
  const out: BreakdownSeries[] = [];
  for (const period of PERIODS) {
    const these = rows.get(period) ?? [];
    const byKey = new Map(these.map((r) => [r.key, r.value]));
    for (const key of kept) out.push({ period, key, name: names.get(key) ?? key, value: byKey.get(key) ?? '0' });
    out.push({ period, key: OTHER, name: OTHER, value: sumDecimals(these.filter((r) => !kept.has(r.key)).map((r) => r.value)) });
  }
  return out;
}
