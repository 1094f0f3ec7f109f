/**
 * Rate-limit headroom from 1-minute usage buckets: per model group and limiter, the busiest minute of
 * a day, counted as the limiter counts (a cache-aware input limit leaves cache reads out), and the
 * workspace that drove it. Message Batches usage counts against the batch group, not the model's.
 * Requests per minute cannot be read from the usage report (it has no request counts): such limiters
 * get a row with a NULL peak and a note saying so, never a guess.
 */
import type { RateLimitItem } from '../source/limit-schemas.js';
import type { UsageResult } from '../source/schemas.js';
import type { IsoDay } from '../util/dates.js';
import type { RowOf } from '../warehouse/tables.js';
import { bucketInstant } from './bucket-times.js';

type Measure = (r: UsageResult) => number;

const input = (r: UsageResult) => r.uncached_input_tokens + r.cache_creation.ephemeral_5m_input_tokens + r.cache_creation.ephemeral_1h_input_tokens;

/** Limiters the usage report can measure, and how each counts a result's tokens. */
export const MEASURES: Readonly<Record<string, Measure>> = {
  input_tokens_per_minute_cache_aware: input,
  input_tokens_per_minute: (r) => input(r) + r.cache_read_input_tokens,
  output_tokens_per_minute: (r) => r.output_tokens,
};

export function unmeasurableNote(limiter: string): string {
  return limiter === 'requests_per_minute'
    ? 'requests per minute cannot be read from the usage report (it counts tokens, not requests)'
    : `${limiter} cannot be measured from the usage report's token counts`;
}

interface Tracked {
  groupId: string;
  groupName: string | null;
  limiter: string;
  limit: number;
  measure: Measure | undefined;
  peak: number;
  minute: string | null;
  workspace: string | null;
}

export class MinutePeaks {
  private readonly byModel = new Map<string, Tracked[]>();
  private readonly batch: Tracked[] = [];
  private readonly all: Tracked[] = [];
  /** Models the rate limits map to no group: their usage is counted nowhere, and said so. */
  readonly unmapped = new Set<string>();

  constructor(groups: readonly RateLimitItem[]) {
    for (const g of groups) {
      if (g.group.type !== 'model_group' && g.group.type !== 'batch') continue;
      const groupId = g.group.id ?? g.id ?? g.group.type;
      const name = g.group.display_name ?? (g.group.type === 'batch' ? 'Message Batches' : null);
      const tracked = g.limits.map((l) => ({ groupId, groupName: name, limiter: l.type, limit: l.value, measure: MEASURES[l.type], peak: 0, minute: null, workspace: null }));
      this.all.push(...tracked);
      if (g.group.type === 'batch') this.batch.push(...tracked);
      else for (const m of g.models ?? []) this.byModel.set(m, tracked);
    }
  }

  private groupOf(r: UsageResult): Tracked[] | undefined {
    if (r.service_tier === 'batch') return this.batch;
    if (r.model === null) return undefined;
    const found = this.byModel.get(r.model) ?? this.byModel.get(r.model.replace(/-\d{8}$/, ''));
    if (!found) this.unmapped.add(r.model);
    return found;
  }

  /** One 1-minute bucket: its total per tracked limiter, and the workspace with the most of it. */
  addMinute(startingAt: string, results: readonly UsageResult[]): void {
    const totals = new Map<Tracked, { sum: number; byWs: Map<string | null, number> }>();
    for (const r of results) {
      for (const t of this.groupOf(r) ?? []) {
        if (!t.measure) continue;
        const n = t.measure(r);
        if (n === 0) continue;
        let acc = totals.get(t);
        if (!acc) totals.set(t, (acc = { sum: 0, byWs: new Map() }));
        acc.sum += n;
        acc.byWs.set(r.workspace_id, (acc.byWs.get(r.workspace_id) ?? 0) + n);
      }
    }
    for (const [t, acc] of totals) {
      if (acc.sum <= t.peak) continue;
      t.peak = acc.sum;
      t.minute = bucketInstant(startingAt);
      t.workspace = [...acc.byWs].sort((a, b) => b[1] - a[1])[0]![0];
    }
  }

  rows(day: IsoDay): Array<RowOf<'claude_rate_limit_peaks'>> {
    return this.all.map((t) => ({
      activity_date: day,
      group_id: t.groupId,
      group_name: t.groupName,
      limiter: t.limiter,
      peak: t.measure ? t.peak : null,
      peak_minute: t.measure ? t.minute : null,
      limit_value: t.limit,
      workspace_id: t.measure ? t.workspace : null,
      note: t.measure ? null : unmeasurableNote(t.limiter),
      }));
  }
}
