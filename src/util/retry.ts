/**
 * The one retry mechanism: how long the n-th wait is (`backoffMs`) and a loop that tries an action a
 * bounded number of times (`retry`). The Admin API client (source/retry-policy.ts, with its shared
 * rate governor and waiting budget around it), alert delivery and BigQuery's conflicting
 * transactions all wait by `backoffMs`; the latter two retry through `retry`.
 */
import { setTimeout as realSleep } from 'node:timers/promises';

/**
 * Exponential backoff, half fixed and half jittered ("equal jitter"): pure full jitter can draw
 * near-zero waits several times in a row, which would spend a per-minute limit's refill time
 * probing; the fixed half guarantees the waits grow so a run of them spans minutes.
 * `n` counts from 1; the step doubles from `baseMs` up to `capMs`, and the wait lies in [step/2, step].
 */
export function backoffMs(n: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, n - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Thrown by a retried action to stop at once: `retry` rethrows `error` itself, not this wrapper. */
export class NoRetry extends Error {
  constructor(readonly error: Error) {
    super(error.message);
    this.name = 'NoRetry';
  }
}

export interface RetryOptions {
  /** Tries in all (the first one included); at least 1. */
  attempts: number;
  /** The first wait lies in [firstWaitMs, 2 × firstWaitMs]; each later one doubles. */
  firstWaitMs: number;
  /** No single wait is longer (default: unbounded). */
  maxWaitMs?: number;
  /** Whether an error may be tried again (default: every error but NoRetry). */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait (attempt counts from 1: the attempt that just failed). */
  onRetry?: (info: { attempt: number; waitMs: number; error: unknown }) => void;
  /** Tests: the random source and the clock's sleep. */
  random?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** Runs `action` until it resolves, an error is final, or `attempts` tries have failed (the last error is thrown). */
export async function retry<T>(action: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(o.attempts));
  const sleep = o.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (error instanceof NoRetry) throw error.error;
      if (attempt >= attempts || (o.retryable && !o.retryable(error))) throw error;
      // backoffMs' equal jitter over a doubled step: a wait in [first, 2 × first] × 2^(attempt-1).
      const waitMs = backoffMs(attempt, 2 * o.firstWaitMs, o.maxWaitMs ?? Number.POSITIVE_INFINITY, o.random);
      o.onRetry?.({ attempt, waitMs, error });
      await sleep(waitMs);
    }
  }
}
