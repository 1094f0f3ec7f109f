/**
 * Freshness: the last complete day should be yesterday (or today). A day is complete for a stream
 * when an ok window holding it was marked complete, or started after that day had ended (UTC).
 * The Analytics API also says how far its own data reached (`data_refreshed_at`, kept per window):
 * a day it had not refreshed to its end when read is not complete, however late we read it.
 * The stalest day-based stream decides.
 */
import { lastCompleteDay } from '../ledger/queries.js';
import { streamStatus } from '../ledger/status.js';
import { addDays, asIsoDay, daysBetween, type IsoDay } from '../util/dates.js';
import { plural, type Check } from './check.js';
import { DAY_STREAMS } from './gaps.js';

export const freshnessCheck: Check = {
  id: 'freshness',
  title: 'Data is up to date',
  async run(ctx) {
    // A stream whose endpoint is closed to this organization (Analytics API 403/404) has nothing to be fresh about.
    const per = DAY_STREAMS.map((s) => ({ stream: s, status: streamStatus(ctx.ledger, s) }))
      .filter((p) => !p.status.unavailable)
      .map((p) => ({ stream: p.stream, day: refreshedBound(lastCompleteDay(ctx.ledger, p.stream), p.status.dataRefreshedAt), refreshedAt: p.status.dataRefreshedAt }));
    const none = per.filter((p) => p.day === null).map((p) => p.stream);
    if (none.length > 0) {
      return {
        id: this.id,
        status: 'WARN',
        figure: 'no complete day',
        detail: `No complete day yet for ${none.join(', ')}.`,
        action: 'claude-ingest run (and schedule it daily)',
      };
    }
    const stalest = per.reduce((a, b) => (b.day! < a.day! ? b : a));
    const age = daysBetween(stalest.day!, ctx.today);
    const figure = `last ${stalest.day} (${age <= 0 ? 'today' : `${plural(age, 'day')} ago`})`;
    const refreshed = per.filter((p) => p.refreshedAt).map((p) => `${p.stream} ${p.refreshedAt}`);
    const refreshNote = refreshed.length > 0 ? ` The Analytics API's data was refreshed up to: ${refreshed.join(', ')} (data_refreshed_at).` : '';
    if (age <= 1) {
      return { id: this.id, status: 'PASS', figure, detail: `Every stream holds complete data through ${stalest.day} (today is ${ctx.today} UTC).${refreshNote}` };
    }
    return {
      id: this.id,
      status: 'WARN',
      figure,
      detail: `The ${stalest.stream} stream's last complete day is ${stalest.day}, ${plural(age, 'day')} before today (${ctx.today} UTC): ${stalest.refreshedAt && stalest.day === lastFullDay(stalest.refreshedAt) ? `the Analytics API had refreshed its data only up to ${stalest.refreshedAt}` : 'the daily run may have stopped'}.${refreshNote}`,
      action: 'claude-ingest run (and check its schedule)',
    };
  },
};

/** The last day whose end the API's data had reached at `refreshedAt` (the day before its date). */
function lastFullDay(refreshedAt: string): IsoDay {
  return addDays(asIsoDay(refreshedAt.slice(0, 10)), -1);
}

/** A stream's last complete day, no later than the last day the API had refreshed to its end. */
function refreshedBound(day: IsoDay | null, refreshedAt: string | null): IsoDay | null {
  if (day === null || refreshedAt === null) return day;
  const full = lastFullDay(refreshedAt);
  return full < day ? full : day;
}
