/**
 * The one spend forecast: month-end (and week- or day-end) spend of a period, with an interval and a
 * runway, used by the dashboard, `report`, budgets and spend limits alike. Measured, not assumed:
 * test/reports/forecast-backtest.test.ts replays a year of emulator data and synthetic series
 * (weekly seasonality, growth, a step change, spikes) and docs/limits.md reports its error.
 *
 * Method. Each remaining day is forecast as the trailing mean of its kind of day (weekday or
 * weekend, over the last 28 complete days: weekly seasonality) times the current level: halfway
 * from 1 to the median, over the last 7 complete days, of each day's ratio to its kind's mean (a
 * step change or growth moves the level within days; one spike does not, being one ratio of seven;
 * half, because all the way doubled the error on the emulator's lumpy spend). Complete days count
 * as spent; a partial day (today) counts as the larger of what it holds and its forecast.
 * The interval adds the day-to-day scatter of those ratios (independent per remaining day) to the
 * uncertainty of the level itself (shared by every remaining day), at FORECAST_INTERVAL_Z.
 */
import { addDays, eachDay, isWeekend, monthOf, weekStart, type IsoDay } from '../util/dates.js';
import { compareDecimal, DecimalSum, decimalToNumber, divideDecimal, maxDecimal, multiplyDecimal, roundDecimal, subtractDecimal, sumDecimals } from '../util/money.js';

/** Exact decimal text (util/money). */
type Dec = string;

/** Complete days: the forecast learns only from days whose spend is final. */
export interface CompleteDays {
  lastComplete: IsoDay | null;
  has(day: IsoDay): boolean;
}

export type PeriodKind = 'daily' | 'weekly' | 'monthly';

export interface Period {
  kind: PeriodKind;
  first: IsoDay;
  last: IsoDay;
  /** "2026-03", "2026-03-02" (the week's Monday) or the day itself: the alert period key. */
  label: string;
}

export interface Forecast {
  /** Point forecast of the period's total, exact decimal dollars. */
  total: string;
  /** The interval around it (cents), and the share of outcomes it covered in the backtest. */
  low: string;
  high: string;
  /** Spend so far in the period (complete days and the partial day). */
  spent: string;
  periodEnd: IsoDay;
  /** Per remaining day (after the last complete day), its forecast; for runway and charts. */
  daily: Array<{ day: IsoDay; usd: string }>;
}

export const FORECAST_BASE_DAYS = 28;
export const FORECAST_LEVEL_DAYS = 7;
/** How far the level moves toward what the last 7 days say (1 = all the way): half, as the backtest chose. */
export const FORECAST_LEVEL_WEIGHT = 0.5;
/** z of the interval (≈ 95 % if the errors were normal; they are not: spikes): the backtest measures the coverage. */
export const FORECAST_INTERVAL_Z = 2;
/** The coverage the backtest must reach (test/reports/forecast-backtest.test.ts), stated in docs/limits.md. */
export const FORECAST_STATED_COVERAGE = 0.8;

/** The calendar period (UTC) of a limit or budget containing `day`; weeks start on Monday. */
export function periodOf(kind: PeriodKind, day: IsoDay): Period {
  if (kind === 'daily') return { kind, first: day, last: day, label: day };
  if (kind === 'weekly') {
    const first = weekStart(day);
    return { kind, first, last: addDays(first, 6), label: first };
  }
  const { month, first, last } = monthOf(day);
  return { kind, first, last, label: month };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Rates {
  weekday: Dec;
  weekend: Dec;
  level: number;
  /** Relative day-to-day scatter and the uncertainty of the level. */
  scatter: number;
  levelSd: number;
}

/** The kind means and the current level from the trailing complete days; null without any. */
export function rates(daily: ReadonlyMap<IsoDay, string>, days: CompleteDays): Rates | null {
  const last = days.lastComplete;
  if (last === null) return null;
  const kinds = { weekday: [] as Dec[], weekend: [] as Dec[] };
  const seen: IsoDay[] = [];
  for (let k = 0; k < FORECAST_BASE_DAYS; k++) {
    const d = addDays(last, -k);
    if (!days.has(d)) continue;
    kinds[isWeekend(d) ? 'weekend' : 'weekday'].push(daily.get(d) ?? '0');
    seen.push(d);
  }
  if (seen.length === 0) return null;
  const mean = (xs: Dec[], other: Dec[]) => (xs.length > 0 ? divideDecimal(sumDecimals(xs), xs.length) : divideDecimal(sumDecimals(other), other.length));
  const weekday = mean(kinds.weekday, kinds.weekend);
  const weekend = mean(kinds.weekend, kinds.weekday);
  const ratios = seen.flatMap((d) => {
    const base = decimalToNumber(isWeekend(d) ? weekend : weekday);
    return base > 0 ? [Number(daily.get(d) ?? '0') / base] : [];
  });
  if (ratios.length === 0) return { weekday, weekend, level: 1, scatter: 0, levelSd: 0 };
  const recent = ratios.slice(0, FORECAST_LEVEL_DAYS);
  const raw = median(recent);
  const level = 1 + FORECAST_LEVEL_WEIGHT * (raw - 1);
  // Scatter: the median absolute deviation of the ratios, scaled to a standard deviation (spikes do not inflate it).
  const mid = median(ratios);
  const robust = 1.4826 * median(ratios.map((r) => Math.abs(r - mid)));
  // The level's own uncertainty: the scatter of a median of `recent` days, plus how far the level has moved from the base.
  const levelSd = Math.sqrt((1.2533 * robust) ** 2 / recent.length + ((raw - mid) / 2) ** 2);
  // Day-to-day scatter for the interval: the plain standard deviation, so spikes seen in the base
  // widen it (they will recur at about that rate) while leaving the level alone.
  const avg = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const scatter = Math.max(robust, Math.sqrt(ratios.reduce((a, b) => a + (b - avg) ** 2, 0) / Math.max(1, ratios.length - 1)));
  return { weekday, weekend, level, scatter, levelSd };
}

/** Expected spend of one future day at the current rates. */
export function dayRate(r: Rates, day: IsoDay): Dec {
  return multiplyDecimal(isWeekend(day) ? r.weekend : r.weekday, r.level);
}

/**
 * The period's forecast from per-day spend (`daily`: complete days and the partial day) and which
 * days are complete; null before any complete day (nothing to learn a rate from).
 */
/** A period's point forecast alone (a budget's month end): null before any complete day. */
export function forecastTotal(period: Pick<Period, 'first' | 'last'>, daily: ReadonlyMap<IsoDay, string>, days: CompleteDays): string | null {
  return forecastPeriod(period, daily, days)?.total ?? null;
}

export function forecastPeriod(period: Pick<Period, 'first' | 'last'>, daily: ReadonlyMap<IsoDay, string>, days: CompleteDays): Forecast | null {
  const r = rates(daily, days);
  if (r === null) return null;
  const spent = new DecimalSum();
  const total = new DecimalSum();
  let dayVar = 0;
  let future = 0;
  const ahead: Forecast['daily'] = [];
  for (const d of eachDay(period.first, period.last)) {
    const actual = daily.get(d) ?? '0';
    if (days.has(d) && days.lastComplete !== null && d <= days.lastComplete) {
      spent.add(actual);
      total.add(actual);
      continue;
    }
    spent.add(actual);
    const rate = dayRate(r, d);
    const f = maxDecimal(actual, rate);
    total.add(f);
    ahead.push({ day: d, usd: f });
    const fn = decimalToNumber(rate);
    dayVar += (fn * r.scatter) ** 2;
    future += fn;
  }
  const sd = Math.sqrt(dayVar + (future * r.levelSd) ** 2);
  const half = sd * FORECAST_INTERVAL_Z;
  const totalText = total.toString();
  const spentText = spent.toString();
  const low = maxDecimal(spentText, subtractDecimal(totalText, half));
  const high = new DecimalSum().add(totalText).add(half).toString();
  return { total: totalText, low: roundDecimal(low, 2, 'half-even', true), high: roundDecimal(high, 2, 'half-even', true), spent: spentText, periodEnd: period.last, daily: ahead };
}

/**
 * Runway: the day the period's spend reaches `amount` — the day it was crossed, or at the forecast
 * rate the day it will be — or null: not this period.
 */
export function runway(period: Pick<Period, 'first' | 'last'>, daily: ReadonlyMap<IsoDay, string>, fc: Forecast | null, amount: string): IsoDay | null {
  const ahead = new Map((fc?.daily ?? []).map((x) => [x.day, x.usd]));
  const acc = new DecimalSum();
  for (const d of eachDay(period.first, period.last)) {
    acc.add(ahead.get(d) ?? daily.get(d) ?? '0');
    if (compareDecimal(acc.toString(), amount) >= 0) return d;
  }
  return null;
}
