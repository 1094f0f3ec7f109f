/** Gaps: every day in range must be covered by an ok ledger window for every day-based stream. */
import { okDays } from '../jobs/windows.js';
import { STREAMS } from '../streams/index.js';
import { STREAM_NAMES } from '../streams/stream.js';
import { eachDay } from '../util/dates.js';
import { listDays, plural, type Check } from './check.js';

export const DAY_STREAMS = STREAM_NAMES.filter((s) => STREAMS[s].writeMode === 'replace-days');

export const gapsCheck: Check = {
  id: 'gaps',
  title: 'Every day fetched, every stream',
  async run(ctx) {
    const span = eachDay(ctx.range.from, ctx.range.to);
    const missing = DAY_STREAMS.map((stream) => {
      const ok = okDays(ctx.ledger, stream);
      return { stream, days: span.filter((d) => !ok.has(d)) };
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
