/**
 * One HTTP attempt against the Admin API: build the URL, send the request, classify what came back
 * (an open 2xx body, an error status, or a network fault), and hold the per-request deadline. Uses
 * the global fetch: its AbortSignal covers the body read as well as the headers, so a stalled or
 * cut-off body is a timeout or reset, never a hang. Whether to try again is retry-policy.ts's call.
 */
import { ApiError, ConfigError } from './errors.js';
import { oneLine } from '../util/one-line.js';
import type { QueryParams } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';
export const USER_AGENT = 'claude-ingest';

/** A failed attempt, as the retry policy sees it. */
export type Failure =
  | { kind: 'http'; status: number; headers: Headers; requestId?: string; errorType?: string; errorMessage?: string; errorCode?: string }
  | { kind: 'transport'; code: 'timeout' | 'connection_reset' | 'unreachable' | 'invalid_json'; detail: string; requestId?: string }
  | { kind: 'tls'; detail: string };

export type HttpFailure = Extract<Failure, { kind: 'http' }>;

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
const TIMEOUT = Symbol('timeout');

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

/** The headers every request carries; `anthropic-beta` only when betas are configured. */
export function requestHeaders(key: string, betas: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = {
    'x-api-key': key,
    'anthropic-version': ANTHROPIC_VERSION,
    'user-agent': USER_AGENT,
    accept: 'application/json',
  };
  const names = betas.map((b) => b.trim()).filter(Boolean);
  if (names.length) headers['anthropic-beta'] = names.join(',');
  return headers;
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

/**
 * `{"type":"error","error":{"type","message","details":{"error_code"}},"request_id"}`, tolerating HTML
 * and empty bodies from proxies. `details.error_code` names the cause where the API has one (e.g.
 * report_page_too_large); the body's `request_id` stands in when a proxy dropped the header.
 */
export function parseErrorBody(text: string): { errorType?: string; errorMessage?: string; errorCode?: string; requestId?: string } {
  try {
    const body = JSON.parse(text) as { error?: { type?: unknown; message?: unknown; details?: { error_code?: unknown } | null }; request_id?: unknown };
    const type = typeof body?.error?.type === 'string' ? body.error.type : undefined;
    const message = typeof body?.error?.message === 'string' ? oneLine(body.error.message) : undefined;
    const code = body?.error?.details?.error_code;
    const errorCode = typeof code === 'string' && /^[a-z0-9_]{1,80}$/i.test(code) ? code : undefined;
    const requestId = typeof body?.request_id === 'string' ? oneLine(body.request_id, 120) : undefined;
    return { ...(type ? { errorType: type } : {}), ...(message ? { errorMessage: message } : {}), ...(errorCode ? { errorCode } : {}), ...(requestId ? { requestId } : {}) };
  } catch {
    return {};
  }
}

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

export interface TransportOptions {
  baseUrl: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Removes the key from text that may quote a header. */
  scrub(text: string): string;
}

/** A 2xx whose body is read chunk by chunk under the attempt's deadline. */
export class OpenBody {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private finished = false;

  constructor(
    res: Response,
    readonly requestId: string | undefined,
    private readonly status: number,
    private readonly attempt: Attempt,
  ) {
    this.reader = res.body?.getReader();
  }

  /** The next chunk, null once the body is complete, or the failure that cut it off. */
  async read(): Promise<Uint8Array | null | Failure> {
    if (!this.reader) return null;
    try {
      const chunk = await this.reader.read();
      return chunk.done ? null : chunk.value;
    } catch (err) {
      return this.attempt.classify(err, this.requestId);
    }
  }

  invalidJson(): Failure {
    return { kind: 'transport', code: 'invalid_json', detail: `a ${this.status} with a body that is not valid JSON`, requestId: this.requestId };
  }

  /** Stops the clock while the caller works on what was read (slow warehouse writes are not network time). */
  pause(): void {
    this.attempt.deadline.pause();
  }

  resume(): void {
    this.attempt.deadline.resume();
  }

  /** The body was read to the end and used. */
  finish(): void {
    this.finished = true;
    this.attempt.deadline.clear();
  }

  /** Ends the attempt; a body abandoned midway is cancelled so the socket is not left half-read. */
  async close(): Promise<void> {
    this.attempt.deadline.clear();
    if (!this.finished) await this.reader?.cancel().catch(() => undefined);
  }
}

/** One request's abort controller and deadline, and how its faults read. */
class Attempt {
  readonly controller = new AbortController();
  readonly deadline: Deadline;

  constructor(private readonly opts: TransportOptions) {
    this.deadline = new Deadline(opts.timeoutMs, () => this.controller.abort(TIMEOUT));
  }

  /** A fetch or body-read failure as a Failure; throws for failures no retry can fix. */
  classify(err: unknown, requestId: string | undefined): Exclude<Failure, { kind: 'http' }> {
    const { signal } = this.controller;
    if (signal.aborted && signal.reason === TIMEOUT) {
      return { kind: 'transport', code: 'timeout', detail: `no complete answer within ${formatMs(this.opts.timeoutMs)}`, requestId };
    }
    const { baseUrl } = this.opts;
    // fetch refuses ports browsers block (e.g. 9, 6000) before connecting; retrying cannot help.
    if ((err as { cause?: { message?: unknown } } | null)?.cause?.message === 'bad port') {
      throw new ConfigError(`fetch refuses to connect to ${baseUrl.origin}: port ${baseUrl.port} is one browsers block; set ANTHROPIC_BASE_URL to the API's usual port or another local port`);
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
    throw new ApiError(this.opts.scrub(`A request to the Admin API could not be sent (${oneLine(message, 200)}): check ANTHROPIC_BASE_URL and the configured betas`), {
      status: 0,
      kind: 'client_error',
      retryable: false,
      fatal: true,
    });
  }
}

/**
 * Sends the request and waits for the headers, with the per-request deadline running from here. A
 * 2xx comes back as an OpenBody (the caller must close() it); any other status is read whole (error
 * bodies are small) and returned, like a network fault, as a Failure.
 */
export async function openRequest(opts: TransportOptions, url: string): Promise<OpenBody | Failure> {
  const attempt = new Attempt(opts);
  let requestId: string | undefined;
  try {
    // redirect 'manual': following a redirect would forward x-api-key to wherever it points.
    const res = await fetch(url, { headers: opts.headers, signal: attempt.controller.signal, redirect: 'manual' });
    requestId = res.headers.get('request-id') ?? undefined;
    if (res.status >= 200 && res.status < 300) return new OpenBody(res, requestId, res.status, attempt);
    const text = await res.text();
    attempt.deadline.clear();
    const parsed = parseErrorBody(text);
    // The header is the API's own; the body's request_id only stands in when a proxy dropped it.
    return { kind: 'http', status: res.status, headers: res.headers, ...parsed, requestId: requestId ?? parsed.requestId };
  } catch (err) {
    attempt.deadline.clear();
    return attempt.classify(err, requestId);
  }
}
