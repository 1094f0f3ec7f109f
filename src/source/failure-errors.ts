/**
 * The one-line ApiError a final failure becomes: what happened (status, API error type and message,
 * request-id) and how to fix it. Every message leaves through scrub(), so the key is never quoted.
 */
import { ApiError, ERROR_CODES, type ApiErrorKind } from './errors.js';
import { formatDuration } from '../util/duration.js';
import { oneLine } from '../util/one-line.js';
import type { Failure, HttpFailure } from './transport.js';

export interface FailureContext {
  /** The configured base URL, named when the fault is the address itself. */
  baseUrl: URL;
  scrub(text: string): string;
}

function rid(requestId: string | undefined): string {
  return requestId ? ` [request-id ${requestId}]` : '';
}

export function tlsError(ctx: FailureContext, detail: string): ApiError {
  return new ApiError(
    ctx.scrub(`The Admin API at ${ctx.baseUrl.origin} failed the TLS handshake (${detail}): check ANTHROPIC_BASE_URL, proxies and NODE_EXTRA_CA_CERTS`),
    { status: 0, kind: 'tls', retryable: false, fatal: true },
  );
}

export function unreachableError(ctx: FailureContext, detail: string): ApiError {
  return new ApiError(ctx.scrub(`The Admin API at ${ctx.baseUrl.origin} could not be reached (${detail}): check ANTHROPIC_BASE_URL and the network`), {
    status: 0,
    kind: 'unreachable',
    retryable: true,
    fatal: true,
  });
}

/**
 * A 429 whose wait (retry-after, the reset header, or the shared pause another worker's 429 set)
 * ends past the retry budget: nobody sleeps that long. It stops the run (every other window would
 * meet the same pause), and `retry` picks the windows up later.
 */
export function rateLimitBudgetError(ctx: FailureContext, path: string, waitMs: number, elapsedMs: number, budgetMs: number, requestId: string | undefined): ApiError {
  const spent = elapsedMs >= 1000 ? ` (${formatDuration(elapsedMs)} of it already spent waiting)` : '';
  return new ApiError(
    ctx.scrub(
      `the API asked to wait ${formatDuration(waitMs)} (429 rate_limit_error on ${path})${rid(requestId)}; the retry budget is ${formatDuration(budgetMs)}${spent}: run \`claude-ingest retry\` later`,
    ),
    { status: 429, kind: 'rate_limit_error', requestId, retryable: true, stopsRun: true },
  );
}

/** A status no retry can change (4xx other than 408/410/429, and redirects). */
export function finalHttpError(ctx: FailureContext, path: string, o: HttpFailure): ApiError {
  const kind: ApiErrorKind = o.errorType ?? `http_${o.status}`;
  const what = `${o.status} ${kind}${o.errorCode ? ` ${o.errorCode}` : ''}${o.errorMessage ? `: ${o.errorMessage}` : ''}`;
  let text: string;
  switch (o.status) {
    case 401:
      text = `The Admin API rejected the key (${what})${rid(o.requestId)}: set ANTHROPIC_ADMIN_KEY to a key the Admin API accepts (an Admin API key sk-ant-admin…, an OAuth token with org:admin, or a service-account key not scoped to a workspace)`;
      break;
    case 403:
      text = `The Admin API refused ${path} (${what})${rid(o.requestId)}: this key may not read it; use one that may (an Admin API key reads every endpoint, a read:analytics key only the Analytics API); some endpoints need an Enterprise plan`;
      break;
    case 404:
      text = `The Admin API has no ${path} (${what})${rid(o.requestId)}: check that ANTHROPIC_BASE_URL is the API origin, e.g. https://api.anthropic.com`;
      break;
    case 400:
      text = badRequestText(path, what, o);
      break;
    default:
      if (o.status >= 300 && o.status < 400) {
        const to = o.headers.get('location');
        text = `The Admin API at ${ctx.baseUrl.origin} redirected ${path} (${o.status})${to ? ` to ${oneLine(to, 200)}` : ''}: set ANTHROPIC_BASE_URL to the final https URL; redirects are not followed so the key is not forwarded`;
        return new ApiError(ctx.scrub(text), { status: o.status, kind: 'redirect', requestId: o.requestId, retryable: false, fatal: true });
      }
      text = `The Admin API refused ${path} (${what})${rid(o.requestId)}`;
  }
  return new ApiError(ctx.scrub(text), {
    status: o.status,
    kind,
    requestId: o.requestId,
    ...(o.errorCode ? { errorCode: o.errorCode } : {}),
    ...(o.errorMessage ? { apiMessage: ctx.scrub(o.errorMessage) } : {}),
    retryable: false,
  });
}

/** A 400's line: the documented error codes get their own remedy, anything else is a request to fix. */
function badRequestText(path: string, what: string, o: HttpFailure): string {
  switch (o.errorCode) {
    case ERROR_CODES.pageTooLarge:
      return `The Admin API refused a page of ${path} as too large (${what})${rid(o.requestId)}: claude-ingest asks again with a lower limit`;
    case ERROR_CODES.tooManyGroups:
      return `The Admin API cannot answer ${path} for this day in one report (${what})${rid(o.requestId)}: the window is left failed; read that day from the endpoint the message names`;
    case ERROR_CODES.notEligible:
    case ERROR_CODES.typeNotSupported:
      return `The Admin API does not offer ${path} to this organization (${what})${rid(o.requestId)}: the stream is skipped`;
    default:
      return `The Admin API rejected the request to ${path} (${what})${rid(o.requestId)}: check the options passed to claude-ingest (e.g. at most 5 group-by dimensions)`;
  }
}

/** A transient fault that outlasted the attempts or the waiting budget: only this window fails. */
export function exhaustedError(ctx: FailureContext, path: string, o: Exclude<Failure, { kind: 'tls' }>, faults: number): ApiError {
  const last =
    o.kind === 'http'
      ? `${o.status} ${o.errorType ?? (o.status === 502 ? 'bad gateway' : 'server error')}${o.errorMessage ? `: ${o.errorMessage}` : ''}`
      : `${o.code}: ${o.detail}`;
  const text = `The Admin API failed ${path} ${faults} time${faults === 1 ? '' : 's'} (last: ${last})${rid(o.requestId)}: the window is left for the next run; if it persists, check status.anthropic.com`;
  const status = o.kind === 'http' ? o.status : 0;
  const kind: ApiErrorKind = o.kind === 'http' ? (o.errorType ?? `http_${o.status}`) : o.code;
  return new ApiError(ctx.scrub(text), { status, kind, requestId: o.requestId, retryable: true, fatal: false });
}
