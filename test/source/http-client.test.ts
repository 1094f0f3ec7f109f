import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AdminApiClient,
  ApiError,
  CursorExpiredError,
  RateGovernor,
  newRequestStats,
  type AdminApiConfig,
  type ClientEvent,
} from '../../src/source/index.js';
import {
  TEST_KEY,
  apiError,
  badJson,
  emptyReport,
  hang,
  json,
  raw,
  reset,
  scriptedServer,
  truncated,
  type ScriptedServer,
} from './helpers.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(baseUrl: string, extra: Partial<AdminApiConfig> = {}): AdminApiConfig {
  return { baseUrl, apiKey: TEST_KEY, retryBaseMs: 5, retryMaxDelayMs: 40, timeoutMs: 3000, ...extra };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the request to fail');
}

describe('AdminApiClient requests', () => {
  it('sends the documented headers and query', async () => {
    server = await scriptedServer([json(200, emptyReport)]);
    const client = new AdminApiClient(config(server.url, { betas: ['fast-mode-2026-02-01', 'other-beta'] }));
    const body = await client.getJson('/v1/organizations/usage_report/messages', { group_by: ['model', 'speed'] });
    expect(body).toEqual(emptyReport);
    const [req] = server.requests;
    expect(req!.url.pathname).toBe('/v1/organizations/usage_report/messages');
    expect(req!.url.search).toBe('?group_by[]=model&group_by[]=speed');
    expect(req!.headers['x-api-key']).toBe(TEST_KEY);
    expect(req!.headers['anthropic-version']).toBe('2023-06-01');
    expect(req!.headers['anthropic-beta']).toBe('fast-mode-2026-02-01,other-beta');
    expect(req!.headers['user-agent']).toMatch(/^claude-ingest/);
  });

  it('omits anthropic-beta when no betas are configured', async () => {
    server = await scriptedServer([json(200, emptyReport)]);
    await new AdminApiClient(config(server.url)).getJson('/x', {});
    expect(server.requests[0]!.headers['anthropic-beta']).toBeUndefined();
  });

  it('retries 500, 502 HTML, 503, 529, a reset, a truncated body and invalid JSON, then succeeds', async () => {
    server = await scriptedServer([
      apiError(500, 'api_error', 'Internal server error'),
      raw(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' }),
      apiError(503, 'api_error', 'unavailable'),
      apiError(529, 'overloaded_error', 'Overloaded'),
      reset,
      truncated,
      badJson,
      json(200, { data: [], has_more: false, next_page: null }),
    ]);
    const events: ClientEvent[] = [];
    const stats = newRequestStats();
    const client = new AdminApiClient(config(server.url, { onEvent: (e) => events.push(e) }));
    const body = await client.getJson('/v1/organizations/cost_report', {}, stats);
    expect(body).toEqual({ data: [], has_more: false, next_page: null });
    expect(server.requests).toHaveLength(8);
    expect(stats).toEqual({ requests: 8, retries: 7, rateLimited: 0 });
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => e.status)).toEqual([500, 502, 503, 529, 'connection_reset', 'connection_reset', 'invalid_json']);
    expect(retries.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(retries[0]!.requestId).toMatch(/^req_500_/);
    expect(events.filter((e) => e.type === 'request')).toHaveLength(8);
    expect(JSON.stringify(events)).not.toContain(TEST_KEY);
  });

  it.each([
    [400, 'invalid_request_error', 'Cannot specify more than 5 group_by[] dimensions.', /rejected the request to \/x \(400 invalid_request_error: Cannot specify more than 5 group_by\[\] dimensions\.\)/],
    [401, 'authentication_error', 'invalid x-api-key', /rejected the key \(401 authentication_error: invalid x-api-key\).*set ANTHROPIC_ADMIN_KEY to a key the Admin API accepts/],
    [403, 'permission_error', 'not allowed', /refused \/x \(403 permission_error: not allowed\)/],
    [404, 'not_found_error', 'Not found', /has no \/x \(404 not_found_error: Not found\)/],
  ])('fails fast on %i with the API message (exactly one request, fatal)', async (status, type, message, pattern) => {
    server = await scriptedServer([apiError(status, type, message, { 'request-id': 'req_fixed_1' }), json(200, emptyReport)]);
    const err = await failure(new AdminApiClient(config(server.url)).getJson('/x', {}));
    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.status).toBe(status);
    expect(apiErr.kind).toBe(type);
    expect(apiErr.fatal).toBe(true);
    expect(apiErr.retryable).toBe(false);
    expect(apiErr.requestId).toBe('req_fixed_1');
    expect(apiErr.message).toMatch(pattern);
    expect(apiErr.message).toContain('[request-id req_fixed_1]');
    expect(server.requests).toHaveLength(1);
  });

  it('never repeats the key even when the server echoes it back', async () => {
    server = await scriptedServer([apiError(401, 'authentication_error', `bad key ${TEST_KEY}`)]);
    const err = await failure(new AdminApiClient(config(server.url)).getJson('/x', {}));
    expect(err.message).not.toContain(TEST_KEY);
    expect(err.message).toContain('[redacted key]');
  });

  it('throws CursorExpiredError on 410', async () => {
    server = await scriptedServer([apiError(410, 'invalid_request_error', 'cursor expired', { 'request-id': 'req_410' })]);
    const err = await failure(new AdminApiClient(config(server.url)).getJson('/v1/organizations/usage_report/claude_code', {}));
    expect(err).toBeInstanceOf(CursorExpiredError);
    expect(err.message).toContain('req_410');
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts with the status and request-id in the message', async () => {
    server = await scriptedServer([apiError(503, 'api_error', 'try later', { 'request-id': 'req_last' })]);
    const err = await failure(new AdminApiClient(config(server.url, { maxAttempts: 3 })).getJson('/v1/organizations/cost_report', {}));
    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(server.requests).toHaveLength(3);
    expect(apiErr.message).toBe(
      'The Admin API failed /v1/organizations/cost_report 3 times (last: 503 api_error: try later) [request-id req_last]: the window is left for the next run; if it persists, check status.anthropic.com',
    );
    expect(apiErr).toMatchObject({ status: 503, requestId: 'req_last', retryable: true, fatal: false });
  });

  it('retries a request that times out', async () => {
    server = await scriptedServer([hang, json(200, { ok: 1 })]);
    const events: ClientEvent[] = [];
    const started = Date.now();
    const body = await new AdminApiClient(config(server.url, { timeoutMs: 150, onEvent: (e) => events.push(e) })).getJson('/x', {});
    expect(body).toEqual({ ok: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ status: 'timeout', attempt: 1 });
  });

  it('times out a body that stalls after the headers', async () => {
    server = await scriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"data":');
      },
    ]);
    const err = await failure(new AdminApiClient(config(server.url, { timeoutMs: 100, maxAttempts: 2 })).getJson('/x', {}));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain('timeout');
    expect(server.requests).toHaveLength(2);
  });

  it('backs off on 429 without retry-after and succeeds', async () => {
    server = await scriptedServer([apiError(429, 'rate_limit_error', 'slow down'), apiError(429, 'rate_limit_error', 'slow down'), json(200, { ok: true })]);
    const events: ClientEvent[] = [];
    const stats = newRequestStats();
    const client = new AdminApiClient(config(server.url, { maxConcurrency: 4, onEvent: (e) => events.push(e) }));
    expect(await client.getJson('/x', {}, stats)).toEqual({ ok: true });
    expect(stats).toEqual({ requests: 3, retries: 2, rateLimited: 2 });
    const limited = events.filter((e) => e.type === 'rate_limited');
    expect(limited).toHaveLength(2);
    expect(limited[0]!.requestId).toMatch(/^req_429_/);
    expect(client.governor.stats.rateLimited).toBe(2);
    // Two separate 429 events halve the run's concurrency twice; one success does not restore it.
    expect(client.governor.concurrency).toBe(1);
  });

  it('does not count 429s against maxAttempts (they are bounded by the retry budget)', async () => {
    server = await scriptedServer([
      apiError(429, 'rate_limit_error', 'x'),
      apiError(429, 'rate_limit_error', 'x'),
      apiError(429, 'rate_limit_error', 'x'),
      json(200, { ok: true }),
    ]);
    expect(await new AdminApiClient(config(server.url, { maxAttempts: 2 })).getJson('/x', {})).toEqual({ ok: true });
  });

  it('fails with a clear error when 429s outlast the retry budget', async () => {
    server = await scriptedServer([apiError(429, 'rate_limit_error', 'x', { 'retry-after': '30', 'request-id': 'req_rl' })]);
    const started = Date.now();
    const err = await failure(new AdminApiClient(config(server.url, { retryBudgetMs: 1000 })).getJson('/x', {}));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({ status: 429, kind: 'rate_limit_error', retryable: true, fatal: false, requestId: 'req_rl' });
    expect(err.message).toBe('the API asked to wait 30 s (429 rate_limit_error on /x) [request-id req_rl]; the retry budget is 1 s: run `claude-ingest retry` later');
    expect(server.requests).toHaveLength(1);
  });

  it('honours the reset header, and a reset in the past means a short wait', async () => {
    server = await scriptedServer([
      // Computed when answering, so a slow machine cannot eat into the 400 ms.
      (req, res, seen) =>
        apiError(429, 'rate_limit_error', 'x', { 'anthropic-ratelimit-requests-reset': new Date(Date.now() + 400).toISOString() })(req, res, seen),
      apiError(429, 'rate_limit_error', 'x', { 'anthropic-ratelimit-requests-reset': new Date(Date.now() - 60_000).toISOString() }),
      json(200, { ok: true }),
    ]);
    const waits: number[] = [];
    const client = new AdminApiClient(
      // The reset-derived wait is capped at retryMaxDelayMs, so leave room above 400 ms.
      config(server.url, { retryMaxDelayMs: 2000, onEvent: (e) => e.type === 'rate_limited' && waits.push(e.waitMs) }),
    );
    expect(await client.getJson('/x', {})).toEqual({ ok: true });
    const [a, b, c] = server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(350);
    expect(waits[0]).toBeGreaterThan(250);
    expect(waits[1]).toBe(5); // retryBaseMs: the floor for a reset already passed
    expect(c! - b!).toBeLessThan(250);
  });

  it('honours retry-after across workers: a worker that did not get the 429 waits too', async () => {
    let first = true;
    server = await scriptedServer((_req, res, seen) => {
      if (first && seen.url.pathname === '/a') {
        first = false;
        apiError(429, 'rate_limit_error', 'limit', { 'retry-after': '1' })(_req, res, seen);
      } else {
        json(200, { path: seen.url.pathname })(_req, res, seen);
      }
    });
    const governor = new RateGovernor({ maxConcurrency: 4, baseBackoffMs: 5 });
    const clientA = new AdminApiClient(config(server.url), governor);
    const clientB = new AdminApiClient(config(server.url), governor);
    const a = clientA.getJson('/a', {});
    while (governor.pauseRemainingMs() === 0) await new Promise((r) => setTimeout(r, 5));
    const pausedAt = Date.now();
    const pause = governor.pauseRemainingMs();
    const b = clientB.getJson('/b', {});
    expect(await Promise.all([a, b])).toEqual([{ path: '/a' }, { path: '/b' }]);
    const bReq = server.requests.find((r) => r.url.pathname === '/b')!;
    expect(pause).toBeGreaterThan(900);
    expect(bReq.at - pausedAt).toBeGreaterThanOrEqual(pause - 20);
    expect(governor.stats.pausedMs).toBe(1000);
  });

  it('a 429 storm with parallel workers drops concurrency to 1 and recovers afterwards', async () => {
    let inFlight = 0;
    let peakDuringStorm = 0;
    let served = 0;
    server = await scriptedServer((req, res, seen) => {
      served++;
      inFlight++;
      if (served > 8) peakDuringStorm = Math.max(peakDuringStorm, inFlight);
      setTimeout(() => {
        inFlight--;
        if (served <= 8) apiError(429, 'rate_limit_error', 'x')(req, res, seen);
        else json(200, { ok: true })(req, res, seen);
      }, 15);
    });
    const governor = new RateGovernor({ maxConcurrency: 4, baseBackoffMs: 5, maxBackoffMs: 20, successesPerIncrease: 2 });
    const client = new AdminApiClient(config(server.url), governor);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => client.getJson(`/r${i}`, {})));
    expect(results).toHaveLength(12);
    expect(governor.stats.concurrencyDecreases).toBe(2); // 4 → 2 → 1
    expect(governor.stats.concurrencyIncreases).toBeGreaterThan(0);
    expect(governor.stats.rateLimited).toBe(8);
    expect(peakDuringStorm).toBeLessThanOrEqual(4);
  });

  it('fails quickly with "could not be reached" when the port is closed', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const events: ClientEvent[] = [];
    const err = await failure(new AdminApiClient(config(`http://127.0.0.1:${port}`, { onEvent: (e) => events.push(e) })).getJson('/x', {}));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe(
      `The Admin API at http://127.0.0.1:${port} could not be reached (ECONNREFUSED): check ANTHROPIC_BASE_URL and the network`,
    );
    expect((err as ApiError).fatal).toBe(true);
    expect(events.filter((e) => e.type === 'request')).toHaveLength(3);
  });

  it('does not follow redirects (the key would go with them)', async () => {
    let followed = 0;
    server = await scriptedServer((req, res, seen) => {
      if (seen.url.pathname === '/elsewhere') {
        followed++;
        json(200, {})(req, res, seen);
      } else {
        raw(302, '', { location: '/elsewhere' })(req, res, seen);
      }
    });
    const err = await failure(new AdminApiClient(config(server.url)).getJson('/x', {}));
    expect(err).toMatchObject({ status: 302, fatal: true });
    expect(err.message).toContain('redirect');
    expect(followed).toBe(0);
  });
});

describe('AdminApiClient local failures', () => {
  it('turns an unsendable request into a fatal ApiError without leaking the key', async () => {
    server = await scriptedServer([json(200, {})]);
    const client = new AdminApiClient(config(server.url, { betas: ['bad\nbeta'] }));
    const err = await failure(client.getJson('/x', {}));
    expect(err).toMatchObject({ kind: 'client_error', fatal: true, retryable: false });
    expect(err.message).not.toContain(TEST_KEY);
    expect(server.requests).toHaveLength(0);
  });
});
