/**
 * The documented remedy for `400 report_page_too_large` ("send a lower `limit` and page through the
 * rest"): the same page is asked for again with half the limit, and the lower limit is kept for the
 * rest of the query. A page of one bucket (or row) still too large is a clear failure naming the day,
 * which fails only its window: the run goes on.
 */
import { ApiError, ERROR_CODES } from '../errors.js';

export function isPageTooLarge(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 400 && err.errorCode === ERROR_CODES.pageTooLarge;
}

/**
 * The limit to ask with after `err` refused a page of `limit` items (`unit`: buckets or rows), or
 * the failure when it cannot go lower. `day` is the first day the refused page would have held.
 */
export function lowerLimit(err: ApiError, path: string, limit: number, unit: 'bucket' | 'row', day: string): number {
  if (limit > 1) return Math.max(1, Math.floor(limit / 2));
  const rid = err.requestId ? ` [request-id ${err.requestId}]` : '';
  throw new ApiError(
    `The Admin API refused ${path} for ${day} as too large even one ${unit} per page (400 ${ERROR_CODES.pageTooLarge})${rid}: ` +
      `the window is left failed and the run goes on; read that day with fewer group-by dimensions or an hourly bucket, or ask Anthropic support`,
    { status: 400, kind: err.kind, requestId: err.requestId, errorCode: ERROR_CODES.pageTooLarge, retryable: false, fatal: false },
  );
}

/** The `limit` a query asks with: its own, or the endpoint's default. */
export function queryLimit(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
