/**
 * The client the streams use: configuration, and the one request loop that runs every GET through
 * the transport (transport.ts) and the retry policy (retry-policy.ts). streamJson hands out a paged
 * body's `data` elements while it arrives; getJson is the same loop with a whole-body decoder,
 * collected to its end.
 */
import { checkAdminKey, checkBaseUrl, redactKey } from './base-url.js';
import { dataArrayItems, wholeBody, type BodyDecoder } from './body-decoders.js';
import { OversizeStringError } from './data-array-scanner.js';
import { ResponseShapeError } from './errors.js';
import { RateGovernor } from './rate-governor.js';
import { RetryRun, type RetryOptions } from './retry-policy.js';
import { OpenBody, buildUrl, openRequest, requestHeaders, type Failure, type TransportOptions } from './transport.js';
import type { AdminApiConfig, ClientEvent, QueryParams, RequestStats } from './types.js';

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

/** Per-request settings. */
export interface RequestOptions {
  /** anthropic-beta names added to the configured ones for this request. */
  betas?: readonly string[];
}

/** The configured headers with further beta names appended (each name once). */
function withBetas(headers: Record<string, string>, betas: readonly string[]): Record<string, string> {
  const names = new Set((headers['anthropic-beta'] ?? '').split(',').map((b) => b.trim()).filter(Boolean));
  for (const b of betas) names.add(b);
  return { ...headers, 'anthropic-beta': [...names].join(',') };
}

/** What streamJson hands out: `data` elements as they arrive, a restart after a retried body, then the rest. */
export type JsonStreamEvent =
  | { type: 'item'; value: unknown; requestId?: string }
  | { type: 'restart' }
  | { type: 'end'; envelope: unknown; requestId?: string };

/** The request-id of each body getJson returned (bodies are objects; the id stays out of their fields). */
const answerIds = new WeakMap<object, string>();

/** The request-id of the answer `body` came from (a body returned by getJson), if it had one. */
export function requestIdOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? answerIds.get(body) : undefined;
}

export class AdminApiClient {
  readonly baseUrl: URL;
  readonly governor: RateGovernor;
  private readonly transport: TransportOptions;
  private readonly retry: RetryOptions;

  constructor(config: AdminApiConfig, governor?: RateGovernor) {
    // Both checks run before anything touches the network (no DNS lookup, no socket).
    this.baseUrl = checkBaseUrl(config.baseUrl);
    const key = checkAdminKey(config.apiKey);
    const scrub = (text: string) => redactKey(text, key);
    const baseMs = config.retryBaseMs ?? DEFAULTS.retryBaseMs;
    const maxDelayMs = config.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs;
    this.governor =
      governor ??
      new RateGovernor({ maxConcurrency: config.maxConcurrency ?? DEFAULTS.maxConcurrency, baseBackoffMs: baseMs, maxBackoffMs: maxDelayMs });
    this.transport = { baseUrl: this.baseUrl, headers: requestHeaders(key, config.betas), timeoutMs: config.timeoutMs ?? DEFAULTS.timeoutMs, scrub };
    const onEvent = config.onEvent;
    this.retry = {
      baseUrl: this.baseUrl,
      scrub,
      maxAttempts: Math.max(1, config.maxAttempts ?? DEFAULTS.maxAttempts),
      budgetMs: config.retryBudgetMs ?? DEFAULTS.retryBudgetMs,
      baseMs,
      maxDelayMs,
      unreachableAttempts: DEFAULTS.unreachableAttempts,
      governor: this.governor,
      emit: (e: ClientEvent) => {
        try {
          onEvent?.(e);
        } catch {
          // A broken progress display must not fail the ingest.
        }
      },
    };
  }

  /**
   * GET `path` and return the parsed JSON body of a 2xx, retrying transient failures. `betas` adds
   * anthropic-beta names for this request only (the analytics endpoints require theirs).
   */
  async getJson(path: string, query: QueryParams = {}, stats?: RequestStats, options: RequestOptions = {}): Promise<unknown> {
    let body: unknown;
    let requestId: string | undefined;
    for await (const ev of this.request(path, query, stats, wholeBody, options)) {
      if (ev.type === 'end') ({ envelope: body, requestId } = ev);
    }
    if (requestId && typeof body === 'object' && body !== null) answerIds.set(body, requestId);
    // A body that is not an object cannot carry its id; it is refused here, with the id, rather than by a schema without it.
    if (typeof body !== 'object' || body === null) throw new ResponseShapeError(path, '(body)', `expected a JSON object, got ${body === null ? 'null' : typeof body}`, requestId);
    return body;
  }

  /**
   * GET a paged body `{data:[…], …}` and hand out the elements of `data` one at a time while the
   * body is still arriving (see DataArrayScanner), then the rest of the body as `end.envelope` (with
   * `data` emptied). A failure after some items were handed out (reset, timeout, invalid JSON)
   * retries the whole request: the generator then yields `restart` and starts the items again from
   * the first, so the caller must drop the ones it already has (pagination does, by bucket start or
   * row key). `betas` as for getJson.
   */
  streamJson(path: string, query: QueryParams = {}, stats?: RequestStats, options: RequestOptions = {}): AsyncGenerator<JsonStreamEvent, void, undefined> {
    return this.request(path, query, stats, dataArrayItems, options);
  }

  /**
   * The request loop: take a slot, send, decode the body as it arrives, and on a failure let the
   * retry policy throw or wait before the next attempt. The per-request timeout only counts time
   * spent waiting for the network, not the time the caller spends on an item, so slow warehouse
   * writes cannot time a healthy response out.
   */
  private async *request(
    path: string,
    query: QueryParams,
    stats: RequestStats | undefined,
    decoder: () => BodyDecoder,
    options: RequestOptions = {},
  ): AsyncGenerator<JsonStreamEvent, void, undefined> {
    const url = buildUrl(this.baseUrl, path, query).toString();
    const transport = options.betas?.length ? { ...this.transport, headers: withBetas(this.transport.headers, options.betas) } : this.transport;
    const run = new RetryRun(this.retry, path, stats);
    let handedOut = false;
    for (;;) {
      const { release, sentAt } = await run.begin();
      let failure: Failure | undefined;
      let body: OpenBody | undefined;
      try {
        const opened = await openRequest(transport, url);
        if (!(opened instanceof OpenBody)) {
          failure = opened;
        } else {
          body = opened;
          if (handedOut) yield { type: 'restart' };
          const dec = decoder();
          read: for (;;) {
            const chunk = await body.read();
            if (chunk === null) break;
            if (!(chunk instanceof Uint8Array)) {
              failure = chunk;
              break;
            }
            let texts: string[];
            try {
              texts = dec.push(chunk);
            } catch (err) {
              if (err instanceof OversizeStringError) throw new ResponseShapeError(path, err.where, err.message, body.requestId);
              failure = body.invalidJson();
              break;
            }
            for (const text of texts) {
              let value: unknown;
              try {
                value = JSON.parse(text);
              } catch {
                failure = body.invalidJson();
                break read;
              }
              handedOut = true;
              body.pause();
              yield { type: 'item', value, requestId: body.requestId };
              body.resume();
            }
          }
          if (!failure) {
            let envelope: unknown;
            try {
              envelope = dec.end();
            } catch (err) {
              if (err instanceof OversizeStringError) throw new ResponseShapeError(path, err.where, err.message, body.requestId);
              failure = body.invalidJson();
            }
            if (!failure) {
              body.finish();
              release();
              run.succeeded();
              yield { type: 'end', envelope, requestId: body.requestId };
              return;
            }
          }
        }
      } finally {
        // Abandoned (the caller stopped, or we retry): the body is cancelled, the slot given back.
        await body?.close();
        release();
      }
      await run.afterFailure(failure!, sentAt);
    }
  }
}
