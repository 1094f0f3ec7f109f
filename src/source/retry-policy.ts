/**
 * What a failed attempt means and how long to wait before the next one. 429s go through the shared
 * RateGovernor (every worker pauses; bounded by the waiting budget, not by the attempt count);
 * 5xx/529, 408, resets, timeouts and invalid bodies back off with jitter up to maxAttempts or the
 * budget; an unreachable host gets a few quick tries; everything else is final at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../util/retry.js';
import { CursorExpiredError } from './errors.js';
import { exhaustedError, finalHttpError, rateLimitBudgetError, tlsError, unreachableError, type FailureContext } from './failure-errors.js';
import { PauseBeyondDeadline, type RateGovernor } from './rate-governor.js';
import type { Failure } from './transport.js';
import type { ClientEvent, RequestStats } from './types.js';

/** Statuses that mean "try again"; everything else non-2xx below 500 is final. */
const RETRY_STATUSES = new Set([408, 500, 502, 503, 504, 529]);

/** `retry-after` as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `anthropic-ratelimit-requests-reset` (RFC 3339) as epoch ms. */
export function parseResetHeader(value: string | null): number | undefined {
  if (!value) return undefined;
  const at = Date.parse(value.trim());
  return Number.isNaN(at) ? undefined : at;
}

export interface RetryOptions extends FailureContext {
  /** Faults (not 429s) per request before it fails. */
  maxAttempts: number;
  /** Upper bound on all waiting for one request. */
  budgetMs: number;
  baseMs: number;
  maxDelayMs: number;
  /** Tries against a host that cannot be reached (a wrong URL will not fix itself). */
  unreachableAttempts: number;
  governor: RateGovernor;
  emit(e: ClientEvent): void;
}

/** The retry state of one request (all of its attempts). */
export class RetryRun {
  private readonly started: number;
  private attempt = 0;
  private faults = 0;
  private unreachable = 0;

  constructor(
    private readonly opts: RetryOptions,
    private readonly path: string,
    private readonly stats: RequestStats | undefined,
  ) {
    this.started = opts.governor.clock();
  }

  /** Takes a concurrency slot (sitting out any shared 429 pause) and counts the attempt. */
  async begin(): Promise<{ release: () => void; sentAt: number }> {
    this.attempt++;
    let release: () => void;
    try {
      release = await this.opts.governor.acquire(this.started + this.opts.budgetMs);
    } catch (err) {
      if (!(err instanceof PauseBeyondDeadline)) throw err;
      const elapsed = this.opts.governor.clock() - this.started;
      throw rateLimitBudgetError(this.opts, this.path, err.pauseMs, elapsed, this.opts.budgetMs, undefined);
    }
    const sentAt = this.opts.governor.clock();
    if (this.stats) this.stats.requests++;
    this.opts.emit({ type: 'request', path: this.path });
    return { release, sentAt };
  }

  succeeded(): void {
    this.opts.governor.onSuccess();
  }

  /** Throws when the failure is final; otherwise waits as the policy says (a 429 waits in the next begin()). */
  async afterFailure(failure: Failure, sentAt: number): Promise<void> {
    const { opts, path, stats } = this;
    if (failure.kind === 'tls') throw tlsError(opts, failure.detail);
    const elapsed = () => opts.governor.clock() - this.started;

    if (failure.kind === 'http' && failure.status === 429) {
      if (stats) stats.rateLimited++;
      const waitMs = opts.governor.onRateLimited({
        retryAfterMs: parseRetryAfter(failure.headers.get('retry-after'), opts.governor.clock()),
        resetAt: parseResetHeader(failure.headers.get('anthropic-ratelimit-requests-reset')),
        sentAt,
      });
      if (elapsed() + waitMs > opts.budgetMs) throw rateLimitBudgetError(opts, path, waitMs, elapsed(), opts.budgetMs, failure.requestId);
      if (stats) stats.retries++;
      opts.emit({ type: 'rate_limited', path, waitMs, requestId: failure.requestId });
      return;
    }

    if (failure.kind === 'http') {
      if (failure.status === 410) throw new CursorExpiredError(path, failure.requestId);
      if (!RETRY_STATUSES.has(failure.status) && failure.status < 500) throw finalHttpError(opts, path, failure);
    }

    let waitMs: number;
    if (failure.kind === 'transport' && failure.code === 'unreachable') {
      this.unreachable++;
      if (this.unreachable >= opts.unreachableAttempts) throw unreachableError(opts, failure.detail);
      waitMs = backoffMs(this.unreachable, Math.min(opts.baseMs, 500), opts.maxDelayMs);
    } else {
      this.faults++;
      waitMs = backoffMs(this.faults, opts.baseMs, opts.maxDelayMs);
      if (this.faults >= opts.maxAttempts || elapsed() + waitMs > opts.budgetMs) throw exhaustedError(opts, path, failure, this.faults);
    }
    if (stats) stats.retries++;
    opts.emit({
      type: 'retry',
      path,
      status: failure.kind === 'http' ? failure.status : failure.code,
      attempt: this.attempt,
      waitMs,
      requestId: failure.requestId,
    });
    await sleep(waitMs);
  }
}
