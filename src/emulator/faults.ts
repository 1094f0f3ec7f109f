/** Deciding which request gets which fault: targeted rules first, then the seeded random rate. */
import { asIsoDay, dayStartMs } from '../util/dates.js';
import { hash32 } from './prng.js';
import type { FaultKind, FaultRule } from './types.js';

export const TRANSIENT_FAULTS: readonly FaultKind[] = ['500', '502_html', '503', '529', 'reset', 'truncated_json'];

const DAY_MS = 86_400_000;

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultPlan {
  private rules: ActiveRule[] = [];

  constructor(
    private readonly seed: number,
    private rate: number,
    private readonly kinds: readonly FaultKind[],
    rules: FaultRule[],
  ) {
    this.setRules(rules);
  }

  setRules(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, remaining: rule.times ?? Infinity }));
  }

  setRate(rate: number): void {
    this.rate = Math.min(1, Math.max(0, rate));
  }

  /**
   * The fault for request number `seq` on `path`, or null. `coverage` is the [start, end) the response
   * would cover; rules with a `day` match only when it overlaps that day. An expired cursor needs a
   * cursor: '410_expired_cursor' only matches requests that carry `page` (`paged`).
   */
  decide(seq: number, path: string, coverage: [number, number] | null, paged = false): FaultKind | null {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.kind === '410_expired_cursor' && !paged) continue;
      if (rule.path !== undefined && !path.endsWith(rule.path)) continue;
      if (rule.day !== undefined) {
        if (!coverage) continue;
        const start = dayStartMs(asIsoDay(rule.day));
        if (!(start < coverage[1] && start + DAY_MS > coverage[0])) continue;
      }
      active.remaining--;
      return rule.kind;
    }
    if (this.rate > 0 && this.kinds.length > 0) {
      // Seeded by request sequence, so a run with the same requests in the same order sees the same faults.
      const draw = hash32(`fault|${this.seed}|${seq}`) / 4294967296;
      if (draw < this.rate) return this.kinds[hash32(`fault-kind|${this.seed}|${seq}`) % this.kinds.length]!;
    }
    return null;
  }
}
