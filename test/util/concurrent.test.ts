import { describe, expect, it } from 'vitest';
import { both, mapInTurns } from '../../src/util/concurrent.js';

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapInTurns', () => {
  it('gives the results in item order, with at most `width` tasks running at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapInTurns([30, 5, 20, 1, 10], 2, async (ms, k) => {
      most = Math.max(most, ++running);
      await later(ms);
      running--;
      return `${k}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
    expect(most).toBe(2);
  });

  it('settles every task before it throws the first failure in item order', async () => {
    const finished: number[] = [];
    const run = mapInTurns([1, 2, 3, 4], 2, async (n) => {
      await later(n === 1 ? 20 : 1);
      finished.push(n);
      if (n === 2 || n === 3) throw new Error(`task ${n}`);
      return n;
    });
    await expect(run).rejects.toThrow('task 2');
    expect([...finished].sort()).toEqual([1, 2, 3, 4]);
  });

  it('handles no items', async () => {
    expect(await mapInTurns([], 2, async () => 1)).toEqual([]);
  });
});

describe('both', () => {
  it('waits for the other read before throwing a failure', async () => {
    let done = false;
    const slow = later(20).then(() => {
      done = true;
      return 1;
    });
    await expect(both(Promise.reject(new Error('first')), slow)).rejects.toThrow('first');
    expect(done).toBe(true);
    expect(await both(Promise.resolve('a'), later(1).then(() => 2))).toEqual(['a', 2]);
  });
});
