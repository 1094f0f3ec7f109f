/** Time-bucket paging shared by cost_report and usage_report/messages. */
import type { SyntheticModel } from './model.js';
import { invalid, iso, limitParam, type PageTokens, timestampParam } from './params.js';

export interface BucketPage {
  widthMs: number;
  /** Start of each bucket on this page, oldest first. */
  starts: number[];
  nextPage: string | null;
}

export function bucketPage(
  q: URLSearchParams,
  model: SyntheticModel,
  tokens: PageTokens,
  scope: string,
  widthMs: number,
  limits: { def: number; max: number },
): BucketPage {
  const limit = limitParam(q, limits.def, limits.max);
  const startingAt = timestampParam(q, 'starting_at', true);
  const endingAt = timestampParam(q, 'ending_at', false);
  if (endingAt !== undefined && endingAt <= startingAt) throw invalid('ending_at: must be after starting_at');
  const page = q.get('page');
  let start = Math.floor(startingAt / widthMs) * widthMs;
  if (page !== null && page !== '') {
    const v = tokens.verify(scope, page);
    if (typeof v !== 'number' || v < start || v % widthMs !== 0) throw invalid('page: invalid page token');
    start = v;
  }
  // Buckets that end after ending_at, or start after today, are not returned (no future data).
  const fits = (s: number) => s < model.endMs && (endingAt === undefined || s + widthMs <= endingAt);
  const starts: number[] = [];
  let s = start;
  for (; starts.length < limit && fits(s); s += widthMs) starts.push(s);
  return { widthMs, starts, nextPage: starts.length === limit && fits(s) ? tokens.sign(scope, s) : null };
}

export function coverageOf(page: BucketPage): [number, number] | null {
  if (page.starts.length === 0) return null;
  return [page.starts[0]!, page.starts[page.starts.length - 1]! + page.widthMs];
}

export function bucketJson(start: number, widthMs: number, results: unknown[]): { starting_at: string; ending_at: string; results: unknown[] } {
  return { starting_at: iso(start), ending_at: iso(start + widthMs), results };
}
