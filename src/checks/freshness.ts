/**
 * Freshness: the last complete day should be yesterday (or today). A day is complete for a stream
 * when an ok window holding it was marked complete, or started after that day had ended (UTC).
 * The stalest day-based stream decides.
 */
import { lastCompleteDay } from '../jobs/ledger-queries.js';
import { streamStatus } from '../jobs/status.js';
import { daysBetween } from '../util/dates.js';
import { plural, type Check } from './check.js';
import { DAY_STREAMS } from './gaps.js';

export const freshnessCheck: Check = {
  id: 'freshness',
  title: 'Data is up to date',
  async run(ctx) {
    // A stream whose endpoint is closed to this organization (Analytics API 403/404) has nothing to be fresh about.
    const per = DAY_STREAMS.filter((s) => !streamStatus(ctx.ledger, s).unavailable).map((s) => ({ stream: s, day: lastCompleteDay(ctx.ledger, s) }));
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
    if (age <= 1) {
      return { id: this.id, status: 'PASS', figure, detail: `Every stream holds complete data through ${stalest.day} (today is ${ctx.today} UTC).` };
    }
    return {
      id: this.id,
      status: 'WARN',
      figure,
      detail: `The ${stalest.stream} stream's last complete day is ${stalest.day}, ${plural(age, 'day')} before today (${ctx.today} UTC): the daily run may have stopped.`,
      action: 'claude-ingest run (and check its schedule)',
    };
  },
};
