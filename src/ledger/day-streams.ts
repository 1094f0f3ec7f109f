/**
 * Which streams write days (as opposed to a whole snapshot), and from which day their source serves
 * anything: what a reader of the ledger needs to call a day missing. The readers (checks, status,
 * dashboard, metrics) sit below the streams, so this is said here once; test/ledger/day-streams.test.ts
 * proves it agrees with every StreamDef (`writeMode`, `servedFrom`).
 */
import { analyticsServedFrom } from '../source/analytics-floor.js';
import type { IsoDay } from '../util/dates.js';

/** The day-based streams, in the order status and the checks list them. */
export const DAY_STREAMS = ['claude_code', 'cost', 'usage', 'analytics_cost', 'analytics_usage'] as const;
export type DayStream = (typeof DAY_STREAMS)[number];
/** Day-based streams read only when asked or configured (analytics_cost_hourly: a time zone other than UTC). */
export const OPTIONAL_DAY_STREAMS = ['analytics_cost_hourly'] as const;

/** The first day a stream's source serves (null: no floor); days before it are "not served", not missing. */
export function servedFrom(stream: string, today: IsoDay): IsoDay | null {
  if (stream !== 'analytics_cost' && stream !== 'analytics_usage' && stream !== 'analytics_cost_hourly') return null;
  return analyticsServedFrom(today);
}
