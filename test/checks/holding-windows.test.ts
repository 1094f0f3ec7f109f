/**
 * holdingWindows (the rounded-values and unknown-measures checks) lays each stream's windows over the
 * range's days: it must give what the plain rule gives — per day and stream, the newest ok window
 * covering the day, the first in the ledger of equally recent ones — over generated ledgers with
 * overlaps, ties, failed and org windows, and windows reaching outside the range.
 */
import { describe, expect, it } from 'vitest';
import { holdingWindows } from '../../src/checks/api-drift.js';
import { addDays, asIsoDay, eachDay, type IsoDay } from '../../src/util/dates.js';
import type { WindowRecord } from '../../src/warehouse/warehouse.js';

function plainRule(ledger: readonly WindowRecord[], range: { from: IsoDay; to: IsoDay }): Map<IsoDay, WindowRecord[]> {
  const out = new Map<IsoDay, WindowRecord[]>();
  const ok = ledger.filter((w) => w.status === 'ok' && w.stream !== 'org');
  const streams = [...new Set(ok.map((w) => w.stream))];
  for (const day of eachDay(range.from, range.to)) {
    const held: WindowRecord[] = [];
    for (const stream of streams) {
      let best: WindowRecord | undefined;
      for (const w of ok) {
        if (w.stream !== stream || w.windowStart > day || w.windowEnd < day) continue;
        if (!best || (w.finishedAt ?? w.startedAt) > (best.finishedAt ?? best.startedAt)) best = w;
      }
      if (best) held.push(best);
    }
    out.set(day, held);
  }
  return out;
}

describe('holdingWindows', () => {
  it('equals the plain rule on generated ledgers', () => {
    let seed = 11;
    const next = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % k);
    const streams = ['cost', 'usage', 'claude_code', 'org', 'analytics_cost'];
    const statuses: WindowRecord['status'][] = ['ok', 'ok', 'ok', 'failed', 'running', 'unavailable'];
    const base = asIsoDay('2026-01-01');
    let compared = 0;
    for (let round = 0; round < 20; round++) {
      const ledger: WindowRecord[] = [];
      for (let k = 0; k < 150; k++) {
        const start = addDays(base, next(120) - 10);
        // Few distinct instants, so equally recent windows of a stream happen often.
        const at = `2026-06-${String(1 + next(5)).padStart(2, '0')}T00:00:00.000Z`;
        ledger.push({
          runId: `r${k}`,
          stream: streams[next(streams.length)]!,
          windowStart: start,
          windowEnd: addDays(start, next(20)),
          status: statuses[next(statuses.length)]!,
          complete: true,
          rows: k,
          requests: 1,
          retries: 0,
          rateLimited: 0,
          centsTotal: null,
          error: null,
          startedAt: at,
          finishedAt: next(3) === 0 ? null : at,
        });
      }
      const range = { from: addDays(base, next(30)), to: addDays(base, 60 + next(40)) };
      const got = holdingWindows(ledger, range);
      const want = plainRule(ledger, range);
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [day, held] of want) {
        // The same window objects (identity: equal fields are not enough when two windows tie).
        expect(got.get(day)!.map((w) => w.runId)).toEqual(held.map((w) => w.runId));
        compared += held.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('holds nothing on days no ok window covers, and keeps each day of the range', () => {
    const w = (stream: string, from: string, to: string, at: string): WindowRecord => ({ runId: `${stream}${from}${at}`, stream, windowStart: asIsoDay(from), windowEnd: asIsoDay(to), status: 'ok', complete: true, rows: 0, requests: 0, retries: 0, rateLimited: 0, centsTotal: null, error: null, startedAt: at, finishedAt: at });
    const old = w('cost', '2026-03-01', '2026-03-10', '2026-03-11T00:00:00Z');
    const newer = w('cost', '2026-03-05', '2026-03-06', '2026-03-12T00:00:00Z');
    const got = holdingWindows([newer, old], { from: asIsoDay('2026-03-04'), to: asIsoDay('2026-03-12') });
    expect([...got.keys()]).toEqual(eachDay(asIsoDay('2026-03-04'), asIsoDay('2026-03-12')));
    expect(got.get(asIsoDay('2026-03-04'))).toEqual([old]);
    expect(got.get(asIsoDay('2026-03-05'))).toEqual([newer]);
    expect(got.get(asIsoDay('2026-03-07'))).toEqual([old]);
    expect(got.get(asIsoDay('2026-03-11'))).toEqual([]);
  });
});
