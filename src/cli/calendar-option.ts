/**
 * The calendar a command works in: claude-ingest.yaml's `timezone`, `fiscal_year_start_month` and
 * `week_start`, with `--tz` (on every reading command) overriding the zone. Default UTC.
 */
import { Option } from '@commander-js/extra-typings';
import { loadConfig } from '../config/load.js';
import { isUtc, makeCalendar, type Calendar } from '../util/calendar.js';
import type { Env } from '../config/env.js';
import { okDaysOfEvery } from '../ledger/queries.js';
import type { IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export function tzOption() {
  return new Option('--tz <zone>', 'IANA time zone for days, weeks, months and fiscal years, e.g. America/Los_Angeles (default: timezone: in claude-ingest.yaml, else UTC; see docs/time-zones.md)');
}

/** The configured calendar, `tz` (from --tz) replacing its zone; a bad zone is one line and exit 2. */
export function resolveCalendar(env: Env, o: { tz?: string | undefined; config?: string | undefined }): Calendar {
  const file = loadConfig(o.config, env).config;
  return makeCalendar({ timezone: o.tz ?? file.timezone, fiscal_year_start_month: file.fiscal_year_start_month, week_start: file.week_start }, o.tz !== undefined ? '--tz' : 'timezone');
}

/** Whether local days need hourly billed cost (any zone but UTC). */
export function needsHourlyCost(cal: Calendar): boolean {
  return !isUtc(cal);
}

/**
 * The UTC days whose hourly billed cost the warehouse holds (the analytics_cost_hourly stream's ok
 * windows), for the organizations asked (all when none): with several, a day counts only when every
 * one of them holds it, so a sum never mixes one organization's local hours with another's UTC day.
 */
export async function hourlyCostDays(wh: Pick<Warehouse, 'listWindows'>, organizationIds?: string[]): Promise<Set<IsoDay>> {
  return okDaysOfEvery(await wh.listWindows(), 'analytics_cost_hourly', organizationIds);
}

