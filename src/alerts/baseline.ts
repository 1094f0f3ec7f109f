/**
 * The robust baseline of a day's spend: median and MAD (median absolute deviation) of the same kind of
 * day (weekday or weekend) among the complete days of the trailing 28. Median and MAD ignore a past
 * spike or outage (up to half the points), unlike mean and standard deviation; splitting weekdays from
 * weekends keeps a quiet Sunday from lowering Monday's bar. Exact decimals throughout.
 */
import { addDays, isWeekend, type IsoDay } from '../util/dates.js';
import { absDecimal, addDecimal, canonicalDecimal, compareDecimal, divideDecimal, maxDecimal, multiplyDecimal, subtractDecimal } from '../util/money.js';

export const BASELINE_DAYS = 28;
/** 1 / Φ⁻¹(3/4): scales the MAD to a standard deviation for normally distributed data. */
export const MAD_SCALE = '1.4826';
/** Fewer same-kind complete days than this and no judgement is made (8 weekend days fit in 28). */
export const MIN_POINTS = 6;

export function median(values: readonly string[]): string {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort(compareDecimal);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? canonicalDecimal(sorted[mid]) : divideDecimal(addDecimal(sorted[mid - 1]!, sorted[mid]!), 2);
}

export interface Baseline {
  median: string;
  /** MAD × 1.4826: a robust standard deviation. */
  scaledMad: string;
  points: number;
  kind: 'weekday' | 'weekend';
}

/**
 * Baseline of `day` from `values` (complete day → amount; a complete day absent from the map spent 0).
 * Null when too few comparable complete days precede it.
 */
export function baselineFor(day: IsoDay, values: ReadonlyMap<IsoDay, string>, complete: (d: IsoDay) => boolean): Baseline | null {
  const weekend = isWeekend(day);
  const points: string[] = [];
  for (let k = 1; k <= BASELINE_DAYS; k++) {
    const d = addDays(day, -k);
    if (isWeekend(d) === weekend && complete(d)) points.push(values.get(d) ?? '0');
  }
  if (points.length < MIN_POINTS) return null;
  const m = median(points);
  const mad = median(points.map((p) => absDecimal(subtractDecimal(p, m))));
  return { median: m, scaledMad: multiplyDecimal(mad, MAD_SCALE), points: points.length, kind: weekend ? 'weekend' : 'weekday' };
}

/** The amount above which a day is anomalous: median + sensitivity × max(scaled MAD, 5 % of the median). */
export function anomalyThreshold(b: Baseline, sensitivity: number): string {
  // A floor on the spread: a very steady history (MAD near 0) would otherwise flag a 2 % rise.
  const spread = maxDecimal(b.scaledMad, multiplyDecimal(b.median, '0.05'));
  return addDecimal(b.median, multiplyDecimal(spread, sensitivity));
}
