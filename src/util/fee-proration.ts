/**
 * Proration of configured fees (fixed_costs, docs/reconcile.md "Partial months"), in one place so the
 * sync that writes claude_fixed_costs, the reports that spread a month over its days and the tests
 * all apply the same rule:
 *
 * - A fee applies on the days from `from` through `to`, both inclusive. A month it covers entirely is
 *   charged its full monthly amount, exactly.
 * - A month it covers only in part (c of its D days) is charged monthly × c / D, rounded half-even to
 *   FEE_UNIT ($0.00000001, a millionth of a cent).
 * - A month's charge is spread over the days it covers in whole FEE_UNITs by the largest-remainder
 *   method: every day's exact share is charge / c; each day first gets its share rounded toward zero,
 *   and the units left over go one each to the days with the largest remainder. All remainders are
 *   equal, so ties go to the earliest days. The days of a month therefore add up exactly to the
 *   month's charge, and any range's fee is the sum of its days.
 */
import { addDays, daysBetween, monthStart, type IsoDay } from './dates.js';
import { absDecimal, addDecimal, divideDecimal, formatScaled, isNegativeDecimal, isZeroDecimal, multiplyDecimal, roundDecimal, subtractDecimal } from './money.js';

/** Decimal places of dollars a prorated month or a day's part is counted in. */
export const FEE_UNIT_DECIMALS = 8;

/** The part of one calendar month a fee applies in. */
export interface FeeMonthPeriod {
  /** First day of the month. */
  month: IsoDay;
  /** First and last day of the month the fee applies on (inclusive). */
  first: IsoDay;
  last: IsoDay;
  /** Days it applies on, and days in the month. */
  days: number;
  daysInMonth: number;
}

export function nextMonthStart(day: IsoDay): IsoDay {
  return monthStart(addDays(monthStart(day), 31));
}

export function daysInMonth(day: IsoDay): number {
  const m = monthStart(day);
  return daysBetween(m, nextMonthStart(m));
}

/** Each month touched by first..last (inclusive), with the days of it covered. */
export function feeMonthPeriods(first: IsoDay, last: IsoDay): FeeMonthPeriod[] {
  const out: FeeMonthPeriod[] = [];
  for (let m = monthStart(first); m <= last; m = nextMonthStart(m)) {
    const monthLast = addDays(nextMonthStart(m), -1);
    const a = first > m ? first : m;
    const b = last < monthLast ? last : monthLast;
    out.push({ month: m, first: a, last: b, days: daysBetween(a, b) + 1, daysInMonth: daysInMonth(m) });
  }
  return out;
}

/** A month's charge: the full amount when every day is covered, else prorated by days (half-even to FEE_UNIT). */
export function prorateMonth(monthlyUsd: string, p: Pick<FeeMonthPeriod, 'days' | 'daysInMonth'>): string {
  if (p.days >= p.daysInMonth) return multiplyDecimal(monthlyUsd, 1);
  // divideDecimal keeps 60 significant digits; a quotient by a month's days cannot end in 5000… there unless exact.
  return roundDecimal(divideDecimal(multiplyDecimal(monthlyUsd, p.days), p.daysInMonth), FEE_UNIT_DECIMALS, 'half-even');
}

/**
 * The month's charge spread over first..last by the largest-remainder method in FEE_UNITs (module
 * comment). A charge with more decimals than FEE_UNIT (a full month configured with 9+ decimals) is
 * spread exactly: the last day takes what whole units cannot, so the days still sum to the charge.
 */
export function dailyParts(chargeUsd: string, first: IsoDay, last: IsoDay): Array<{ day: IsoDay; usd: string }> {
  const n = daysBetween(first, last) + 1;
  if (n <= 0) return [];
  const abs = absDecimal(chargeUsd);
  const units = BigInt(roundDecimal(multiplyDecimal(abs, `1e${FEE_UNIT_DECIMALS}`), 0, 'down'));
  const beyond = subtractDecimal(abs, formatScaled(units, FEE_UNIT_DECIMALS));
  const base = units / BigInt(n);
  const leftover = units - base * BigInt(n);
  const negative = isNegativeDecimal(chargeUsd);
  const out: Array<{ day: IsoDay; usd: string }> = [];
  for (let k = 0; k < n; k++) {
    let part = formatScaled(base + (BigInt(k) < leftover ? 1n : 0n), FEE_UNIT_DECIMALS);
    if (k === n - 1) part = addDecimal(part, beyond);
    out.push({ day: addDays(first, k), usd: isZeroDecimal(part) ? '0' : negative ? multiplyDecimal(part, -1) : part });
  }
  return out;
}
