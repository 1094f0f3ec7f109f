/**
 * One rate governor per run, shared by every worker. Admin API rate limits are per organization, so
 * a 429 seen by one worker means every worker is over the limit: all of them pause, and the run's
 * concurrency is halved (AIMD, as TCP does) and only creeps back after a streak of successes.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { backoffMs } from '../util/retry.js';

export interface RateGovernorOptions {
  maxConcurrency: number;
  /** Floor for the multiplicative decrease. Default 1. */
  minConcurrency?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** First backoff step when the 429 carries no timing header; also the shortest pause. Default 1000. */
  baseBackoffMs?: number;
  /** Longest single backoff step; a per-minute limit refills within a minute. Default 60000. */
  maxBackoffMs?: number;
  /** Consecutive successes needed to add one concurrency slot. Default 5. */
  successesPerIncrease?: number;
}

export interface RateLimitInfo {
  /** From `retry-after` (seconds or HTTP date), already converted to a duration. */
  retryAfterMs?: number;
  /** From `anthropic-ratelimit-requests-reset`, epoch ms; may already be in the past. */
  resetAt?: number;
  /**
   * When the rejected request was sent (governor clock). A request sent before the previous 429 was
   * received belongs to the same burst: it extends the pause but does not escalate backoff or halve
   * concurrency again, so one burst of N parallel 429s is one event, not N.
   */
  sentAt?: number;
}

export interface RateGovernorStats {
  /** 429s reported. */
  rateLimited: number;
  /** 429s that counted as a new event (escalated backoff, lowered concurrency). */
  rateLimitEvents: number;
  concurrencyDecreases: number;
  concurrencyIncreases: number;
  /** Current shared backoff level (0 = calm). */
  backoffLevel: number;
  inFlight: number;
  peakInFlight: number;
  /** Sum of pause time scheduled by 429s (overlaps counted once). */
  pausedMs: number;
}

const MAX_LEVEL = 30;

/**
 * acquire() was asked to wait past its caller's deadline (the request's retry budget): the shared
 * pause the API asked for ends later than the budget allows, so the caller gives up at once
 * instead of sleeping past it.
 */
export class PauseBeyondDeadline extends Error {
  constructor(
    /** How long the shared pause still has to run (ms). */
    readonly pauseMs: number,
  ) {
    super(`the shared rate-limit pause still has ${Math.round(pauseMs)} ms to run, past the caller's deadline`);
    this.name = 'PauseBeyondDeadline';
  }
}

export class RateGovernor {
  private readonly max: number;
  private readonly min: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly successesPerIncrease: number;

  private limit: number;
  private inFlight = 0;
  private pausedUntil = 0;
  private lastEventAt = Number.NEGATIVE_INFINITY;
  private level = 0;
  private streak = 0;
  private waiters: (() => void)[] = [];
  private counters: Omit<RateGovernorStats, 'backoffLevel' | 'inFlight'> = {
    rateLimited: 0,
    rateLimitEvents: 0,
    concurrencyDecreases: 0,
    concurrencyIncreases: 0,
    peakInFlight: 0,
    pausedMs: 0,
  };

  constructor(opts: RateGovernorOptions) {
    if (!Number.isInteger(opts.maxConcurrency) || opts.maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be a positive integer, got ${opts.maxConcurrency}`);
    }
    this.max = opts.maxConcurrency;
    this.min = Math.min(this.max, Math.max(1, Math.floor(opts.minConcurrency ?? 1)));
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.baseMs = opts.baseBackoffMs ?? 1000;
    this.capMs = Math.max(this.baseMs, opts.maxBackoffMs ?? 60_000);
    this.successesPerIncrease = Math.max(1, opts.successesPerIncrease ?? 5);
    this.limit = this.max;
  }

  get concurrency(): number {
    return this.limit;
  }

  get stats(): RateGovernorStats {
    return { ...this.counters, backoffLevel: this.level, inFlight: this.inFlight };
  }

  /** The governor's clock, so callers can stamp `sentAt` consistently with injected clocks. */
  clock(): number {
    return this.now();
  }

  /** Milliseconds until the shared pause ends (0 when not paused). */
  pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /**
   * Waits for the shared pause to end and for a free slot; returns the slot's release function.
   * A pause that ends after `deadline` (governor clock) throws PauseBeyondDeadline at once: no
   * worker sleeps past its budget, even when another worker's 429 set the pause.
   */
  async acquire(deadline = Number.POSITIVE_INFINITY): Promise<() => void> {
    for (;;) {
      const now = this.now();
      const wait = this.pausedUntil - now;
      if (wait > 0) {
        if (this.pausedUntil > deadline) throw new PauseBeyondDeadline(wait);
        await this.sleep(wait);
        continue;
      }
      if (this.inFlight < this.limit) {
        this.inFlight++;
        this.counters.peakInFlight = Math.max(this.counters.peakInFlight, this.inFlight);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.inFlight--;
          this.wakeAll();
        };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Records a 429, pauses every worker and returns how long callers will now wait (ms). */
  onRateLimited(info: RateLimitInfo = {}): number {
    const now = this.now();
    this.counters.rateLimited++;
    this.streak = 0;
    const sameBurst = info.sentAt !== undefined && info.sentAt < this.lastEventAt;
    if (!sameBurst) {
      this.counters.rateLimitEvents++;
      this.lastEventAt = now;
      this.level = Math.min(MAX_LEVEL, this.level + 1);
      const lowered = Math.max(this.min, Math.floor(this.limit / 2));
      if (lowered < this.limit) {
        this.limit = lowered;
        this.counters.concurrencyDecreases++;
      }
    }
    const wait = this.chooseWait(info, now);
    const until = now + wait;
    if (until > this.pausedUntil) {
      this.counters.pausedMs += until - Math.max(this.pausedUntil, now);
      this.pausedUntil = until;
    }
    return this.pausedUntil - now;
  }

  /** Additive increase: one slot back after each streak of successes; backoff level decays by one. */
  onSuccess(): void {
    this.level = Math.max(0, this.level - 1);
    this.streak++;
    if (this.streak >= this.successesPerIncrease && this.limit < this.max) {
      this.limit++;
      this.streak = 0;
      this.counters.concurrencyIncreases++;
      this.wakeAll();
    }
  }

  private chooseWait(info: RateLimitInfo, now: number): number {
    if (info.retryAfterMs !== undefined && Number.isFinite(info.retryAfterMs)) {
      return Math.max(this.baseMs, info.retryAfterMs);
    }
    if (info.resetAt !== undefined && Number.isFinite(info.resetAt)) {
      // A reset already in the past (clock skew, or read late) still needs a short pause: the
      // window may only just have rolled over on the server. A reset far ahead is honoured as
      // asked: the caller's retry budget decides whether waiting that long is acceptable.
      return Math.max(this.baseMs, info.resetAt - now);
    }
    return this.backoff(this.level);
  }

  /** The shared backoff step for `level` (see backoffMs), drawn with the governor's random source. */
  backoff(level: number): number {
    return backoffMs(level, this.baseMs, this.capMs, this.random);
  }

  private wakeAll(): void {
    // Waking everyone is simpler than tracking which waiter a slot belongs to; each re-checks the
    // pause and the limit, and there are only as many waiters as workers.
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
