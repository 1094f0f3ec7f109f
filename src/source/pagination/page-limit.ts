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

export function isTooManyGroups(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 400 && err.errorCode === ERROR_CODES.tooManyGroups;
}

/** The endpoint a too_many_report_groups message names ("use … instead"), if it names one. */
export function namedEndpoint(message: string): string | null {
  const path = /\/v1\/[A-Za-z0-9_/.-]*[A-Za-z0-9_]/.exec(message);
  if (path) return path[0];
  const quoted = /`([^`\s]{3,120})`/.exec(message);
  return quoted ? quoted[1]! : null;
}

/**
 * `400 too_many_report_groups`: a day has usage in more groups than the report can return. One line
 * naming the day and the endpoint the API's message names; only the window fails, the run goes on.
 */
export function tooManyGroupsError(err: ApiError, path: string, day: string): ApiError {
  const apiMessage = err.apiMessage ?? err.message;
  const rid = err.requestId ? ` [request-id ${err.requestId}]` : '';
  const instead = namedEndpoint(apiMessage);
  return new ApiError(
    `The Admin API cannot report ${day} from ${path}: that day has usage in more groups than one report can return (400 ${ERROR_CODES.tooManyGroups})${rid}: ` +
      `the window is left failed and the run goes on; ${instead ? `the API says to read it from ${instead}` : `the API's message: ${apiMessage}`}`,
    { status: 400, kind: err.kind, requestId: err.requestId, errorCode: ERROR_CODES.tooManyGroups, retryable: false, fatal: false },
  );
}
