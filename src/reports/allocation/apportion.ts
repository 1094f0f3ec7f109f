/**
 * Largest-remainder apportionment in whole sub-cents (the warehouse's 10^-12 cent): each part gets
 * the floor of its exact share, and the sub-cents left over go one each to the parts with the largest
 * remainders (ties: the earlier part), so the parts add up to the amount exactly, never a sub-cent
 * more or less.
 */
export function apportion(amount: bigint, weights: readonly bigint[]): bigint[] {
  const total = weights.reduce((a, w) => a + w, 0n);
  if (total <= 0n || weights.some((w) => w < 0n)) throw new RangeError('apportion needs non-negative weights with a positive total');
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const parts = weights.map((w) => (abs * w) / total);
  let left = abs - parts.reduce((a, p) => a + p, 0n);
  const order = weights.map((w, i) => ({ i, rem: (abs * w) % total })).sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  for (const { i } of order) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return negative ? parts.map((p) => -p) : parts;
}
