/** Daily spend series for the forecast backtest: synthetic shapes of real spend, and the emulator's year. */
import { addDays, eachDay, type IsoDay } from '../../src/util/dates.js';
import { isWeekend } from '../../src/util/dates.js';

/** A small deterministic PRNG (mulberry32), so every run sees the same series. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SERIES_FIRST: IsoDay = '2025-01-01';
export const SERIES_DAYS = 365;

export interface Shape {
  name: string;
  /** Multiplier of the base on day index t (0-based) before noise. */
  factor(t: number, next: () => number): number;
}

/** A steady base ($1,000 a weekday, $350 a weekend day) with ±12 % noise, shaped by `shape`. */
export function synthetic(shape: Shape, seed: number): Map<IsoDay, string> {
  const next = rng(seed);
  const out = new Map<IsoDay, string>();
  eachDay(SERIES_FIRST, addDays(SERIES_FIRST, SERIES_DAYS - 1)).forEach((d, t) => {
    const base = isWeekend(d) ? 350 : 1000;
    const noise = 1 + (next() - 0.5) * 0.24;
    out.set(d, (base * noise * shape.factor(t, next)).toFixed(2));
  });
  return out;
}

export const SHAPES: Shape[] = [
  { name: 'steady with weekly seasonality', factor: () => 1 },
  { name: 'growth (3x over the year)', factor: (t) => 3 ** (t / 365) },
  { name: 'step change (+80 % on day 180)', factor: (t) => (t >= 180 ? 1.8 : 1) },
  { name: 'spikes (2 % of days at 5x)', factor: (_t, next) => (next() < 0.02 ? 5 : 1) },
  { name: 'all of them', factor: (t, next) => 3 ** (t / 365) * (t >= 180 ? 1.8 : 1) * (next() < 0.02 ? 5 : 1) },
];
