/**
 * What a metric is, independent of how it is published: a family (one name, help, unit and a fixed
 * label set) and its samples. Money stays exact decimal text here; it becomes a float only where a
 * sample is written out (Prometheus text, an OTLP data point), in `sampleValue`.
 */

/** A sample's value: exact decimal text (money), a count or ratio, or an age measured when it is read. */
export type SampleValue = string | number | { secondsSince: number };

export interface Sample {
  /** Exactly the family's labels, each present (an empty string is never used: Prometheus drops it). */
  labels: Record<string, string>;
  value: SampleValue;
}

export interface FamilyDef {
  /** The Prometheus name (unit in the name, as its conventions ask). */
  name: string;
  /** The OpenTelemetry instrument name (dotted, unit in `otelUnit`). */
  otelName: string;
  /** UCUM unit for OpenTelemetry: USD, s, {token}, 1 … */
  otelUnit: string;
  help: string;
  labels: readonly string[];
}

export interface FamilySnapshot {
  def: FamilyDef;
  samples: Sample[];
}

/** Every family as read from the warehouse at one moment (see collect.ts). */
export interface MetricsSnapshot {
  families: FamilySnapshot[];
  /** When it was read (ms since the epoch). */
  readAtMs: number;
}

/** The float a sample is published as, at `nowMs` (for ages). The one place an exact amount becomes a float. */
export function sampleValue(value: SampleValue, nowMs: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return Math.max(0, nowMs / 1000 - value.secondsSince);
}

/** Billed figures carry the source of the amount (the OpenTelemetry GenAI cost proposal's name for it). */
export const PROVIDER = { source: 'provider' } as const;
