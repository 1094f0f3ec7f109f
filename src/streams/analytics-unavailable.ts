/**
 * The Analytics API may not be open to an organization (403, or 400 `organization_not_eligible` /
 * `organization_type_not_supported`, e.g. HIPAA readiness) or not exist where the key points (404).
 * When that is the answer to a window's first request, the stream is unavailable for this
 * organization, not broken: the window is recorded as `unavailable` (not failed), the run warns once
 * and goes on with exit 0, and the next run asks again. Any later failure is an ordinary failed window.
 */
import { ApiError, ERROR_CODES } from '../source/errors.js';
import type { JsonGetter } from '../source/pagination/cursor-loop.js';
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
 * before anything was answered turned into StreamUnavailableError. One instance per window.
 */
export function analyticsClient(client: AdminApiClient, stream: string): JsonGetter {
  let answered = false;
  return {
    async getJson(path, query, stats) {
      try {
        const body = await client.getJson(path, query, stats, { betas: [ANALYTICS_BETA] });
        answered = true;
        return body;
      } catch (err) {
        if (!answered && isUnavailableAnswer(err)) {
          throw new StreamUnavailableError(stream, err.status, err.message);
        }
        throw err;
      }
    },
  };
}
