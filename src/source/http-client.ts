/**
 * The one place that talks HTTP to the Admin API: URL building, headers, per-request timeout, and
 * the retry policy (429 through the shared RateGovernor; 5xx/529, resets, timeouts and truncated
 * bodies with backoff; 4xx fail fast). Uses the global fetch: its AbortSignal covers the body read
 * as well as the headers, so a stalled or cut-off body is a timeout or reset, never a hang.
 */
import { checkAdminKey, checkBaseUrl, redactKey } from './base-url.js';
import { DataArrayScanner } from './data-array-scanner.js';
import { ApiError, ConfigError, CursorExpiredError, type ApiErrorKind } from './errors.js';
import { RateGovernor } from './rate-governor.js';
import type { AdminApiConfig, ClientEvent, QueryParams, RequestStats } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';
export const USER_AGENT = 'claude-ingest';
export const DEFAULTS = {
  timeoutMs: 60_000,
  maxAttempts: 8,
  retryBudgetMs: 10 * 60_000,
  maxConcurrency: 4,
  retryBaseMs: 1000,
  retryMaxDelayMs: 60_000,
  /** Connection refused / DNS failures: a wrong URL will not fix itself, so give up quickly. */
  unreachableAttempts: 3,
} as const;

/** Statuses that mean "try again"; everything else non-2xx is final. */
const RETRY_STATUSES = new Set([408, 500, 502, 503, 504, 529]);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED/;

/**
 * Appends query parameters; arrays become repeated `name[]=value` pairs (the caller passes the bare
 * name). Brackets stay literal because that is how the API documents them.
 */
export function buildUrl(base: URL, path: string, query: QueryParams = {}): URL {
  const url = new URL(base.toString());
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const key = `${encodeURIComponent(name.replace(/\[\]$/, ''))}[]`;
      for (const v of value as readonly string[]) parts.push(`${key}=${encodeURIComponent(v)}`);
    } else {
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    }
  }
  url.search = parts.length ? `?${parts.join('&')}` : '';
  return url;
}

/** `retry-after` as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `anthropic-ratelimit-requests-reset` (RFC 3339) as epoch ms. */
export function parseResetHeader(value: string | null): number | undefined {
  if (!value) return undefined;
  const at = Date.parse(value.trim());
  return Number.isNaN(at) ? undefined : at;
}

type Outcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'http'; status: number; headers: Headers; requestId?: string; errorType?: string; errorMessage?: string }
  | { kind: 'transport'; code: 'timeout' | 'connection_reset' | 'unreachable' | 'invalid_json'; detail: string; requestId?: string }
  | { kind: 'tls'; detail: string };

/** A 2xx whose body has not been read yet. */
interface Opened {
  kind: 'open';
  res: Response;
  requestId: string | undefined;
}

interface RetryState {
  started: number;
  attempt: number;
  faults: number;
  unreachable: number;
}

/** What streamJson hands out: `data` elements as they arrive, a restart after a retried body, then the rest. */
export type JsonStreamEvent = { type: 'item'; value: unknown } | { type: 'restart' } | { type: 'end'; envelope: unknown };

const TIMEOUT = Symbol('timeout');

/** The per-request timeout as a budget that can be paused while the caller works on a streamed item. */
class Deadline {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = 0;
  private remaining: number;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
    this.resume();
  }

  pause(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining = Math.max(0, this.remaining - (performance.now() - this.armedAt));
  }

  resume(): void {
    if (this.timer !== undefined) return;
    this.armedAt = performance.now();
    this.timer = setTimeout(this.onExpire, this.remaining);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function invalidJson(opened: Opened): Exclude<Outcome, { kind: 'ok' }> {
  return { kind: 'transport', code: 'invalid_json', detail: `a ${opened.res.status} with a body that is not valid JSON`, requestId: opened.requestId };
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function oneLine(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** "300 ms" or "60 s": a sub-second timeout must not read "within 0 s". */
function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

/** Error codes anywhere in a fetch error's cause chain (including AggregateError members). */
function errorCodes(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 5) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const codes = typeof e.code === 'string' ? [e.code] : [];
  if (Array.isArray(e.errors)) for (const sub of e.errors) codes.push(...errorCodes(sub, depth + 1));
  return codes.concat(errorCodes(e.cause, depth + 1));
}

export class AdminApiClient {
  readonly baseUrl: URL;
  readonly governor: RateGovernor;
  private readonly key: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly budgetMs: number;
  private readonly baseMs: number;
  private readonly maxDelayMs: number;
  private readonly onEvent: ((e: ClientEvent) => void) | undefined;

  constructor(config: AdminApiConfig, governor?: RateGovernor) {
    // Both checks run before anything touches the network (no DNS lookup, no socket).
    this.baseUrl = checkBaseUrl(config.baseUrl);
    this.key = checkAdminKey(config.apiKey);
    this.timeoutMs = config.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxAttempts = Math.max(1, config.maxAttempts ?? DEFAULTS.maxAttempts);
    this.budgetMs = config.retryBudgetMs ?? DEFAULTS.retryBudgetMs;
    this.baseMs = config.retryBaseMs ?? DEFAULTS.retryBaseMs;
    this.maxDelayMs = config.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs;
    this.onEvent = config.onEvent;
    this.governor =
      governor ??
      new RateGovernor({
        maxConcurrency: config.maxConcurrency ?? DEFAULTS.maxConcurrency,
        baseBackoffMs: this.baseMs,
        maxBackoffMs: this.maxDelayMs,
      });
    this.headers = {
      'x-api-key': this.key,
      'anthropic-version': ANTHROPIC_VERSION,
      'user-agent': USER_AGENT,
      accept: 'application/json',
    };
    const betas = (config.betas ?? []).map((b) => b.trim()).filter(Boolean);
    if (betas.length) this.headers['anthropic-beta'] = betas.join(',');
  }

  buildUrl(path: string, query: QueryParams = {}): URL {
    return buildUrl(this.baseUrl, path, query);
  }

  /** GET `path` and return the parsed JSON body of a 2xx, retrying transient failures. */
  async getJson(path: string, query: QueryParams = {}, stats?: RequestStats): Promise<unknown> {
    const url = this.buildUrl(path, query).toString();
    const retry = this.newRetryState();
    for (;;) {
      const { release, sentAt } = await this.begin(path, retry, stats);
      let outcome: Outcome;
      try {
        outcome = await this.once(url);
      } finally {
        release();
      }
      if (outcome.kind === 'ok') {
        this.governor.onSuccess();
        return outcome.body;
      }
      await this.afterFailure(path, outcome, retry, sentAt, stats);
    }
  }

  /**
   * GET a paged body `{data:[…], …}` and hand out the elements of `data` one at a time while the
   * body is still arriving (see DataArrayScanner), then the rest of the body as `end.envelope` (with
   * `data` emptied). Same retry policy as getJson. A failure after some items were handed out (reset,
   * timeout, invalid JSON) retries the whole request: the generator then yields `restart` and starts
   * the items again from the first, so the caller must drop the ones it already has (pagination does,
   * by bucket start). The per-request timeout only counts time spent waiting for the network, not the
   * time the caller spends on an item, so slow warehouse writes cannot time a healthy response out.
   */
  async *streamJson(path: string, query: QueryParams = {}, stats?: RequestStats): AsyncGenerator<JsonStreamEvent, void, undefined> {
    const url = this.buildUrl(path, query).toString();
    const retry = this.newRetryState();
    let handedOut = false;
    for (;;) {
      const { release, sentAt } = await this.begin(path, retry, stats);
      let released = false;
      const releaseOnce = () => {
        if (!released) {
          released = true;
          release();
        }
      };
      const controller = new AbortController();
      const deadline = new Deadline(this.timeoutMs, () => controller.abort(TIMEOUT));
      let outcome: Exclude<Outcome, { kind: 'ok' }> | undefined;
      let completed = false;
      try {
        const opened = await this.open(url, controller);
        if (opened.kind !== 'open') {
          outcome = opened;
        } else {
          if (handedOut) yield { type: 'restart' };
          const reader = opened.res.body?.getReader();
          const scanner = new DataArrayScanner();
          try {
            for (;;) {
              let chunk: ReadableStreamReadResult<Uint8Array>;
              try {
                chunk = reader ? await reader.read() : { done: true, value: undefined };
              } catch (err) {
                outcome = this.classify(err, controller, opened.requestId);
                break;
              }
              if (chunk.done) break;
              let texts: string[];
              try {
                texts = scanner.push(chunk.value);
              } catch {
                outcome = invalidJson(opened);
                break;
              }
              for (const text of texts) {
                let value: unknown;
                try {
                  value = JSON.parse(text);
                } catch {
                  outcome = invalidJson(opened);
                  break;
                }
                handedOut = true;
                deadline.pause();
                yield { type: 'item', value };
                deadline.resume();
              }
              if (outcome) break;
            }
            if (!outcome) {
              let end: ReturnType<DataArrayScanner['end']> | undefined;
              try {
                end = scanner.end();
              } catch {
                outcome = invalidJson(opened);
              }
              if (end) {
                completed = true;
                deadline.clear();
                releaseOnce();
                this.governor.onSuccess();
                yield { type: 'end', envelope: end.envelope };
                return;
              }
            }
          } finally {
            // Abandoned (caller stopped, or we retry): cancel the body so the socket is not left half-read.
            if (!completed) await reader?.cancel().catch(() => undefined);
          }
        }
      } finally {
        deadline.clear();
        releaseOnce();
      }
      await this.afterFailure(path, outcome!, retry, sentAt, stats);
    }
  }

  private newRetryState(): RetryState {
    return { started: this.governor.clock(), attempt: 0, faults: 0, unreachable: 0 };
  }

  /** Takes a concurrency slot (sitting out any shared 429 pause) and counts the request. */
  private async begin(path: string, retry: RetryState, stats?: RequestStats): Promise<{ release: () => void; sentAt: number }> {
    retry.attempt++;
    const release = await this.governor.acquire();
    const sentAt = this.governor.clock();
    if (stats) stats.requests++;
    this.emit({ type: 'request', path });
    return { release, sentAt };
  }

  /** Decides what a failed attempt means: throws when it is final, otherwise waits as the policy says. */
  private async afterFailure(path: string, outcome: Exclude<Outcome, { kind: 'ok' }>, retry: RetryState, sentAt: number, stats?: RequestStats): Promise<void> {
    if (outcome.kind === 'tls') {
      throw new ApiError(
        this.scrub(`The Admin API at ${this.baseUrl.origin} failed the TLS handshake (${outcome.detail}): check ANTHROPIC_BASE_URL, proxies and NODE_EXTRA_CA_CERTS`),
        { status: 0, kind: 'tls', retryable: false, fatal: true },
      );
    }
    const elapsed = () => this.governor.clock() - retry.started;

    if (outcome.kind === 'http' && outcome.status === 429) {
      if (stats) stats.rateLimited++;
      const now = this.governor.clock();
      const waitMs = this.governor.onRateLimited({
        retryAfterMs: parseRetryAfter(outcome.headers.get('retry-after'), now),
        resetAt: parseResetHeader(outcome.headers.get('anthropic-ratelimit-requests-reset')),
        sentAt,
      });
      if (elapsed() + waitMs > this.budgetMs) {
        throw new ApiError(
          this.scrub(
            `The Admin API kept rate-limiting ${path} (429 rate_limit_error) for ${Math.round(elapsed() / 1000)} s, past the retry budget of ${Math.round(this.budgetMs / 1000)} s${rid(outcome.requestId)}: lower the concurrency or run again later`,
          ),
          { status: 429, kind: 'rate_limit_error', requestId: outcome.requestId, retryable: true },
        );
      }
      if (stats) stats.retries++;
      this.emit({ type: 'rate_limited', path, waitMs, requestId: outcome.requestId });
      return; // the next acquire() sits out the shared pause
    }

    if (outcome.kind === 'http') {
      if (outcome.status === 410) throw new CursorExpiredError(path, outcome.requestId);
      if (!RETRY_STATUSES.has(outcome.status) && outcome.status < 500) throw this.finalHttpError(path, outcome);
    }

    let waitMs: number;
    if (outcome.kind === 'transport' && outcome.code === 'unreachable') {
      retry.unreachable++;
      if (retry.unreachable >= DEFAULTS.unreachableAttempts) {
        throw new ApiError(
          this.scrub(`The Admin API at ${this.baseUrl.origin} could not be reached (${outcome.detail}): check ANTHROPIC_BASE_URL and the network`),
          { status: 0, kind: 'unreachable', retryable: true, fatal: true },
        );
      }
      waitMs = this.backoff(retry.unreachable, Math.min(this.baseMs, 500));
    } else {
      retry.faults++;
      waitMs = this.backoff(retry.faults, this.baseMs);
      if (retry.faults >= this.maxAttempts || elapsed() + waitMs > this.budgetMs) {
        throw this.exhaustedError(path, outcome, retry.faults);
      }
    }
    if (stats) stats.retries++;
    this.emit({
      type: 'retry',
      path,
      status: outcome.kind === 'http' ? outcome.status : outcome.code,
      attempt: retry.attempt,
      waitMs,
      requestId: outcome.requestId,
    });
    await sleep(waitMs);
  }

  /** One request, with its own timeout covering headers and body. */
  private async once(url: string): Promise<Outcome> {
    const controller = new AbortController();
    const deadline = new Deadline(this.timeoutMs, () => controller.abort(TIMEOUT));
    try {
      const opened = await this.open(url, controller);
      if (opened.kind !== 'open') return opened;
      let text: string;
      try {
        text = await opened.res.text();
      } catch (err) {
        return this.classify(err, controller, opened.requestId);
      }
      try {
        return { kind: 'ok', body: JSON.parse(text) as unknown };
      } catch {
        return invalidJson(opened);
      }
    } finally {
      deadline.clear();
    }
  }

  /**
   * Sends the request and waits for the headers. A 2xx comes back open, its body unread; any other
   * status is read whole (error bodies are small) and returned as an `http` outcome.
   */
  private async open(url: string, controller: AbortController): Promise<Opened | Exclude<Outcome, { kind: 'ok' }>> {
    let requestId: string | undefined;
    try {
      // redirect 'manual': following a redirect would forward x-api-key to wherever it points.
      const res = await fetch(url, { headers: this.headers, signal: controller.signal, redirect: 'manual' });
      requestId = res.headers.get('request-id') ?? undefined;
      if (res.status >= 200 && res.status < 300) return { kind: 'open', res, requestId };
      const text = await res.text();
      return { kind: 'http', status: res.status, headers: res.headers, requestId, ...parseErrorBody(text) };
    } catch (err) {
      return this.classify(err, controller, requestId);
    }
  }

  /** A fetch or body-read failure as an outcome; throws for failures no retry can fix. */
  private classify(err: unknown, controller: AbortController, requestId: string | undefined): Exclude<Outcome, { kind: 'ok' | 'http' }> {
    if (controller.signal.aborted && controller.signal.reason === TIMEOUT) {
      return { kind: 'transport', code: 'timeout', detail: `no complete answer within ${formatMs(this.timeoutMs)}`, requestId };
    }
    // fetch refuses ports browsers block (e.g. 9, 6000) before connecting; retrying cannot help.
    if ((err as { cause?: { message?: unknown } } | null)?.cause?.message === 'bad port') {
      throw new ConfigError(`fetch refuses to connect to ${this.baseUrl.origin}: port ${this.baseUrl.port} is one browsers block; set ANTHROPIC_BASE_URL to the API's usual port or another local port`);
    }
    const codes = errorCodes(err);
    const unreachableCode = codes.find((c) => UNREACHABLE_CODES.has(c));
    if (unreachableCode) return { kind: 'transport', code: 'unreachable', detail: unreachableCode, requestId };
    const tls = codes.find((c) => TLS_CODE.test(c));
    if (tls) return { kind: 'tls', detail: tls };
    const reset = codes.find((c) => RESET_CODES.has(c));
    const message = err instanceof Error ? err.message : String(err);
    if (reset || message === 'terminated' || message === 'fetch failed') {
      return { kind: 'transport', code: 'connection_reset', detail: reset ?? message, requestId };
    }
    // Not a network fault (e.g. an invalid header value): retrying cannot help, and the raw error
    // text may quote a header, so it only leaves through scrub().
    throw new ApiError(this.scrub(`A request to the Admin API could not be sent (${oneLine(message, 200)}): check ANTHROPIC_BASE_URL and the configured betas`), {
      status: 0,
      kind: 'client_error',
      retryable: false,
      fatal: true,
    });
  }

  private backoff(n: number, base: number): number {
    const step = Math.min(this.maxDelayMs, base * 2 ** (n - 1));
    return Math.round(step / 2 + Math.random() * (step / 2));
  }

  private finalHttpError(path: string, o: Extract<Outcome, { kind: 'http' }>): ApiError {
    const kind: ApiErrorKind = o.errorType ?? `http_${o.status}`;
    const what = `${o.status} ${kind}${o.errorMessage ? `: ${o.errorMessage}` : ''}`;
    let text: string;
    switch (o.status) {
      case 401:
        text = `The Admin API rejected the key (${what})${rid(o.requestId)}: set ANTHROPIC_ADMIN_KEY to an admin key (sk-ant-admin…)`;
        break;
      case 403:
        text = `The Admin API refused ${path} (${what})${rid(o.requestId)}: use an Admin API key (sk-ant-admin…) of an organization admin; some endpoints need an Enterprise plan`;
        break;
      case 404:
        text = `The Admin API has no ${path} (${what})${rid(o.requestId)}: check that ANTHROPIC_BASE_URL is the API origin, e.g. https://api.anthropic.com`;
        break;
      case 400:
        text = `The Admin API rejected the request to ${path} (${what})${rid(o.requestId)}: check the options passed to claude-ingest (e.g. at most 5 group-by dimensions)`;
        break;
      default:
        if (o.status >= 300 && o.status < 400) {
          const to = o.headers.get('location');
          text = `The Admin API at ${this.baseUrl.origin} redirected ${path} (${o.status})${to ? ` to ${oneLine(to, 200)}` : ''}: set ANTHROPIC_BASE_URL to the final https URL; redirects are not followed so the key is not forwarded`;
          return new ApiError(this.scrub(text), { status: o.status, kind: 'redirect', requestId: o.requestId, retryable: false, fatal: true });
        }
        text = `The Admin API refused ${path} (${what})${rid(o.requestId)}`;
    }
    return new ApiError(this.scrub(text), { status: o.status, kind, requestId: o.requestId, retryable: false });
  }

  private exhaustedError(path: string, o: Exclude<Outcome, { kind: 'ok' | 'tls' }>, faults: number): ApiError {
    const last =
      o.kind === 'http'
        ? `${o.status} ${o.errorType ?? (o.status === 502 ? 'bad gateway' : 'server error')}${o.errorMessage ? `: ${o.errorMessage}` : ''}`
        : `${o.code}: ${o.detail}`;
    const text = `The Admin API failed ${path} ${faults} time${faults === 1 ? '' : 's'} (last: ${last})${rid(o.requestId)}: the window is left for the next run; if it persists, check status.anthropic.com`;
    const status = o.kind === 'http' ? o.status : 0;
    const kind: ApiErrorKind = o.kind === 'http' ? (o.errorType ?? `http_${o.status}`) : o.code;
    return new ApiError(this.scrub(text), { status, kind, requestId: o.requestId, retryable: true, fatal: false });
  }

  private emit(e: ClientEvent): void {
    try {
      this.onEvent?.(e);
    } catch {
      // A broken progress display must not fail the ingest.
    }
  }

  private scrub(text: string): string {
    return redactKey(text, this.key);
  }
}

function rid(requestId: string | undefined): string {
  return requestId ? ` [request-id ${requestId}]` : '';
}

/** `{"type":"error","error":{"type","message"}}`, tolerating HTML and empty bodies from proxies. */
function parseErrorBody(text: string): { errorType?: string; errorMessage?: string } {
  try {
    const body = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    const type = typeof body?.error?.type === 'string' ? body.error.type : undefined;
    const message = typeof body?.error?.message === 'string' ? oneLine(body.error.message) : undefined;
    return { ...(type ? { errorType: type } : {}), ...(message ? { errorMessage: message } : {}) };
  } catch {
    return {};
  }
}
