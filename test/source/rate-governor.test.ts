import { describe, expect, it } from 'vitest';
import { RateGovernor } from '../../src/source/index.js';

/** A clock that only moves when someone sleeps. */
function fakeTime() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('RateGovernor', () => {
  it('halves concurrency on each 429 down to the minimum of 1', () => {
    const clock = fakeTime();
    const g = new RateGovernor({ maxConcurrency: 8, now: clock.now, sleep: clock.sleep, random: () => 0.5 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      g.onRateLimited({});
      seen.push(g.concurrency);
    }
    expect(seen).toEqual([4, 2, 1, 1, 1]);
    expect(g.stats.concurrencyDecreases).toBe(3);
    expect(g.stats.rateLimited).toBe(5);
  });

  it('honours minConcurrency', () => {
    const g = new RateGovernor({ maxConcurrency: 8, minConcurrency: 3 });
    g.onRateLimited({ retryAfterMs: 0 });
    g.onRateLimited({ retryAfterMs: 0 });
    expect(g.concurrency).toBe(3);
  });

  it('treats 429s of requests sent before the last 429 as one burst', () => {
    const clock = fakeTime();
    const g = new RateGovernor({ maxConcurrency: 8, now: clock.now, sleep: clock.sleep, random: () => 0 });
    const sentAt = clock.now();
    clock.advance(10);
    g.onRateLimited({ sentAt });
    // Three more workers whose requests were already in flight get their 429s.
    g.onRateLimited({ sentAt });
    g.onRateLimited({ sentAt });
    g.onRateLimited({ sentAt });
    expect(g.concurrency).toBe(4);
    expect(g.stats.rateLimitEvents).toBe(1);
    expect(g.stats.rateLimited).toBe(4);
    expect(g.stats.backoffLevel).toBe(1);
  });

  it('escalates one shared backoff across workers so the waits span minutes', () => {
    const clock = fakeTime();
    const g = new RateGovernor({ maxConcurrency: 4, now: clock.now, sleep: clock.sleep, random: () => 0 });
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Each call could come from a different worker: the level is shared, not per worker.
      waits.push(g.onRateLimited({}));
      clock.advance(waits.at(-1)!);
    }
    expect(waits.slice(0, 7)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000]);
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(120_000);
    // With the maximum jitter draw a single wait never exceeds the cap.
    const g2 = new RateGovernor({ maxConcurrency: 1, random: () => 0.999999 });
    let last = 0;
    for (let i = 0; i < 20; i++) last = g2.backoff(i + 1);
    expect(last).toBeLessThanOrEqual(60_000);
    expect(last).toBeGreaterThan(59_000);
  });

  it('honours retry-after and returns the remaining pause when an earlier pause is longer', () => {
    const clock = fakeTime();
    const g = new RateGovernor({ maxConcurrency: 4, now: clock.now, sleep: clock.sleep });
    expect(g.onRateLimited({ retryAfterMs: 7000 })).toBe(7000);
    clock.advance(1000);
    expect(g.onRateLimited({ retryAfterMs: 2000 })).toBe(6000);
    expect(g.pauseRemainingMs()).toBe(6000);
  });

  it('uses the reset header, and a reset already in the past still pauses briefly', () => {
    const clock = fakeTime();
    const g = new RateGovernor({ maxConcurrency: 4, now: clock.now, sleep: clock.sleep, baseBackoffMs: 1000 });
    expect(g.onRateLimited({ resetAt: clock.now() + 3000 })).toBe(3000);
    clock.advance(3000);
    expect(g.onRateLimited({ resetAt: clock.now() - 5000 })).toBe(1000);
    clock.advance(1000);
    // A reset far ahead is honoured as asked; the caller's budget decides (acquire's deadline).
    expect(g.onRateLimited({ resetAt: clock.now() + 3_600_000 })).toBe(3_600_000);
  });

  it('refuses at once to wait past the deadline a caller gives acquire()', async () => {
    const clock = fakeTime();
    const g = new RateGovernor({ maxConcurrency: 2, now: clock.now, sleep: clock.sleep });
    g.onRateLimited({ retryAfterMs: 99_999_000 });
    await expect(g.acquire(clock.now() + 600_000)).rejects.toMatchObject({ name: 'PauseBeyondDeadline', pauseMs: 99_999_000 });
    // Within the deadline it waits the pause out and takes a slot.
    const g2 = new RateGovernor({ maxConcurrency: 2, now: clock.now, sleep: clock.sleep });
    g2.onRateLimited({ retryAfterMs: 5000 });
    const release = await g2.acquire(clock.now() + 600_000);
    expect(g2.pauseRemainingMs()).toBe(0);
    release();
  });

  it('adds concurrency back after streaks of successes, up to the maximum', () => {
    const g = new RateGovernor({ maxConcurrency: 4, successesPerIncrease: 3, baseBackoffMs: 1 });
    g.onRateLimited({});
    g.onRateLimited({});
    expect(g.concurrency).toBe(1);
    const levels: number[] = [];
    for (let i = 0; i < 12; i++) {
      g.onSuccess();
      levels.push(g.concurrency);
    }
    expect(levels).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4]);
    expect(g.stats.backoffLevel).toBe(0);
  });

  it('limits in-flight requests to the current concurrency', async () => {
    const g = new RateGovernor({ maxConcurrency: 2 });
    const r1 = await g.acquire();
    const r2 = await g.acquire();
    let third = false;
    const p3 = g.acquire().then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    r1();
    r1(); // a double release must not free two slots
    const r3 = await p3;
    expect(third).toBe(true);
    expect(g.stats.inFlight).toBe(2);
    expect(g.stats.peakInFlight).toBe(2);
    r2();
    r3();
    expect(g.stats.inFlight).toBe(0);
  });

  it('pauses every worker, including ones that did not get the 429 (real time)', async () => {
    const g = new RateGovernor({ maxConcurrency: 4, baseBackoffMs: 5 });
    const start = Date.now();
    const waited = g.onRateLimited({ retryAfterMs: 150 });
    expect(waited).toBe(150);
    const times = await Promise.all(
      [0, 1, 2].map(async () => {
        const release = await g.acquire();
        const t = Date.now() - start;
        release();
        return t;
      }),
    );
    for (const t of times) expect(t).toBeGreaterThanOrEqual(140);
    expect(Math.max(...times)).toBeLessThan(1000);
  });

  it('a pause that grows while workers sleep is honoured too', async () => {
    const g = new RateGovernor({ maxConcurrency: 2, baseBackoffMs: 5 });
    const start = Date.now();
    g.onRateLimited({ retryAfterMs: 50 });
    const waiter = g.acquire().then((release) => {
      release();
      return Date.now() - start;
    });
    await new Promise((r) => setTimeout(r, 20));
    g.onRateLimited({ retryAfterMs: 150 });
    expect(await waiter).toBeGreaterThanOrEqual(160);
  });
});
