/**
 * The Analytics API may not be open to an organization (403, or 400 `organization_not_eligible` /
 * `organization_type_not_supported`, e.g. HIPAA readiness) or not exist where the key points (404).
 * When that is the answer to a window's first request, the stream is unavailable for this
 * organization, not broken: the window is recorded as `unavailable` (not failed), the run warns once
 * and goes on with exit 0, and the next run asks again. Any later failure is an ordinary failed window.
 */
import { ApiError, ERROR_CODES } from '../source/errors.js';
import type { AnalyticsClient } from '../source/pagination/analytics-rows.js';
import { ANALYTICS_BETA } from '../source/endpoints.js';
import type { AdminApiClient } from '../source/http-client.js';

export class StreamUnavailableError extends Error {
  override name = 'StreamUnavailableError';
  constructor(
    readonly stream: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${stream}: the Usage and Cost Analytics API is not available to this organization (${status}: ${detail})`);
  }
}

/** The answers that mean "not offered to this organization", not "broken". */
export function isUnavailableAnswer(err: unknown): err is ApiError {
  if (!(err instanceof ApiError)) return false;
  if (err.status === 403 || err.status === 404) return true;
  return err.status === 400 && (err.errorCode === ERROR_CODES.notEligible || err.errorCode === ERROR_CODES.typeNotSupported);
}

/**
 * The client as the analytics paginator sees it: the beta header on every request, and a 403/404
 * before anything was answered turned into StreamUnavailableError. One instance per window. Pages
 * are streamed, a row at a time (pagination/analytics-rows.ts).
 */
export function analyticsClient(client: AdminApiClient, stream: string): AnalyticsClient {
  let answered = false;
  const unavailable = (err: unknown): unknown =>
    !answered && isUnavailableAnswer(err) ? new StreamUnavailableError(stream, err.status, err.message) : err;
  return {
    async *streamJson(path, query, stats) {
      try {
        for await (const ev of client.streamJson(path, query, stats, { betas: [ANALYTICS_BETA] })) {
          // An error status comes before the first event: anything handed out means the API answered.
          answered = true;
          yield ev;
        }
      } catch (err) {
        throw unavailable(err);
      }
    },
  };
}
