/** Every configured rule over the warehouse, as events (not yet deduplicated or sent). */
import type { AlertsConfig } from '../config/schema.js';
import { dataSpan } from '../reports/queries.js';
import { addDays, eachDay, monthStart, type IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { cacheHitRateDrops, dailySpendAnomalies, newSpenders } from './anomalies.js';
import { BASELINE_DAYS } from './baseline.js';
import { evaluateBudget } from './budgets.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import { dataHealth } from './health.js';
import { judgedDays, type JudgedDays } from '../checks/judged-days.js';
import { rateLimitHeadroom } from './rate-limit-headroom.js';
import { loadNames } from '../reports/spend-data.js';
import { evaluateSpendLimits, SPEND_LIMIT_THRESHOLDS } from './spend-limits.js';
import type { AlertEvent } from './types.js';
import { isLocal, localJudged, type AlertCalendar } from './local-calendar.js';
import { okDaysOfEvery } from '../ledger/queries.js';
import type { Calendar } from '../util/calendar.js';

/** Anomaly rules look back this many days, so a missed daily run (or a late-completing day) is caught next time. */
export const ANOMALY_LOOKBACK_DAYS = 7;

export interface Evaluation {
  events: AlertEvent[];
  judged: JudgedDays;
  /** Days the anomaly rules judged. */
  anomalyDays: IsoDay[];
}

export interface EvaluateOptions {
  anomalyDays?: IsoDay[];
  /**
   * The organization's calendar (issue 27). With a zone other than UTC, `today` is the local day,
   * `utcToday` the UTC one; budgets and the daily-spend anomaly then judge local days and months.
   */
  calendar?: Calendar;
  utcToday?: IsoDay;
  /** Allocation rules (issue 25), for budgets scoped to a dimension value such as { team: Search }. */
  allocation?: AllocationRules | null;
}

export async function evaluateAlerts(wh: Warehouse, cfg: AlertsConfig, today: IsoDay, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const span = await dataSpan(wh);
  const ledger = await wh.listWindows();
  const anomalyFrom = opts.anomalyDays?.[0] ?? addDays(today, -ANOMALY_LOOKBACK_DAYS);
  const from = [addDays(anomalyFrom, -BASELINE_DAYS), addDays(monthStart(today), -(BASELINE_DAYS + 31))].sort()[0]!;
  const ac: AlertCalendar | undefined = opts.calendar ? { calendar: opts.calendar, hourlyDays: okDaysOfEvery(ledger, 'analytics_cost_hourly') } : undefined;
  const utcToday = opts.utcToday ?? today;
  // Local days reach into the UTC days either side of them.
  const judgedUtc = await judgedDays(wh, ledger, isLocal(ac) ? { from: addDays(from, -1), to: addDays(today, 1) } : { from, to: today }, utcToday);
  const judged = isLocal(ac) ? localJudged(ac, judgedUtc, from, today) : judgedUtc;
  const anomalyDays = opts.anomalyDays ?? eachDay(anomalyFrom, addDays(today, -1));
  const names = await loadNames(wh);
  const events: AlertEvent[] = [];
  if (span) {
    for (const b of cfg.budgets) events.push(...(await evaluateBudget(wh, b, names, judged, today, { allocation: opts.allocation ?? null, calendar: ac })));
    if (cfg.spend_limits !== false) {
      const thresholds = cfg.spend_limits === true ? SPEND_LIMIT_THRESHOLDS : cfg.spend_limits.thresholds_pct;
      events.push(...(await evaluateSpendLimits(wh, names, judgedUtc, utcToday, thresholds)));
    }
    if (cfg.rate_limit_headroom !== false) {
      const pct = cfg.rate_limit_headroom === true ? 80 : cfg.rate_limit_headroom.pct;
      events.push(...(await rateLimitHeadroom(wh, { from: anomalyFrom, to: today }, pct)));
    }
    const a = cfg.anomalies;
    if (a.daily_spend !== false) {
      const o = a.daily_spend === true ? { min_usd: 50, sensitivity: 3 } : a.daily_spend;
      events.push(...(await dailySpendAnomalies(wh, anomalyDays, judged, o, names, ac)));
    }
    if (a.new_spender !== false) {
      const min = a.new_spender === true ? '0' : String(a.new_spender.min_usd);
      events.push(...(await newSpenders(wh, anomalyDays, judgedUtc, min, names, span.from)));
    }
    if (a.cache_hit_rate_drop !== false) {
      const points = a.cache_hit_rate_drop === true ? 20 : a.cache_hit_rate_drop.points;
      events.push(...(await cacheHitRateDrops(wh, anomalyDays, judgedUtc, points)));
    }
  }
  if (cfg.data_health !== false) {
    const maxAge = cfg.data_health === true ? 2 : cfg.data_health.max_age_days;
    events.push(...(await dataHealth(wh, judgedUtc, utcToday, maxAge)));
  }
  return { events, judged, anomalyDays };
}
