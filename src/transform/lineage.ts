import { MoneyError } from '../util/money.js';

/** Columns every written row carries: which run wrote it and when. */
export interface Lineage {
  run_id: string;
  ingested_at: string;
}

/** The UTC day a bucket starting at an RFC 3339 instant belongs to. */
export function bucketDay(startingAt: string): string {
  const t = Date.parse(startingAt);
  if (Number.isNaN(t)) throw new MoneyError(`bucket starting_at "${startingAt}" is not an RFC 3339 timestamp`);
  return new Date(t).toISOString().slice(0, 10);
}

/** Canonical ISO form of a bucket start, so daily and hourly rows compare equal across runs. */
export function bucketInstant(startingAt: string): string {
  return new Date(Date.parse(startingAt)).toISOString();
}
