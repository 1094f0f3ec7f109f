/** The one retry mechanism (src/util/retry.ts): tries, waits and what stops it. */
import { describe, expect, it } from 'vitest';
import { backoffMs, NoRetry, retry } from '../../src/util/retry.js';

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('backoffMs', () => {
  it('equal jitter: each wait lies in [step/2, step], the step doubles from base up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 100, 1000, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('retry', () => {
  it('tries `attempts` times in all, waiting [first, 2 × first] × 2^(n-1), and throws the last error', async () => {
    const low = recorder();
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error(`fail ${calls}`); }, { attempts: 4, firstWaitMs: 100, random: () => 0, sleep: low.sleep })).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
    expect(low.waits).toEqual([100, 200, 400]);
    const high = recorder();
    await expect(retry(async () => { throw new Error('x'); }, { attempts: 3, firstWaitMs: 100, random: () => 0.999999, sleep: high.sleep })).rejects.toThrow('x');
    expect(high.waits).toEqual([200, 400]);
  });

  it('returns the first success, telling onRetry about each failure before it', async () => {
    const r = recorder();
    const told: Array<{ attempt: number; waitMs: number }> = [];
    const out = await retry(async (n) => { if (n < 3) throw new Error(`n${n}`); return n; }, { attempts: 5, firstWaitMs: 10, random: () => 0, sleep: r.sleep, onRetry: ({ attempt, waitMs }) => told.push({ attempt, waitMs }) });
    expect(out).toBe(3);
    expect(told).toEqual([{ attempt: 1, waitMs: 10 }, { attempt: 2, waitMs: 20 }]);
  });

  it('stops at once on NoRetry (throwing the error inside) or an error `retryable` refuses', async () => {
    const r = recorder();
    const inner = new Error('final');
    let calls = 0;
    await expect(retry(async () => { calls++; throw new NoRetry(inner); }, { attempts: 5, firstWaitMs: 10, sleep: r.sleep })).rejects.toBe(inner);
    expect(calls).toBe(1);
    await expect(retry(async () => { calls++; throw new Error('other'); }, { attempts: 5, firstWaitMs: 10, sleep: r.sleep, retryable: (e) => (e as Error).message === 'conflict' })).rejects.toThrow('other');
    expect(calls).toBe(2);
    expect(r.waits).toEqual([]);
  });

  it('bounds each wait by maxWaitMs', async () => {
    const r = recorder();
    await expect(retry(async () => { throw new Error('x'); }, { attempts: 5, firstWaitMs: 100, maxWaitMs: 300, random: () => 0.999999, sleep: r.sleep })).rejects.toThrow('x');
    expect(r.waits).toEqual([200, 300, 300, 300]);
  });
});
