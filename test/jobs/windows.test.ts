import { describe, expect, it } from 'vitest';
import { completeDays } from '../../src/ledger/queries.js';
import { chunkDays, consecutiveRuns, orderForThroughput, planWindows } from '../../src/jobs/windows.js';
import { STREAMS } from '../../src/streams/index.js';
import type { WindowRecord } from '../../src/warehouse/warehouse.js';
import { daysBetween, type DayRange, type IsoDay } from '../../src/util/dates.js';

const ok = (stream: string, from: IsoDay, to: IsoDay, complete = true): WindowRecord => ({
  runId: 'r1', stream, windowStart: from, windowEnd: to, status: 'ok', complete, rows: 1, requests: 1, retries: 0,
  rateLimited: 0, centsTotal: null, error: null, startedAt: '2025-01-01T00:00:00.000Z', finishedAt: null,
});

describe('windows', () => {
  it('chunks a range into windows of the stream size, last one short', () => {
    expect(chunkDays({ from: '2025-01-01', to: '2025-03-05' }, 31)).toEqual([
      { from: '2025-01-01', to: '2025-01-31' },
      { from: '2025-02-01', to: '2025-03-03' },
      { from: '2025-03-04', to: '2025-03-05' },
    ]);
  });

  it('groups days into consecutive runs', () => {
    expect(consecutiveRuns(['2025-01-01', '2025-01-02', '2025-01-05', '2025-02-28', '2025-03-01'])).toEqual([
      { from: '2025-01-01', to: '2025-01-02' },
      { from: '2025-01-05', to: '2025-01-05' },
      { from: '2025-02-28', to: '2025-03-01' },
    ]);
  });

  it('a year of cost is 12 windows and resumes after the complete ones', () => {
    const opts = { usageBucket: '1d' as const };
    const range: DayRange = { from: '2025-01-01', to: '2025-12-31' };
    const fresh = planWindows({ streams: [STREAMS.cost], range, ledger: [], options: opts, refresh: false, today: '2026-01-10' });
    expect(fresh.tasks).toHaveLength(12);
    const ledger = [ok('cost', '2025-01-01', '2025-01-31'), ok('cost', '2025-02-01', '2025-03-03'), ok('cost', '2025-03-04', '2025-04-03', false)];
    const resumed = planWindows({ streams: [STREAMS.cost], range, ledger, options: opts, refresh: false, today: '2026-01-10' });
    expect(resumed.skippedDays).toBe(31 + 31);
    expect(resumed.tasks[0]!.window.from).toBe('2025-03-04');
    const refreshed = planWindows({ streams: [STREAMS.cost], range, ledger, options: opts, refresh: true, today: '2026-01-10' });
    expect(refreshed.tasks).toHaveLength(12);
  });

  it.each<[string, DayRange, number, number[]]>([
    // [case, range, workers, window lengths in days]
    ['a month with 4 workers: 4 windows side by side', { from: '2026-03-01', to: '2026-03-31' }, 4, [8, 8, 8, 7]],
    ['a month with 1 worker: one window', { from: '2026-03-01', to: '2026-03-31' }, 1, [31]],
    ['two months with 4 workers: 15-day windows', { from: '2026-03-01', to: '2026-04-29' }, 4, [15, 15, 15, 15]],
    ['a daily run: never below a week', { from: '2026-03-01', to: '2026-03-04' }, 4, [4]],
    ['half a year: already a window per worker', { from: '2026-01-01', to: '2026-06-30' }, 4, [31, 31, 31, 31, 31, 26]],
  ])('analytics windows: %s', (_case, range, workers, lengths) => {
    const { tasks } = planWindows({ streams: [STREAMS.analytics_cost], range, ledger: [], options: { usageBucket: '1d' }, refresh: false, today: '2026-07-01', workers });
    expect(tasks.map((t) => daysBetween(t.window.from, t.window.to) + 1)).toEqual(lengths);
    expect(tasks[0]!.window.from).toBe(range.from);
    expect(tasks.at(-1)!.window.to).toBe(range.to);
  });

  it('streams without minWindowDays keep their window however many workers', () => {
    const { tasks } = planWindows({ streams: [STREAMS.cost], range: { from: '2026-03-01', to: '2026-03-31' }, ledger: [], options: { usageBucket: '1d' }, refresh: false, today: '2026-07-01', workers: 4 });
    expect(tasks).toHaveLength(1);
  });

  it('only ok and complete windows count as done', () => {
    const ledger = [ok('cost', '2025-01-01', '2025-01-02'), { ...ok('cost', '2025-01-03', '2025-01-03'), status: 'failed' as const }, ok('usage', '2025-01-05', '2025-01-05'), ok('cost', '2025-01-06', '2025-01-06', false)];
    expect([...completeDays(ledger, 'cost')].sort()).toEqual(['2025-01-01', '2025-01-02']);
  });

  it('hourly usage and claude_code use 7-day windows; org a single snapshot', () => {
    const range: DayRange = { from: '2025-01-01', to: '2025-01-14' };
    expect(planWindows({ streams: [STREAMS.usage], range, ledger: [], options: { usageBucket: '1h' }, refresh: false, today: '2025-02-01' }).tasks).toHaveLength(2);
    expect(planWindows({ streams: [STREAMS.claude_code], range, ledger: [], options: { usageBucket: '1d' }, refresh: false, today: '2025-02-01' }).tasks).toHaveLength(2);
    const org = planWindows({ streams: [STREAMS.org], range, ledger: [], options: { usageBucket: '1d' }, refresh: false, today: '2025-02-01' }).tasks;
    expect(org).toEqual([{ stream: STREAMS.org, window: { from: '2025-02-01', to: '2025-02-01' } }]);
  });

  it('starts the slow Claude Code stream first and spreads the cheap windows between its days', () => {
    const range: DayRange = { from: '2025-01-01', to: '2025-03-31' };
    const { tasks } = planWindows({ streams: [STREAMS.cost, STREAMS.claude_code], range, ledger: [], options: { usageBucket: '1d' }, refresh: false, today: '2025-04-02' });
    const ordered = orderForThroughput(tasks);
    expect(ordered[0]!.stream.name).toBe('claude_code');
    const costPositions = ordered.map((t, i) => (t.stream.name === 'cost' ? i : -1)).filter((i) => i >= 0);
    expect(costPositions).toHaveLength(3);
    expect(costPositions[0]).toBeLessThan(ordered.length / 2);
    expect(ordered).toHaveLength(13 + 3);
  });
});
