/**
 * How far back the Analytics API serves (admin-api.md, "Usage and Cost Analytics API"): a fact of the
 * source, read by the streams (which days to ask for) and by the ledger's readers (which days count as
 * missing), so it lives here, below both.
 */
import { addDays, type IsoDay } from '../util/dates.js';

/** The API serves nothing before this day … */
export const ANALYTICS_FIRST_DAY = '2026-01-01';
/** … nor older than 365 days: the oldest day whose midnight is still within 365 days of any time today. */
export const ANALYTICS_MAX_AGE_DAYS = 364;

export function analyticsServedFrom(today: IsoDay): IsoDay {
  const byAge = addDays(today, -ANALYTICS_MAX_AGE_DAYS);
  return byAge > ANALYTICS_FIRST_DAY ? byAge : ANALYTICS_FIRST_DAY;
}
