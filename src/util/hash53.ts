/**
 * A 53-bit non-cryptographic hash (the cyrb53 construction: two 32-bit multiply-xorshift lanes),
 * returned as a plain number. Used where a set must remember very many keys cheaply: a Set of
 * numbers costs a few bytes an entry instead of the key itself. Two distinct keys collide with
 * probability about n² / 2^54 for n keys (1e-6 for 200,000).
 */
export function hash53(text: string, seed = 0): number {
  return new Hash53(seed).chars(text).digest();
}

/**
 * cyrb53 fed value by value, so a structured key (an analytics row's bucket and group) is hashed
 * without first being serialised: JSON.stringify of every row's group was a tenth of an analytics
 * backfill's CPU, most of it spent on the text of the group's field names and nulls. Each value is
 * mixed in with a tag of its kind and each text with its length, so ("ab","c") and ("a","bc") or
 * null and "null" hash apart. Reusable: reset() starts a new key without allocating.
 */
export class Hash53 {
  private h1 = 0;
  private h2 = 0;

  constructor(private readonly seed = 0) {
    this.reset();
  }

  reset(): this {
    this.h1 = 0xdeadbeef ^ this.seed;
    this.h2 = 0x41c6ce57 ^ this.seed;
    return this;
  }

  /** Mixes in the characters of `text` (no length: hash53's plain string hash). */
  chars(text: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  private mix(n: number): void {
    this.h1 = Math.imul(this.h1 ^ n, 2654435761);
    this.h2 = Math.imul(this.h2 ^ n, 1597334677);
  }

  /** Mixes in one text, delimited by its length. */
  text(text: string): this {
    this.mix(0x10000 + text.length);
    return this.chars(text);
  }

  /** Mixes in any JSON value: objects by their keys in order and their values, arrays element by element. */
  value(v: unknown): this {
    if (v === null || v === undefined) this.mix(0x20001);
    else if (typeof v === 'string') this.text(v);
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      this.mix(0x20002);
      this.text(String(v));
    } else if (Array.isArray(v)) {
      this.mix(0x20003 + v.length);
      for (const x of v) this.value(x);
    } else {
      this.mix(0x20004);
      for (const k in v as Record<string, unknown>) this.text(k).value((v as Record<string, unknown>)[k]);
      this.mix(0x20005);
    }
    return this;
  }

  /** A copy of the state so far: a long common prefix is hashed once and each key continues from it. */
  fork(): Hash53 {
    const h = new Hash53(this.seed);
    h.h1 = this.h1;
    h.h2 = this.h2;
    return h;
  }

  digest(): number {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}

/**
 * A set of Hash53 digests in one Float64Array (open addressing, linear probing), for the paginator's
 * "already handed out" memory. A Set<number> boxed every 53-bit value as its own heap object: a
 * large organization's 31-day analytics query is ~300,000 rows, whose boxed hashes all survived
 * into the old generation and made each young-generation collection slower. Here an entry is 8 bytes
 * (16 at the worst load factor) and the garbage collector has nothing to trace.
 */
export class Hash53Set {
  private slots = new Float64Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(hash: number): boolean {
    return this.slots[this.find(this.slots, hash)] === hash + 1;
  }

  add(hash: number): void {
    // Stored as hash + 1 so an empty slot (0) is never a value; a digest is at most 2^53 - 1, so this is exact.
    const i = this.find(this.slots, hash);
    if (this.slots[i] === hash + 1) return;
    this.slots[i] = hash + 1;
    if (++this.count * 2 > this.slots.length) this.grow();
  }

  private find(slots: Float64Array, hash: number): number {
    const mask = slots.length - 1;
    // The low 32 bits are well mixed (cyrb53's h1 lane).
    let i = (hash >>> 0) & mask;
    while (slots[i] !== 0 && slots[i] !== hash + 1) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    for (const v of old) if (v !== 0) this.slots[this.find(this.slots, v - 1)] = v;
  }
}
