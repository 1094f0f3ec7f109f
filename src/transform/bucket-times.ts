import { instantDay, type IsoDay } from '../util/dates.js';

// Every row of a bucket has the same start, so the last answer is nearly always the next one.
// (undefined until the first call, so an empty starting_at is parsed, and refused, like any other.)
let lastDayIn: string | undefined;
let lastDayOut = '' as IsoDay;
let lastInstantIn: string | undefined;
let lastInstantOut = '';

/** The UTC day a bucket starting at an RFC 3339 instant belongs to. */
export function bucketDay(startingAt: string): IsoDay {
  if (startingAt === lastDayIn) return lastDayOut;
  lastDayOut = instantDay(startingAt, 'bucket starting_at');
  lastDayIn = startingAt;
  return lastDayOut;
}

/** Canonical ISO form of a bucket start, so daily and hourly rows compare equal across runs. */
export function bucketInstant(startingAt: string): string {
  if (startingAt === lastInstantIn) return lastInstantOut;
  lastInstantOut = new Date(Date.parse(startingAt)).toISOString();
  lastInstantIn = startingAt;
  return lastInstantOut;
}
