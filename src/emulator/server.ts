/** The emulator's HTTP server (node:http): auth, routing, rate limiting, latency and fault injection. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseDay, todayUtc } from '../util/dates.js';
import { ORG_SHAPES } from './catalog.js';
import { analyticsCost, analyticsUnavailable, analyticsUsage } from './analytics-endpoints.js';
import { claudeCodeReport } from './claude-code-report.js';
import { costReport } from './cost-report.js';
import { reportResults, type Endpoint, type JsonObject, type Prepared } from './endpoint.js';
import { FaultPlan, TRANSIENT_FAULTS } from './faults.js';
import { limitEndpoints, limitRoute } from './limits.js';
import { apiKeysList, organizationMe, rbacGroupsList, serviceAccountsList, usersList, workspacesList } from './lists.js';
import { SyntheticModel } from './model.js';
import { ApiError, errorBody, iso, PageTokens } from './params.js';
import { TokenBucket } from './rate-limit.js';
import { createGroundTruth } from './truth.js';
import type { Emulator, EmulatorHold, EmulatorOptions, EmulatorStats, EndpointKey, FaultKind } from './types.js';
import { usageReport } from './usage-report.js';

/** A valid admin key for tests and the demo (any key starting with sk-ant-admin is accepted). */
export const EMULATOR_ADMIN_KEY = 'sk-ant-admin01-emulator-demo-key';

const ENDPOINTS: readonly Endpoint[] = [
  costReport, usageReport, claudeCodeReport, apiKeysList, workspacesList, usersList, serviceAccountsList, rbacGroupsList, organizationMe, analyticsCost, analyticsUsage,
];
const ROUTES = new Map(ENDPOINTS.map((e) => [e.path, e]));

interface Tenant {
  model: SyntheticModel;
  tokens: PageTokens;
  limiter: TokenBucket | null;
}

function emptyStats(): EmulatorStats {
  const byEndpoint: Record<string, number> = {};
  for (const e of ENDPOINTS) byEndpoint[e.key satisfies EndpointKey] = 0;
  return { total: 0, byEndpoint, rateLimited: 0, faults: 0 };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const seed = opts.seed ?? 42;
  const limits = limitEndpoints(opts);
  const routes = new Map([...ROUTES, ...limits.map((e) => [e.path, e] as const)]);
  /** One organization's data, page tokens and (per-organization, as in the real API) rate limit. */
  const tenant = (s: number, org: EmulatorOptions['org'], historyDays = opts.historyDays ?? 400): Tenant => {
    const shape = typeof org === 'object' ? org : ORG_SHAPES[org ?? 'small'];
    const model = new SyntheticModel(s, opts.today === undefined ? todayUtc() : parseDay(opts.today, 'emulator today'), historyDays, shape);
    if (opts.spikes) model.setSpikes(opts.spikes);
    if (opts.minutePeaks) model.setMinutePeaks(opts.minutePeaks);
    const limiter = opts.rateLimit ? new TokenBucket(opts.rateLimit.rpm, opts.rateLimit.burst) : null;
    return { model, tokens: new PageTokens(`page|${s}|${model.today}`), limiter };
  };
  const primary = tenant(seed, opts.org);
  // With `organizations`, each admin key is its own organization and any other key is rejected.
  const tenants = new Map((opts.organizations ?? []).map((o, i) => [o.adminKey, tenant(o.seed ?? seed + 1000 * (i + 1), o.org ?? opts.org, o.historyDays)]));
  const revoked = new Set<string>();
  /** key → answers left before it is revoked (a key revoked in the middle of a run). */
  const revokeAfter = new Map<string, number>();
  const { model } = primary;
  const faults = new FaultPlan(seed, opts.faultRate ?? 0, opts.faultKinds ?? TRANSIENT_FAULTS, opts.faultRules ?? []);
  const slowMs = opts.slowMs ?? 30_000;
  const latencyMs = opts.latencyMs ?? 0;
  let stats = emptyStats();
  let seq = 0;

  // Pending waits (latency, slow faults), so close() never hangs on a timer.
  const waits = new Set<() => void>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  // Holds set by hold(): requests whose path matches wait for release() (or close()).
  const holds = new Set<{ path: string; gate: Promise<void>; reached: () => void }>();
  const releases = new Set<() => void>();
  const hold = (path = ''): EmulatorHold => {
    let reached!: () => void;
    let open!: () => void;
    const held = new Promise<void>((resolve) => (reached = resolve));
    const h = { path, gate: new Promise<void>((resolve) => (open = resolve)), reached };
    const release = () => {
      holds.delete(h);
      releases.delete(release);
      open();
    };
    holds.add(h);
    releases.add(release);
    return { held, release };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++seq;
    stats.total++;
    const requestId = `req_emu_${seed.toString(36)}_${n.toString(36).padStart(6, '0')}`;
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const path = url.pathname.replace(/\/+$/, '');
    const endpoint = routes.get(path) ?? limitRoute(path, limits);
    if (endpoint) stats.byEndpoint[endpoint.key] = (stats.byEndpoint[endpoint.key] ?? 0) + 1;
    for (const h of [...holds]) {
      if (!path.includes(h.path)) continue;
      h.reached();
      await h.gate;
    }
    if (latencyMs > 0) await wait(latencyMs);

    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'request-id': requestId,
        ...headers,
      });
      res.end(body);
    };
    const sendError = (status: number, kind: string, message: string, headers?: Record<string, string>, code?: string) =>
      send(status, JSON.stringify(errorBody(kind, message, code, requestId)), headers);

    const key = headerValue(req, 'x-api-key');
    // A read:analytics key (Claude Enterprise) reads the Analytics API and who it belongs to, nothing else.
    const analyticsOnly = key !== undefined && (opts.analyticsKeys ?? []).includes(key);
    if (analyticsOnly && endpoint && !endpoint.key.startsWith('analytics/') && endpoint.key !== 'organizations/me') {
      return sendError(403, 'permission_error', `This API key has the read:analytics scope only; ${path} needs an Admin API key.`);
    }
    if (!analyticsOnly && key?.startsWith('sk-ant-api')) return sendError(403, 'permission_error', 'This endpoint requires an Admin API key (sk-ant-admin...).');
    if (!analyticsOnly && !key?.startsWith('sk-ant-admin') && !key?.startsWith('sk-ant-oat')) return sendError(401, 'authentication_error', 'invalid x-api-key');
    if (!headerValue(req, 'anthropic-version')) return sendError(400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!endpoint) return sendError(404, 'not_found_error', `Not found: ${path}`);
    if (req.method !== 'GET') return sendError(405, 'invalid_request_error', `Method ${req.method} not allowed on ${path}`, { allow: 'GET' });
    const unavailable = endpoint.key.startsWith('analytics/') ? analyticsUnavailable(opts.analyticsAvailable) : null;
    if (unavailable) return sendError(unavailable.status, unavailable.kind, unavailable.message, undefined, unavailable.code);

    const left = revokeAfter.get(key);
    if (left !== undefined) {
      if (left <= 0) revoked.add(key);
      revokeAfter.set(key, left - 1);
    }
    const t = tenants.size > 0 ? tenants.get(key) : primary;
    if (!t || revoked.has(key)) return sendError(401, 'authentication_error', 'invalid x-api-key');
    const limiter = t.limiter;
    if (limiter) {
      const waitMs = limiter.take();
      if (waitMs > 0) {
        stats.rateLimited++;
        const headers: Record<string, string> = {};
        if (opts.rateLimit?.retryAfter) {
          headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
          headers['anthropic-ratelimit-requests-reset'] = iso(Date.now() + waitMs);
        }
        return sendError(429, 'rate_limit_error', 'Number of requests has exceeded your per-minute rate limit', headers);
      }
    }

    let prepared: Prepared | null = null;
    let failure: ApiError | null = null;
    try {
      prepared = endpoint.prepare(url.searchParams, { model: t.model, tokens: t.tokens, headers: req.headers, path, hiddenActors: opts.hiddenActors === true });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      failure = e;
    }

    const fault = faults.decide(n, path, prepared?.coverage ?? null, Boolean(url.searchParams.get('page')));
    if (fault) stats.faults++;
    if (fault && (await applyStatusFault(fault))) return;
    if (failure || !prepared) return sendError(failure!.status, failure!.kind, failure!.message, undefined, failure!.code);

    const body = prepared.body();
    const tooLarge = pageTooLarge(endpoint.key, body, opts.maxPageRows);
    if (tooLarge) return sendError(400, 'invalid_request_error', tooLarge, undefined, 'report_page_too_large');
    if (fault === 'missing_field') {
      delete body.data;
      delete body.has_more;
    } else if (fault === 'extra_fields' || opts.drift) {
      endpoint.addExtraFields(body);
      if (opts.drift) endpoint.addDrift?.(body);
    }
    const text = JSON.stringify(body);
    if (fault === 'truncated_json') return send(200, text.slice(0, Math.floor(text.length / 2)));
    if (fault === 'reset') return resetMidBody(res, requestId, text);
    send(200, text);

    /** Faults that replace the answer outright; returns true when it has been sent. */
    async function applyStatusFault(kind: FaultKind): Promise<boolean> {
      switch (kind) {
        case '500':
          sendError(500, 'api_error', 'Internal server error');
          return true;
        case '502_html':
          send(502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', { 'content-type': 'text/html' });
          return true;
        case '503':
          sendError(503, 'api_error', 'Service temporarily unavailable');
          return true;
        case '529':
          sendError(529, 'overloaded_error', 'Overloaded');
          return true;
        case 'invalid_json':
          send(200, '<!doctype html><html><body>Upstream maintenance</body></html>');
          return true;
        case 'bad_page_token':
          sendError(400, 'invalid_request_error', 'page: invalid page token');
          return true;
        case '410_expired_cursor':
          sendError(410, 'invalid_request_error', 'page: the cursor has expired; restart the query from its first page');
          return true;
        case '400_too_many_groups': {
          const instead = path.includes('/analytics/') ? 'time_bucket_width=1h on /v1/organizations/analytics/usage' : '/v1/organizations/analytics/usage';
          sendError(400, 'invalid_request_error', `This report has usage in more groups than it can return for a day; use ${instead} instead.`, undefined, 'too_many_report_groups');
          return true;
        }
        case '429_retry_after':
          sendError(429, 'rate_limit_error', 'Number of requests has exceeded your per-minute rate limit', { 'retry-after': '1' });
          return true;
        case 'slow':
          await wait(slowMs);
          return false;
        default:
          return false;
      }
    }
  }

  const server = createServer((req, res) => {
    // Drain the request body (if any) so keep-alive connections stay usable.
    req.resume();
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody('api_error', `emulator bug: ${err instanceof Error ? err.message : String(err)}`)));
      } else {
        res.destroy();
      }
    });
  });

  // Node's default keep-alive (5 s) races a client reusing an idle socket while a large aggregation
  // holds the event loop (the client then sees ECONNRESET); the real API keeps connections longer.
  server.keepAliveTimeout = 65_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    truth: createGroundTruth(model),
    truthFor: (adminKey) => {
      const t = tenants.get(adminKey);
      if (!t) throw new Error(`the emulator has no organization for that key`);
      return createGroundTruth(t.model);
    },
    revokeKey: (adminKey, afterRequests = 0) => {
      if (afterRequests <= 0) revoked.add(adminKey);
      else revokeAfter.set(adminKey, afterRequests);
    },
    stats: () => structuredClone(stats),
    resetStats: () => void (stats = emptyStats()),
    setFaultRules: (rules) => faults.setRules(rules),
    setFaultRate: (rate) => faults.setRate(rate),
    setRevision: (n) => {
      model.setRevision(n);
      for (const t of tenants.values()) t.model.setRevision(n);
    },
    hold,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const release of [...releases]) release();
        for (const done of [...waits]) done();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Endpoints whose pages the API may refuse as too large to build (report_page_too_large). */
const SIZED_REPORTS = new Set<EndpointKey>(['cost_report', 'usage_report/messages', 'analytics/cost', 'analytics/usage']);

/** The refusal's message when a report page holds more than `max` items (results of buckets, or rows). */
function pageTooLarge(key: EndpointKey, body: JsonObject, max: number | undefined): string | null {
  if (max === undefined || !SIZED_REPORTS.has(key)) return null;
  const items = key.startsWith('analytics/') ? (Array.isArray(body.data) ? body.data.length : 0) : reportResults(body).length;
  if (items <= max) return null;
  return `The requested page is too large (${items} rows). Send a lower \`limit\` and page through the rest.`;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Promises a full body, sends half, then kills the socket: what a dropped connection looks like. */
function resetMidBody(res: ServerResponse, requestId: string, text: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'request-id': requestId });
  res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
}

