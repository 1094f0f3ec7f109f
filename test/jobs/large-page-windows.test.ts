/**
 * Windows of streams whose pages are megabytes parsed whole (the Analytics API) are kept to
 * MAX_LARGE_PAGE_WINDOWS open at once, whatever the concurrency, while windows of other streams keep
 * the workers busy (jobs/execute-windows.ts; the peak RSS it bounds is in docs/performance.md, Round 14).
 * The streams here read nothing: they count how many of their windows are open at once.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeWindows, LARGE_PAGE_WINDOW_DAYS, MAX_LARGE_PAGE_WINDOWS, type ExecutionContext } from '../../src/jobs/execute-windows.js';
import type { WindowTask } from '../../src/jobs/windows.js';
import { AdminApiClient } from '../../src/source/http-client.js';
import { analyticsCostStream } from '../../src/streams/analytics-cost.js';
import { analyticsCostHourlyStream } from '../../src/streams/analytics-cost-hourly.js';
import { analyticsUsageStream } from '../../src/streams/analytics-usage.js';
import type { StreamDef, StreamName } from '../../src/streams/stream.js';
import { addDays, type IsoDay } from '../../src/util/dates.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { TEST_KEY } from '../source/helpers.js';
import { tempDir } from '../warehouse/helpers.js';

const tmp = tempDir('ci-large-pages-');
afterAll(() => tmp.cleanup());

interface Counter {
  open: number;
  most: number;
  windows: number;
}

const counter = (): Counter => ({ open: 0, most: 0, windows: 0 });

/**
 * A stream that reads nothing: each window, counted in `count` and in `all`, stays open until four
 * windows are open at once or 2 s have passed, so windows that may run side by side do (2 s, not
 * less: on a loaded CI machine the fourth window can take hundreds of ms to open).
 */
function counting(name: StreamName, largePages: boolean, count: Counter, all: Counter): StreamDef {
  return {
    name,
    summary: 'counts its open windows',
    writeMode: 'replace-days',
    windowDays: () => 1,
    largePages,
    tables: ['claude_usage_keys'],
    // eslint-disable-next-line require-yield -- the window has no rows: only its time open matters
    async *fetchWindow() {
      for (const c of [count, all]) {
        c.open++;
        c.windows++;
        c.most = Math.max(c.most, c.open);
      }
      for (const end = Date.now() + 2000; all.open < 4 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 5));
      for (const c of [count, all]) c.open--;
    },
  };
}

describe('windows of large-page streams open at once', () => {
  let wh: DuckDbWarehouse;
  let n = 0;
  beforeEach(async () => {
    wh = await openDuckDbWarehouse(tmp.file(`w-${++n}.duckdb`));
    await wh.init();
  });
  afterEach(async () => {
    await wh.close();
  });

  function execute(tasks: WindowTask[], concurrency: number) {
    const ctx: ExecutionContext = {
      warehouse: wh,
      // Never called: the streams read nothing.
      client: new AdminApiClient({ baseUrl: 'http://127.0.0.1:9', apiKey: TEST_KEY }),
      runId: 'run-large-pages',
      options: { usageBucket: '1d' },
      concurrency,
      today: '2025-03-01',
      emit: () => undefined,
      apiKey: TEST_KEY,
      organization: { id: 'org_large_pages', name: 'Large pages', type: 'organization' },
    };
    return executeWindows(ctx, tasks);
  }

  const days = (count: number, from: IsoDay) => Array.from({ length: count }, (_, i) => addDays(from, i));
  /** A backfill's window of a large-page stream: longer than LARGE_PAGE_WINDOW_DAYS, so it counts. */
  const long = (d: IsoDay) => ({ from: d, to: addDays(d, LARGE_PAGE_WINDOW_DAYS) });

  it(`keeps at most ${MAX_LARGE_PAGE_WINDOWS} large-page windows open, while other windows use the other workers`, async () => {
    const all = counter();
    const large = counter();
    const other = counter();
    const analytics = counting('analytics_cost', true, large, all);
    const hourly = counting('analytics_cost_hourly', true, large, all);
    const code = counting('claude_code', false, other, all);
    // The large-page windows come first in the plan, as a backfill's analytics windows can.
    const tasks: WindowTask[] = [
      ...days(6, '2025-01-01').map((d) => ({ stream: analytics, window: long(d) })),
      ...days(4, '2025-01-01').map((d) => ({ stream: hourly, window: long(d) })),
      ...days(8, '2025-02-01').map((d) => ({ stream: code, window: { from: d, to: d } })),
    ];
    const result = await execute(tasks, 4);
    expect(result).toMatchObject({ ok: 18, failed: 0, fatal: null });
    expect(large.windows).toBe(10);
    expect(other.windows).toBe(8);
    expect(large.most).toBe(MAX_LARGE_PAGE_WINDOWS);
    // The other workers were not held back: all four ran at once.
    expect(all.most).toBe(4);
    const ledger = await wh.listWindows();
    expect(ledger.filter((w) => w.status === 'ok')).toHaveLength(18);
  });

  it('runs every window when only large-page windows are planned', async () => {
    const all = counter();
    const large = counter();
    const analytics = counting('analytics_usage', true, large, all);
    const result = await execute(days(7, '2025-01-01').map((d) => ({ stream: analytics, window: long(d) })), 4);
    expect(result).toMatchObject({ ok: 7, failed: 0 });
    expect(large.most).toBe(MAX_LARGE_PAGE_WINDOWS);
  });

  it(`windows of at most ${LARGE_PAGE_WINDOW_DAYS} days (a daily run's) are not held back: their pages are small`, async () => {
    const all = counter();
    const large = counter();
    const analytics = counting('analytics_cost', true, large, all);
    const week = (d: IsoDay) => ({ from: d, to: addDays(d, LARGE_PAGE_WINDOW_DAYS - 1) });
    const result = await execute(days(8, '2025-01-01').map((d) => ({ stream: analytics, window: week(d) })), 4);
    expect(result).toMatchObject({ ok: 8, failed: 0 });
    expect(large.most).toBe(4);
  });

  it('the Analytics API streams are the large-page ones', () => {
    expect(MAX_LARGE_PAGE_WINDOWS).toBe(2);
    for (const s of [analyticsCostStream, analyticsUsageStream, analyticsCostHourlyStream]) expect(s.largePages, s.name).toBe(true);
  });
});
