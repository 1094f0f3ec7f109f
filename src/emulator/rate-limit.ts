/** Token bucket for the whole organization, as the Admin API rate-limits per org. */

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;
  private readonly perMs: number;

  constructor(
    rpm: number,
    burst?: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(rpm > 0)) throw new Error(`rateLimit.rpm must be positive, got ${rpm}`);
    this.capacity = Math.max(1, Math.floor(burst ?? rpm / 6));
    this.perMs = rpm / 60_000;
    this.tokens = this.capacity;
    this.last = this.now();
  }

  /** Takes a token; returns 0 on success, else the milliseconds until one is available. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perMs);
  }
}
