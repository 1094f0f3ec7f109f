/**
 * The governor under the situations a year-long backfill meets: 429 storms from many workers at
 * once, retry-after seen by one worker and obeyed by all, and concurrency climbing back once the
 * storm is over. A fake clock makes every wait exact; nothing here depends on real timing.
 */
import { describe, expect, it } from 'vitest';
import { RateGovernor } from '../../src/source/index.js';

/** A clock that moves only when a sleeper's time comes, so concurrent waits resolve in order. */
function virtualTime(start = 1_000_000) {
  let t = start;
  const sleepers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleep: (ms: number) => new Promise<void>((resolve) => sleepers.push({ at: t + ms, resolve })),
    /** Runs sleepers in wake-up order until none is left, letting woken code run in between. */
    async drain(): Promise<void> {
      for (;;) {
        await flush();
        if (sleepers.length === 0) return;
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers.shift()!;
        t = Math.max(t, next.at);
        next.resolve();
      }
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('RateGovernor: 429 storms', () => {
  it('counts a storm of parallel 429s as one event: one halving, one backoff step', () => {
    const clock = virtualTime();
    const g = new RateGovernor({ maxConcurrency: 16, now: clock.now, sleep: clock.sleep, random: () => 0 });
    const sentAt = clock.now();
    clock.advance(150); // one round trip later the answers arrive
    // Sixteen workers had requests in flight; all come back 429 after the first one is reported.
    const waits = Array.from({ length: 16 }, () => g.onRateLimited({ sentAt }));
    expect(g.stats.rateLimited).toBe(16);
    expect(g.stats.rateLimitEvents).toBe(1);
    expect(g.concurrency).toBe(8);
    expect(g.stats.backoffLevel).toBe(1);
    // Every worker is told to wait for the same shared pause, not a pause of its own.
    expect(new Set(waits).size).toBe(1);
  });

  it('escalates and halves again for a 429 on a request sent after the pause began', () => {
    const clock = virtualTime();
    const g = new RateGovernor({ maxConcurrency: 16, now: clock.now, sleep: clock.sleep, random: () => 0 });
    const sentAt = clock.now();
    clock.advance(150);
    g.onRateLimited({ sentAt });
    const first = g.pauseRemainingMs();
    // A request sent after the pause, and still rejected: the limit is lower than thought.
    clock.advance(first);
    const resent = clock.now();
    clock.advance(150);
    const wait = g.onRateLimited({ sentAt: resent });
    expect(g.stats.rateLimitEvents).toBe(2);
    expect(g.concurrency).toBe(4);
    expect(wait).toBeGreaterThanOrEqual(first);
  });

  it('keeps the concurrency floor through a long storm and never exceeds the cap on waits', () => {
    const clock = virtualTime();
    const g = new RateGovernor({ maxConcurrency: 8, now: clock.now, sleep: clock.sleep, random: () => 0.999, maxBackoffMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      expect(g.onRateLimited({})).toBeLessThanOrEqual(60_000);
    }
    expect(g.concurrency).toBe(1);
    expect(g.stats.concurrencyDecreases).toBe(3);
  });
});

describe('RateGovernor: retry-after across workers', () => {
  it("one worker's retry-after holds back every worker's next request until it has passed", async () => {
    const clock = virtualTime();
    const g = new RateGovernor({ maxConcurrency: 4, now: clock.now, sleep: clock.sleep, baseBackoffMs: 100 });
    const t0 = clock.now();
    // Worker A gets the 429 with retry-after: 7 s.
    g.onRateLimited({ retryAfterMs: 7000, sentAt: t0 });
    const startedAt: number[] = [];
    const workers = ['B', 'C', 'D'].map(async () => {
      const release = await g.acquire();
      startedAt.push(clock.now() - t0);
      release();
    });
    await clock.drain();
    await Promise.all(workers);
    expect(startedAt).toEqual([7000, 7000, 7000]);
  });

  it('a longer retry-after reported while others sleep extends everyone’s pause; a shorter one never shortens it', async () => {
    const clock = virtualTime();
    const g = new RateGovernor({ maxConcurrency: 4, now: clock.now, sleep: clock.sleep, baseBackoffMs: 100 });
    const t0 = clock.now();
    g.onRateLimited({ retryAfterMs: 2000, sentAt: t0 });
    const starts: number[] = [];
    const waiting = [0, 1].map(async () => {
      const release = await g.acquire();
      starts.push(clock.now() - t0);
      release();
    });
    await flush();
    // While they sleep, another worker (request sent earlier, same burst) reports retry-after 5 s…
    g.onRateLimited({ retryAfterMs: 5000, sentAt: t0 - 1 });
    // …and a third one a shorter 1 s, which must not cut the pause short.
    g.onRateLimited({ retryAfterMs: 1000, sentAt: t0 - 1 });
    expect(g.pauseRemainingMs()).toBe(5000);
    await clock.drain();
    await Promise.all(waiting);
    expect(starts).toEqual([5000, 5000]);
    expect(g.stats.rateLimitEvents).toBe(1);
  });
});

describe('RateGovernor: concurrency adapts back up', () => {
  it('climbs back to the maximum one slot per streak of successes after a storm (additive increase)', () => {
    const g = new RateGovernor({ maxConcurrency: 8, successesPerIncrease: 4, baseBackoffMs: 1 });
    g.onRateLimited({});
    g.onRateLimited({});
    g.onRateLimited({});
    expect(g.concurrency).toBe(1);
    const trace: number[] = [];
    for (let i = 0; i < 40; i++) {
      g.onSuccess();
      trace.push(g.concurrency);
    }
    // One more slot every 4 successes, never more than one at a time, capped at the maximum.
    expect(trace.slice(0, 8)).toEqual([1, 1, 1, 2, 2, 2, 2, 3]);
    expect(trace.at(-1)).toBe(8);
    for (let i = 1; i < trace.length; i++) expect(trace[i]! - trace[i - 1]!).toBeLessThanOrEqual(1);
    expect(g.stats.concurrencyIncreases).toBe(7);
  });

  it('a 429 in the middle of the climb resets the streak and halves again', () => {
    const g = new RateGovernor({ maxConcurrency: 8, successesPerIncrease: 2, baseBackoffMs: 1 });
    g.onRateLimited({});
    g.onRateLimited({});
    expect(g.concurrency).toBe(2);
    g.onSuccess();
    g.onSuccess();
    g.onSuccess();
    g.onSuccess();
    expect(g.concurrency).toBe(4);
    g.onSuccess(); // one success into the next streak…
    g.onRateLimited({});
    expect(g.concurrency).toBe(2);
    g.onSuccess(); // …does not count after the 429
    expect(g.concurrency).toBe(2);
    g.onSuccess();
    expect(g.concurrency).toBe(3);
  });

  it('waiting workers get the slots the increase opens, without anyone releasing', async () => {
    const g = new RateGovernor({ maxConcurrency: 3, successesPerIncrease: 1, baseBackoffMs: 1 });
    g.onRateLimited({ retryAfterMs: 0 });
    g.onRateLimited({ retryAfterMs: 0 });
    expect(g.concurrency).toBe(1);
    // Let the (1 ms minimum) pause pass on the real clock; no timing is asserted.
    await new Promise((r) => setTimeout(r, 5));
    const held = await g.acquire();
    let got = 0;
    const others = [g.acquire(), g.acquire()].map((p) => p.then((release) => (got++, release)));
    await flush();
    expect(got).toBe(0);
    g.onSuccess(); // limit 2: one waiter gets in
    await flush();
    expect(got).toBe(1);
    g.onSuccess(); // limit 3: the other gets in
    await flush();
    expect(got).toBe(2);
    expect(g.stats.inFlight).toBe(3);
    for (const r of await Promise.all(others)) r();
    held();
    expect(g.stats.inFlight).toBe(0);
  });
});
