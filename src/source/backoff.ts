/**
 * Exponential backoff, half fixed and half jittered ("equal jitter"): pure full jitter can draw
 * near-zero waits several times in a row, which would spend a per-minute limit's refill time
 * probing; the fixed half guarantees the waits grow so a run of them spans minutes.
 * `n` counts from 1; the step doubles from `baseMs` up to `capMs`.
 */
export function backoffMs(n: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, n - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
