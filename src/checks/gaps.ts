/** Gaps: every day in range must be covered by an ok ledger window for every day-based stream. */
import { DAY_STREAMS, servedFrom } from '../ledger/day-streams.js';
import { okDays } from '../ledger/queries.js';
import { streamStatus } from '../ledger/status.js';
import { eachDay } from '../util/dates.js';
import { listDays, plural, type Check } from './check.js';

export { DAY_STREAMS };

export const gapsCheck: Check = {
  id: 'gaps',
  title: 'Every day fetched, every stream',
  async run(ctx) {
    const span = eachDay(ctx.range.from, ctx.range.to);
    const missing = DAY_STREAMS.map((stream) => {
      const ok = okDays(ctx.ledger, stream);
      // Days before a source's floor are not served (the Analytics API's 2026-01-01 / 365 days), and a
      // stream whose endpoint is closed to this organization has nothing to miss: status says so instead.
      const floor = servedFrom(stream, ctx.today) ?? '';
      if (streamStatus(ctx.ledger, stream).unavailable) return { stream, days: [] };
      return { stream, days: span.filter((d) => d >= floor && !ok.has(d)) };
    }).filter((m) => m.days.length > 0);
    if (missing.length === 0) {
      return {
        id: this.id,
        status: 'PASS',
        figure: `0 days missing`,
        detail: `All ${plural(span.length, 'day')} ${ctx.range.from}..${ctx.range.to} have a successful window for ${DAY_STREAMS.join(', ')}.`,
      };
    }
    const days = [...new Set(missing.flatMap((m) => m.days))].sort();
    return {
      id: this.id,
      status: 'FAIL',
      figure: `${plural(days.length, 'day')} missing`,
      detail: `No successful window holds: ${missing.map((m) => `${m.stream} ${listDays(m.days)}`).join('; ')}.`,
      action: `claude-ingest backfill --from ${days[0]} --to ${days[days.length - 1]}${missing.length < DAY_STREAMS.length ? ` --streams ${missing.map((m) => m.stream).join(',')}` : ''}`,
      days,
    };
  },
};
