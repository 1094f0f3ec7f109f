/**
 * Errors raised by the Admin API source.
 *
 * Two flags tell the runner what to do with a failure:
 * - `fatal`: the same failure would hit every window of the run (wrong key, missing permission,
 *   bad base URL, a request the API rejects as malformed, an unreachable host), so the run stops.
 *   Fatal: ConfigError; ApiError for 400, 401, 403, 404 and for "could not be reached".
 * - `retryable`: the failure was transient (rate limit or server/transport fault that outlasted the
 *   per-request retries), so the window may be tried again by a later run or a window-level retry.
 *   Everything else fails only the window it happened in.
 */

import { AppError, EXIT, HTTP, type ExitCode } from '../util/errors.js';

export type ApiErrorKind =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout'
  | 'connection_reset'
  | 'unreachable'
  | 'invalid_json'
  | (string & {});

export abstract class SourceError extends AppError {
  abstract readonly retryable: boolean;
  abstract readonly fatal: boolean;
  /**
   * Not the configuration's fault, but every other window of the run would meet it too (the API
   * asked to wait past the retry budget): the run stops, its remaining windows are recorded failed
   * for `retry`, and the exit code is 1.
   */
  get stopsRun(): boolean {
    return false;
  }
  /** A fatal failure is the configuration's to fix (exit 2); any other failed the job that ran (exit 1). */
  get exitCode(): ExitCode {
    return this.fatal ? EXIT.usage : EXIT.failed;
  }
  readonly httpStatus: number = HTTP.badGateway;
}

/** Bad base URL or key; detected before anything is sent. */
export class ConfigError extends SourceError {
  readonly retryable = false;
  readonly fatal = true;
  override name = 'ConfigError';
}

/** Statuses whose cause is the run's configuration or code, not the window. */
const FATAL_STATUSES = new Set([400, 401, 403, 404]);

/**
 * `error.details.error_code`s of a 400 whose cause is the data of one window (a page or a day too big
 * to answer), or the feature not being offered to the organization: neither is the run's
 * configuration, so they fail (or skip) only what they concern and the run goes on.
 */
export const ERROR_CODES = {
  pageTooLarge: 'report_page_too_large',
  tooManyGroups: 'too_many_report_groups',
  notEligible: 'organization_not_eligible',
  typeNotSupported: 'organization_type_not_supported',
} as const;
const NOT_FATAL_CODES = new Set<string>(Object.values(ERROR_CODES));

export interface ApiErrorInit {
  /** HTTP status, or 0 when no response arrived (timeout, reset, unreachable). */
  status: number;
  kind: ApiErrorKind;
  requestId?: string;
  /** `error.details.error_code` of the answer, where the API names the cause. */
  errorCode?: string;
  /** The API's own `error.message` (one line), where it sent one. */
  apiMessage?: string;
  retryable: boolean;
  /** Overrides the status-derived default (used for "could not be reached"). */
  fatal?: boolean;
  /** See SourceError.stopsRun. */
  stopsRun?: boolean;
}

/** The API (or the path to it) failed the request. `message` is one line: what happened, how to fix it. */
export class ApiError extends SourceError {
  override name = 'ApiError';
  readonly status: number;
  readonly kind: ApiErrorKind;
  readonly requestId: string | undefined;
  readonly errorCode: string | undefined;
  readonly apiMessage: string | undefined;
  readonly retryable: boolean;
  readonly fatal: boolean;
  private readonly stops: boolean;

  override get stopsRun(): boolean {
    return this.stops;
  }

  constructor(message: string, init: ApiErrorInit) {
    super(message);
    this.stops = init.stopsRun ?? false;
    this.status = init.status;
    this.kind = init.kind;
    this.requestId = init.requestId;
    this.errorCode = init.errorCode;
    this.apiMessage = init.apiMessage;
    this.retryable = init.retryable;
    this.fatal = init.fatal ?? (FATAL_STATUSES.has(init.status) && !(init.errorCode !== undefined && NOT_FATAL_CODES.has(init.errorCode)));
  }
}

/**
 * 410 from a paginated endpoint: the `page` cursor expired. The paginator restarts the window from
 * page 1; it only escapes when restarts keep failing.
 */
export class CursorExpiredError extends SourceError {
  override name = 'CursorExpiredError';
  readonly retryable = true;
  readonly fatal = false;
  constructor(
    readonly path: string,
    readonly requestId?: string,
  ) {
    super(`The Admin API expired the page cursor for ${path} (410)${requestId ? ` [request-id ${requestId}]` : ''}: the window is read again from page 1`);
  }
}

/**
 * A 200 whose body does not have the documented shape. Kept distinct from an empty result so a
 * changed or broken response can never be recorded as "no spend".
 */
export class ResponseShapeError extends SourceError {
  override name = 'ResponseShapeError';
  readonly retryable = false;
  readonly fatal = false;
  constructor(
    readonly endpoint: string,
    readonly issuePath: string,
    readonly detail: string,
    /** The answer's request-id (header, else body), named in the line so the API's support can find it. */
    readonly requestId?: string,
  ) {
    super(
      `The Admin API answered ${endpoint} with an unexpected response body (${issuePath ? `at ${issuePath}: ` : ''}${detail})` +
        `${requestId ? ` [request-id ${requestId}]` : ''}; nothing was recorded for this window, because a malformed answer is not "no spend"`,
    );
  }
}

/**
 * Runs `read` over one answer: a ResponseShapeError it throws is thrown again naming the answer's
 * request-id (where the answer had one), since the code that checks a body does not see its headers.
 */
export function withRequestId<T>(requestId: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw shapeErrorWithId(err, requestId);
  }
}

/** `err` naming `requestId`, when it is a ResponseShapeError that names none yet; else `err` as it is. */
export function shapeErrorWithId(err: unknown, requestId: string | undefined): unknown {
  if (!(err instanceof ResponseShapeError) || !requestId || err.requestId) return err;
  return new ResponseShapeError(err.endpoint, err.issuePath, err.detail, requestId);
}
