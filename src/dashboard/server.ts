/**
 * `claude-ingest dashboard`: a node:http server for one static page and a small read-only JSON API.
 *
 * DuckDB lets one process write a file, and a read-only open fails while a writer holds it; so an
 * API request whose answer is not kept opens the warehouse read-only, runs its queries and closes it
 * at once, leaving the file free for an ingest between page loads. Kept answers (valid while the
 * warehouse's change token is unchanged: for DuckDB a stat of the file and WAL) are served without
 * opening it, and the default view is computed ahead (see warm()). While an ingest writes, a request
 * that must read answers 503 and the page says so. BigQuery has no such lock: one client is kept for
 * the server's life, and nothing is kept.
 */
import type { AllocationRules } from '../reports/allocation/rules.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Calendar } from '../util/calendar.js';
import { todayUtc, type IsoDay } from '../util/dates.js';
import { oneLine } from '../util/one-line.js';
import { errorCodes, HTTP, InputError } from '../util/errors.js';
import { openWarehouse, parseWarehouseUrl } from '../warehouse/open-warehouse.js';
import { WarehouseLockedError, type Warehouse } from '../warehouse/warehouse.js';
import { SharedQueries } from './query-sharing.js';
import { answersDay, KeptAnswers } from './kept-answers.js';
import { DayParts } from './day-parts.js';
import type { ValidationReport } from '../checks/index.js';
import { ProofBook } from '../checks/proofs.js';
import type { AlertsConfig } from '../config/schema.js';
import { handleApi, ROUTES } from './api.js';
import { loadAsset } from './assets.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8321;
export const BUSY_MESSAGE = 'an ingest is writing the warehouse; retry in a moment';

/** The server could not start as asked (port taken, host not on this machine): the user picks another port or host. */
export class DashboardStartError extends InputError {}

export interface DashboardOptions {
  /** duckdb:./file.duckdb or bigquery://PROJECT/DATASET. */
  warehouseUrl: string;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 8321; 0 picks a free port. */
  port?: number;
  /** UTC today for freshness and validation (default the real date; the CLI passes CLAUDE_INGEST_TODAY). */
  today?: () => IsoDay;
  /** Unexpected errors (500s) are reported here; default stderr. */
  log?: (line: string) => void;
  /**
   * Reuse API answers while the warehouse's change token is unchanged (DuckDB: a stat of the file and
   * WAL; default true; BigQuery never caches); false: every request runs its queries (the benchmark
   * measures both). keptAnswers false: nothing kept beside the file for the next start (kept-answers.ts).
   */
  responseCache?: boolean;
  keptAnswers?: boolean;
  /** How often to look for a changed warehouse and compute the default view ahead (ms; 0: only at start). */
  warmIntervalMs?: number;
  /** The alerts section of claude-ingest.yaml: its budgets are shown beside the spend (absent: none). */
  alerts?: AlertsConfig | null;
  /** The allocation rules of claude-ingest.yaml: /api/allocation and team budgets (absent: none). */
  allocation?: AllocationRules | null;
  /**
   * Host names the page may be opened under besides loopback names, IP addresses and the bind
   * address (--allowed-host): any other Host header is refused, on every bind address, so a page
   * on another site cannot read the data through DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /** The organization's calendar (timezone:, --tz): spend per local day, the zone in the header (default UTC). */
  calendar?: Calendar;
}
const RESPONSE_CACHE_SIZE = 64;
const WARM_INTERVAL_MS = 2000;

/** The API requests app.js sends for the page opened without a range (tested against the page). */
export const DEFAULT_VIEW = [
  '/api/meta',
  '/api/spend?stack=workspace',
  '/api/breakdown',
  '/api/keys',
  '/api/claude-code',
  '/api/health',
  '/api/budgets',
  '/api/alerts',
  '/api/analytics',
  '/api/limits',
  '/api/bridge',
  '/api/allocation',
];

const WARM_ORDER = [...DEFAULT_VIEW.filter((p) => p.startsWith('/api/health')), ...DEFAULT_VIEW.filter((p) => !p.startsWith('/api/health'))];

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  /** Computes the default view ahead if the warehouse changed since the last time (the timer calls it too). */
  warm(): Promise<void>;
  /** Whether the default view is kept for the warehouse as it is now: a stat, never an open of the file. */
  isWarm(): Promise<boolean>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Opens the warehouse per request (DuckDB) or once (BigQuery), always read-only. */
class WarehouseAccess {
  private readonly perRequest: boolean;
  private shared: Promise<Warehouse> | undefined;

  /** The last handle opened per request, closed or not: its change token is a stat, not an open. */
  private tokenSource: Warehouse | undefined;

  constructor(private readonly url: string) {
    this.perRequest = parseWarehouseUrl(url).kind === 'duckdb';
  }

  /**
   * The warehouse's change token, under which answers are kept: any write changes it. '' where
   * nothing is kept (a warehouse opened once, BigQuery: no lock to spare, and a token costs a query);
   * undefined until the file was opened once (the server started while a writer held it).
   */
  async token(): Promise<string | undefined> {
    if (!this.perRequest) return '';
    if (!this.tokenSource) return undefined;
    return this.tokenSource.changeToken();
  }

  /** Opens it once and checks the schema is one this version reads (done at start, not per request). */
  async check(): Promise<void> {
    const wh = await openWarehouse(this.url, { readOnly: true });
    if (this.perRequest) this.tokenSource = wh;
    try {
      await wh.init();
    } finally {
      if (this.perRequest) await wh.close();
    }
    if (!this.perRequest) this.shared = Promise.resolve(wh);
  }

  /**
   * A read-only handle and its release. Concurrent requests share one DuckDB instance (the
   * warehouse module reference-counts them per file); the file is let go when the last one releases.
   */
  async acquire(): Promise<{ wh: Warehouse; release(): Promise<void> }> {
    if (!this.perRequest) {
      this.shared ??= openWarehouse(this.url, { readOnly: true }).catch((err: unknown) => {
        this.shared = undefined;
        throw err;
      });
      return { wh: await this.shared, release: async () => {} };
    }
    const wh = await openWarehouse(this.url, { readOnly: true });
    this.tokenSource = wh;
    return { wh, release: () => wh.close() };
  }

  async close(): Promise<void> {
    const shared = this.shared;
    this.shared = undefined;
    if (shared) await (await shared.catch(() => undefined))?.close();
  }
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Everything the page loads comes from this server; ECharts sets inline styles on its elements.
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/**
 * The status and message for an error, from the status it carries: the user's input (400), a busy
 * warehouse (503, which the page shows as a banner), a warehouse failure (500); a bug is "unexpected".
 */
export function errorResponse(err: unknown): { status: number; body: { error: string; busy?: boolean } } {
  const message = err instanceof Error ? err.message : String(err);
  const codes = errorCodes(err);
  if (!codes) return { status: HTTP.internal, body: { error: `unexpected error: ${message}` } };
  if (codes.httpStatus === HTTP.unavailable) return { status: codes.httpStatus, body: { error: `${BUSY_MESSAGE} (${message})`, busy: true } };
  return { status: codes.httpStatus, body: { error: message } };
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? DEFAULT_HOST;
  const port = o.port ?? DEFAULT_PORT;
  const today = o.today ?? (() => todayUtc());
  const log = o.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const access = new WarehouseAccess(o.warehouseUrl); // throws WarehouseError for a bad URL

  // Fail at start for a warehouse that cannot be read at all (missing file, not a warehouse); a busy
  // one is fine: the page will say so and retry.
  try {
    await access.check();
  } catch (err) {
    if (!(err instanceof WarehouseLockedError)) throw err;
  }

  // DNS rebinding needs a host name the attacker controls: IP literals, loopback names, the bind
  // address and the names the user allowed are the only Host headers answered.
  const allowedHosts = new Set([...LOOPBACK, host.toLowerCase(), ...(o.allowedHosts ?? []).map((h) => h.trim().toLowerCase())]);
  const validationCache = new Map<string, ValidationReport>();
  const proofs = new ProofBook();
  // Answers being computed, by cache key: the page's request for an answer the warm-up is computing
  // waits for it instead of computing it again beside it (two year-long validations on two cores).
  const inflight = new Map<string, Promise<string>>();
  // Serialized answers by route, query, today and the warehouse's change token.
  const responseCache = new Map<string, string>();
  const useResponseCache = o.responseCache ?? true;
  let boundPort = port;
  const kept = useResponseCache && o.keptAnswers !== false ? KeptAnswers.of(o.warehouseUrl, [o.alerts ?? null, o.allocation ?? null, o.calendar ?? null], WARM_ORDER) : undefined;

  const dayParts = kept ? DayParts.of(o.warehouseUrl) : undefined; // month parts of the year's queries (day-parts.ts)
  const cacheKey = (url: URL, token: string | undefined) => (token ? JSON.stringify([url.pathname, url.search, answersDay(today(), o.calendar), token]) : '');

  // The same query asked by several answers under one change token runs once (query-sharing.ts).
  const sharedQueries = new SharedQueries();

  // Closes still under way, so close() can wait for them.
  const releasing = new Set<Promise<void>>();

  /** Runs a route's queries (or finds it cached under the change token read inside the read lock). */
  async function answer(url: URL): Promise<string> {
    const handle = await access.acquire();
    try {
      const token = await access.token();
      const key = useResponseCache ? cacheKey(url, token) : '';
      const text = key ? responseCache.get(key) : undefined;
      if (text !== undefined) return text;
      const pending = key ? inflight.get(key) : undefined;
      if (pending) return await pending;
      const computing = handleApi(url.pathname, { wh: key && token ? sharedQueries.wrap(handle.wh, token) : handle.wh, query: url.searchParams, today: today(), validationCache, changeToken: token, alerts: o.alerts ?? null, allocation: o.allocation ?? null, proofs, ...(dayParts ? { dayParts } : {}), ...(o.calendar ? { calendar: o.calendar } : {}) }).then((body) => JSON.stringify(body));
      if (!key) return await computing;
      void computing.then(() => dayParts?.saveSoon(), () => undefined);
      inflight.set(key, computing);
      try {
        const computed = await computing;
        if (responseCache.size >= RESPONSE_CACHE_SIZE) responseCache.delete(responseCache.keys().next().value!);
        responseCache.set(key, computed);
        return computed;
      } finally {
        inflight.delete(key);
      }
    } finally {
      // Not awaited here: closing a DuckDB instance takes a moment the page need not wait for.
      const released = handle.release().catch(() => undefined);
      releasing.add(released);
      void released.then(() => releasing.delete(released));
    }
  }

  /**
   * The default view (the page opened without a range) is computed ahead, at start and whenever the
   * warehouse changes, so the first visit after an ingest is served from the cache. Only the change
   * token (a stat) is read on the timer; the file is opened (read-only, for a moment) only after it
   * changed, which is after a writer finished: while one holds the file the open fails and is tried
   * again on the next tick.
   */
  let warmedToken: string | undefined;
  let warming: Promise<void> | undefined;
  function warm(): Promise<void> {
    if (!useResponseCache || warming) return warming ?? Promise.resolve();
    warming = (async () => {
      try {
        const token = await access.token();
        if (token === '' || (token !== undefined && token === warmedToken)) return;
        const [day, at] = [answersDay(today(), o.calendar), (path: string) => cacheKey(new URL(path, 'http://localhost'), token)];
        const stamp = kept?.stamp();
        if (kept && stamp !== undefined && token !== undefined && (await kept.restore(stamp, day, token, () => access.token(), (path, text) => responseCache.set(at(path), text)))) return void (warmedToken = token);
        // Every answer at once, the data-health banner first: they share one DuckDB instance, and
        // the page's own requests, arriving meanwhile, wait for these instead of computing them again.
        // One at a time, the short answers queued behind the long ones (Round 12).
        const answers = await Promise.allSettled(WARM_ORDER.map((path) => answer(new URL(path, 'http://localhost'))));
        const failed = answers.find((a) => a.status === 'rejected');
        if (failed) throw failed.reason;
        warmedToken = token;
        if (kept && stamp !== undefined && token !== undefined) await kept.keep(stamp, day, token, () => access.token(), (path) => responseCache.get(at(path)));
      } catch {
        // Busy or failing: the page's own request will say why; try again on the next tick.
      } finally {
        warming = undefined;
      }
    })();
    return warming;
  }
  const warmTimer = o.warmIntervalMs === 0 ? undefined : setInterval(() => void warm(), o.warmIntervalMs ?? WARM_INTERVAL_MS);
  warmTimer?.unref();
  void warm();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      // A malformed escape anywhere would only surface deep in a route.
      decodeURIComponent(url.pathname + url.search);
    } catch {
      return sendJson(res, 400, { error: 'malformed request target: open the dashboard at its URL' });
    }
    // Origin-form only ("/path?query"): browsers send nothing else to a server they talk to directly.
    if (!/^\/(?!\/)/.test(req.url ?? '')) return sendJson(res, 400, { error: 'malformed request target: expected a path starting with a single /' });
    const isApi = url.pathname.startsWith('/api/');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} is not allowed: the dashboard is read-only (GET)` });
    }
    // A page on another site must not read the data through DNS rebinding, whatever the bind address.
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
    if (!allowedHosts.has(hostName) && isIP(hostName) === 0) {
      return sendJson(res, 403, { error: `host "${oneLine(req.headers.host ?? '', 100)}" is not allowed: open the dashboard at http://127.0.0.1:${boundPort}/ or start it with --allowed-host ${oneLine(hostName, 100) || 'NAME'}` });
    }
    if (isApi) {
      if (!ROUTES[url.pathname]) {
        return sendJson(res, 404, { error: `no API route ${url.pathname}: use ${Object.keys(ROUTES).join(', ')}` });
      }
      // A kept answer is served from the change token alone (for DuckDB a stat of the file and WAL),
      // without opening DuckDB: answers are stored under the token read while the read lock kept
      // writers out, and a write since then changes the token. A writer that holds the file but has
      // not written yet changes nothing the answer says, so serving it is right, not stale.
      const hit = useResponseCache ? responseCache.get(cacheKey(url, await access.token())) : undefined;
      if (hit !== undefined) return send(res, 200, 'application/json; charset=utf-8', hit);
      try {
        send(res, 200, 'application/json; charset=utf-8', await answer(url));
      } catch (err) {
        const r = errorResponse(err);
        if (r.status === 500) log(`dashboard: ${url.pathname}${url.search}: ${r.body.error}`);
        sendJson(res, r.status, r.body);
      }
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return void res.end();
    }
    const asset = loadAsset(url.pathname);
    if (!asset) return sendJson(res, 404, { error: `not found: ${url.pathname}` });
    // Revalidated on every load (an edit shows at once), but kept: a 304 lets Chromium reuse the
    // script's compiled code from its cache instead of compiling ECharts' 0.7 MB again on each load.
    const validators = { 'cache-control': 'no-cache', etag: asset.etag };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, validators);
      return void res.end();
    }
    const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    send(res, 200, asset.type, gzip ? asset.gzip! : asset.body, { ...validators, ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}) });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`dashboard: ${req.url ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'unexpected error' });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new DashboardStartError(`port ${port} on ${host} is already in use: pass --port with another number (or 0 for any free port)`)
          : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
            ? new DashboardStartError(`cannot listen on host ${host}: pass --host with an address of this machine (default 127.0.0.1)`)
            : err,
      );
    });
    server.listen(port, host, () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${boundPort}/`,
    host,
    port: boundPort,
    warm,
    async isWarm() {
      const token = await access.token();
      return token !== undefined && token !== '' && token === warmedToken;
    },
    async close() {
      if (warmTimer) clearInterval(warmTimer);
      await warming;
      await Promise.all(releasing);
      await dayParts?.save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await access.close();
    },
  };
}
