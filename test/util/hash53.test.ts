import { describe, expect, it } from 'vitest';
import { Hash53, hash53, Hash53Set } from '../../src/util/hash53.js';

describe('hash53', () => {
  it('is deterministic, a safe integer, and differs for near-identical keys', () => {
    const k = JSON.stringify(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', { actor: { type: 'user_actor', user_id: 'user_1' } }]);
    expect(hash53(k)).toBe(hash53(k));
    expect(Number.isSafeInteger(hash53(k))).toBe(true);
    expect(hash53(k)).not.toBe(hash53(k.replace('user_1', 'user_2')));
    expect(hash53('')).not.toBe(hash53(' '));
  });

  it('gives 200,000 distinct analytics-like row keys 200,000 distinct hashes', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      seen.add(hash53(JSON.stringify(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', { api_key_id: `apikey_${i % 977}`, model: `m${i % 13}`, actor: i }])));
    }
    expect(seen.size).toBe(200_000);
  });

  it('Hash53 hashes structured keys field by field: equal values alike, every boundary and kind apart', () => {
    const h = new Hash53();
    const of = (...values: unknown[]) => values.reduce<Hash53>((acc, v) => acc.value(v), h.reset()).digest();
    const group = { actor: { type: 'user_actor', user_id: 'user_1' }, api_key_id: null, model: 'claude-x' };
    expect(of('2026-01-01T00:00:00Z', { ...group })).toBe(of('2026-01-01T00:00:00Z', group));
    expect(of('ab', 'c')).not.toBe(of('a', 'bc'));
    expect(of(null)).not.toBe(of('null'));
    expect(of(1)).not.toBe(of('1'));
    expect(of({ a: 'x', b: null })).not.toBe(of({ a: null, b: 'x' }));
    expect(of({ a: 'x' })).not.toBe(of({ b: 'x' }));
    expect(of({ actor: { type: 'user_actor', user_id: 'user_1' } })).not.toBe(of({ actor: { type: 'user_actor', user_id: 'user_2' } }));
    expect(Number.isSafeInteger(of(group))).toBe(true);
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(of('2026-01-01T00:00:00Z', { api_key_id: `apikey_${i % 977}`, model: `m${i % 13}`, actor: i }));
    expect(seen.size).toBe(200_000);
  });
});

describe('Hash53.fork', () => {
  it('continues from a hashed prefix exactly as hashing the whole text, and leaves the prefix as it was', () => {
    const head = new Hash53().chars('["v1","a long salt"');
    const a = head.fork().chars(',{"print":"x","rows":1}]').digest();
    const b = head.fork().chars(',null]').digest();
    expect(a).toBe(hash53('["v1","a long salt",{"print":"x","rows":1}]'));
    expect(b).toBe(hash53('["v1","a long salt",null]'));
    expect(a).not.toBe(b);
    expect(head.fork().digest()).toBe(hash53('["v1","a long salt"'));
    expect(new Hash53(7).chars('ab').fork().chars('c').digest()).toBe(hash53('abc', 7));
  });
});

describe('Hash53Set', () => {
  it('holds exactly the hashes added, through growth, including 0 and the largest 53-bit value', () => {
    const set = new Hash53Set();
    const h = new Hash53();
    const added: number[] = [];
    for (let i = 0; i < 50_000; i++) added.push(h.reset().text(`row ${i}`).digest());
    added.push(0, 2 ** 53 - 2, 1);
    for (const v of added) set.add(v);
    for (const v of added) set.add(v);
    expect(set.size).toBe(new Set(added).size);
    expect(added.every((v) => set.has(v))).toBe(true);
    for (let i = 0; i < 50_000; i++) expect(set.has(h.reset().text(`other ${i}`).digest())).toBe(false);
    expect(set.has(2)).toBe(false);
  });
});
