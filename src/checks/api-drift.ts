/**
 * What the API sent that this version could not take as it came, read from the ledger (each window
 * records it as it shapes rows, see transform/tally.ts): billed cents rounded to fit the warehouse's
 * 12 decimal places, and numbers in fields no column maps (unknown measures), which the completeness
 * check cannot account for.
 */
import { eachDay, type IsoDay } from '../util/dates.js';
import { DecimalSum } from '../util/money.js';
import type { WindowRecord } from '../warehouse/warehouse.js';
import { listDays, plural, type Check } from './check.js';

/**
 * Per day of the range, the latest ok window of each stream that covered it (the first in the ledger
 * of equally recent ones): what the warehouse holds for that day. Each stream's windows are laid over
 * the range's days from the oldest to the newest, so the newest one covering a day is left on it:
 * linear in the days covered, where asking every window for every day and stream cost ~0.1 s a
 * check over a year's ledger, on the dashboard's health banner too (docs/performance.md, Round 14).
 */
export function holdingWindows(ledger: readonly WindowRecord[], range: { from: IsoDay; to: IsoDay }): Map<IsoDay, WindowRecord[]> {
  const days = eachDay(range.from, range.to);
  const index = new Map(days.map((d, i) => [d, i]));
  const ok = ledger.filter((w) => w.status === 'ok' && w.stream !== 'org');
  const streams = [...new Set(ok.map((w) => w.stream))];
  const recency = (w: WindowRecord) => w.finishedAt ?? w.startedAt;
  const laid = streams.map((stream) => {
    const byDay: Array<WindowRecord | undefined> = new Array<WindowRecord | undefined>(days.length);
    const mine = ok.flatMap((w, at) => (w.stream === stream ? [{ w, at }] : []));
    // Oldest first; of equally recent ones the first in the ledger last, so it is the one left.
    mine.sort((x, y) => (recency(x.w) < recency(y.w) ? -1 : recency(x.w) > recency(y.w) ? 1 : y.at - x.at));
    for (const { w } of mine) {
      const lo = index.get(w.windowStart > range.from ? w.windowStart : range.from);
      const hi = index.get(w.windowEnd < range.to ? w.windowEnd : range.to);
      if (lo === undefined || hi === undefined) continue;
      for (let k = lo; k <= hi; k++) byDay[k] = w;
    }
    return byDay;
  });
  return new Map(days.map((day, k) => [day, laid.flatMap((byDay) => (byDay[k] ? [byDay[k]] : []))]));
}

export const roundedValuesCheck: Check = {
  id: 'rounded-values',
  title: 'Billed cents stored without rounding',
  async run(ctx) {
    const windows = new Set<WindowRecord>();
    for (const held of holdingWindows(ctx.ledger, ctx.range).values()) for (const w of held) if ((w.roundedValues ?? 0) > 0) windows.add(w);
    const count = [...windows].reduce((s, w) => s + (w.roundedValues ?? 0), 0);
    if (count === 0) {
      return { id: this.id, status: 'PASS', figure: '0 rounded', detail: 'Every billed amount fit DECIMAL(38,12) cents exactly as the API sent it.' };
    }
    const spans = [...windows].map((w) => `${w.stream} ${w.windowStart}..${w.windowEnd}`);
    return {
      id: this.id,
      status: 'WARN',
      figure: plural(count, 'rounded value'),
      detail: `${plural(count, 'billed amount')} had more than 12 decimal places of a cent and were rounded half-even (${spans.slice(0, 4).join('; ')}${spans.length > 4 ? '; …' : ''}). Each differs from the API by less than 0.0000000000005 cents.`,
      action: 'Nothing to fix in the warehouse; tell the claude-ingest maintainers if this grows, so the scale can widen.',
      days: [...new Set([...windows].flatMap((w) => [w.windowStart, w.windowEnd]))].sort(),
    };
  },
};

export const unknownMeasuresCheck: Check = {
  id: 'unknown-measures',
  title: 'No measures this version does not know',
  async run(ctx) {
    const totals = new Map<string, DecimalSum>();
    const days = new Set<IsoDay>();
    for (const [day, held] of holdingWindows(ctx.ledger, ctx.range)) {
      for (const w of held) {
        if (!w.unknownMeasures) continue;
        let parsed: Record<string, Record<string, string>>;
        try {
          parsed = JSON.parse(w.unknownMeasures) as Record<string, Record<string, string>>;
        } catch {
          continue; // a hand-edited ledger row should not break validate
        }
        for (const [field, total] of Object.entries(parsed[day] ?? {})) {
          totals.set(field, (totals.get(field) ?? new DecimalSum()).add(total));
          days.add(day);
        }
      }
    }
    if (totals.size === 0) {
      return { id: this.id, status: 'PASS', figure: '0 unknown', detail: 'Every number the API sent has a column: the completeness proofs cover all of it.' };
    }
    const fields = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([f, t]) => `${f} = ${t.toString()}`);
    const sorted = [...days].sort();
    return {
      id: this.id,
      status: 'WARN',
      figure: plural(totals.size, 'unknown measure'),
      detail: `The API sent numbers in fields this version has no column for: ${fields.join('; ')} (on ${listDays(sorted)}). They are kept in each row's extra column, but the completeness check cannot account for them.`,
      action: 'Query them from the extra column meanwhile; upgrade claude-ingest when a version maps them.',
      days: sorted,
    };
  },
};
