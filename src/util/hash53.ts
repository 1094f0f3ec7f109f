/**
 * A 53-bit non-cryptographic string hash (the cyrb53 construction: two 32-bit multiply-xorshift lanes),
 * returned as a plain number. Used where a set must remember very many strings cheaply: a Set of
 * numbers costs a few bytes an entry instead of the string itself. Two distinct strings collide with
 * probability about n² / 2^54 for n strings (1e-6 for 200,000).
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
