/**
 * The readers' list of day streams and their floors (src/ledger/day-streams.ts) against the streams
 * themselves: a new day stream, a stream that stops writing days, or a moved floor fails here.
 */
import { describe, expect, it } from 'vitest';
import { DAY_STREAMS, servedFrom } from '../../src/ledger/day-streams.js';
import { STREAMS } from '../../src/streams/index.js';
import { STREAM_NAMES } from '../../src/streams/stream.js';
import type { IsoDay } from '../../src/util/dates.js';

describe('ledger/day-streams', () => {
  it('names exactly the default streams that replace days, in their order', () => {
    expect([...DAY_STREAMS]).toEqual(STREAM_NAMES.filter((s) => STREAMS[s].writeMode === 'replace-days'));
  });

  it("gives each stream's servedFrom floor, and none for streams without one", () => {
    const todays: IsoDay[] = ['2025-06-01', '2026-01-01', '2026-03-15', '2026-12-31', '2027-02-10'];
    for (const name of STREAM_NAMES) {
      for (const today of todays) expect(servedFrom(name, today), `${name} ${today}`).toBe(STREAMS[name].servedFrom?.(today) ?? null);
    }
    expect(servedFrom('analytics_cost', '2027-02-10')).toBe('2026-02-11');
    expect(servedFrom('analytics_usage', '2026-03-15')).toBe('2026-01-01');
  });
});
