/**
 * outliersAmong judges each day against the trailing window of days before it: the sliding window and
 * BigInt comparisons must give what a plain reading of the rule gives (every earlier day within
 * HISTORY_DAYS filtered anew, decimal.js maxima), gaps, ties and negative lines included.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { HISTORY_DAYS, LARGE_LINE_FACTOR, MIN_HISTORY_DAYS, outliersAmong, type DayMaxLine, type LargeLine } from '../../src/checks/large-lines.js';
import { addDays, asIsoDay } from '../../src/util/dates.js';

function reference(maxima: readonly DayMaxLine[], from: string): LargeLine[] {
  const days = [...maxima].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const out: LargeLine[] = [];
  days.forEach((m, k) => {
    if (m.day < from) return;
    const since = addDays(asIsoDay(m.day), -HISTORY_DAYS);
    const history = days.slice(0, k).filter((h) => h.day >= since);
    if (history.length < MIN_HISTORY_DAYS) return;
    const max = history.reduce((x, h) => Decimal.max(x, h.usd), new Decimal(0));
    if (new Decimal(m.usd).gt(max.times(LARGE_LINE_FACTOR))) out.push({ day: m.day, usd: m.usd, historyMaxUsd: max.toFixed(), workspace: m.workspace ?? null, description: m.description ?? null });
  });
  return out.sort((a, b) => new Decimal(b.usd).comparedTo(a.usd));
}

describe('outliersAmong', () => {
  it('equals the rule read plainly, over a year with gaps, spikes, ties and negative lines', () => {
    let seed = 7;
    const next = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % k);
    const maxima: DayMaxLine[] = [];
    for (let k = 0; k < 400; k++) {
      if (next(9) === 0) continue; // a day without lines
      const base = 100 + next(20);
      const spike = next(70) === 0 ? 3 + next(4) : 1;
      const cents = next(17) === 0 ? -next(500) : base * spike * 100 + next(100);
      maxima.push({ day: addDays(asIsoDay('2025-06-01'), k), usd: (cents / 100).toFixed(next(3) === 0 ? 0 : 2), workspace: `wrk_${next(3)}`, description: null });
    }
    maxima.push({ ...maxima[200]!, day: maxima[201]!.day }); // two lines on one day: a tie in the history
    const expected = reference(maxima, '2025-08-01');
    expect(expected.length).toBeGreaterThan(1); // the data has outliers to find
    expect(outliersAmong(maxima, '2025-08-01')).toEqual(expected);
    expect(outliersAmong(maxima.slice().reverse(), '2025-06-01')).toEqual(reference(maxima, '2025-06-01'));
  });

  it('amounts too long for the BigInt keys are compared as decimals, mixed with short ones', () => {
    const maxima: DayMaxLine[] = [];
    for (let k = 0; k < 120; k++) {
      const long = k % 3 === 0;
      const whole = 100 + ((k * 37) % 50) + (k === 100 ? 900 : 0);
      maxima.push({ day: addDays(asIsoDay('2025-01-01'), k), usd: long ? `${whole}.00000000000000000${k % 10}1` : `${whole}.25`, workspace: null, description: null });
    }
    maxima.push({ day: addDays(asIsoDay('2025-01-01'), 60), usd: '459.999999999999999999', workspace: null, description: null });
    const expected = reference(maxima, '2025-02-01');
    expect(expected.length).toBeGreaterThan(0);
    expect(outliersAmong(maxima, '2025-02-01')).toEqual(expected);
  });
});
