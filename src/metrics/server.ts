/**
 * `claude-ingest metrics serve`: a Prometheus endpoint (`/metrics`) over the warehouse.
 *
 * Like the dashboard, it never holds the DuckDB file: a read opens it read-only, collects every family
 * and closes it at once, so the daily ingest can write between scrapes. The snapshot is kept while the
 * warehouse's change token (for DuckDB a stat of the file and WAL) is unchanged, so a scrape is
 * answered from memory; it is read again after a write, ahead of the next scrape (a timer looks at
 * the token). While a writer holds the file, the kept snapshot is served (nothing it says has changed
 * until the writer commits). BigQuery has no such token and every read is billed: the snapshot is
 * kept for `minIntervalMs`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BudgetConfig } from '../config/schema.js';
import type { AllocationRules } from '../reports/allocation/rules.js';
import { todayUtc, type IsoDay } from '../util/dates.js';
import { InputError } from '../util/errors.js';
import { openWarehouse, parseWarehouseUrl } from '../warehouse/open-warehouse.js';
import { WarehouseLockedError, type Warehouse } from '../warehouse/warehouse.js';
import { collectMetrics } from './collect.js';
import type { MetricsSnapshot } from './model.js';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus.js';

export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** The port the Prometheus wiki assigns to claude-ingest's neighbours' kind (exporters: 9100-9999). */
export const DEFAULT_METRICS_PORT = 9464;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The server could not start as asked. */
export class MetricsStartError extends InputError {}

export interface MetricsServerOptions {
  warehouseUrl: string;
  host?: string;
  port?: number;
  today?: () => IsoDay;
  top?: number;
  budgets?: readonly BudgetConfig[];
  /** allocation: of claude-ingest.yaml, for budgets scoped to a dimension value. */
  allocation?: AllocationRules | null;
  /** BigQuery: the least time between two reads of the warehouse (default 5 minutes). */
  minIntervalMs?: number;
  /** How often to look at the change token and read a changed warehouse ahead of the next scrape (0: never). */
  warmIntervalMs?: number;
  log?: (line: string) => void;
  /** The clock ages are measured with (ms since the epoch; default Date.now). */
  now?: () => number;
}

export interface MetricsServer {
  url: string;
  port: number;
  /** Reads the warehouse again if it changed since the kept snapshot (the timer calls it too). */
  refresh(): Promise<void>;
  /** How many times the warehouse was read (tests: a scrape of an unchanged warehouse reads nothing). */
  reads(): number;
  close(): Promise<void>;
}

interface Kept {
  snapshot: MetricsSnapshot;
  token: string;
  today: IsoDay;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const host = o.host ?? DEFAULT_METRICS_HOST;
  const port = o.port ?? DEFAULT_METRICS_PORT;
  const today = o.today ?? (() => todayUtc());
  const log = o.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const perRead = parseWarehouseUrl(o.warehouseUrl).kind === 'duckdb';
  const minIntervalMs = o.minIntervalMs ?? 300_000;
  let tokenSource: Warehouse | undefined;
  let shared: Warehouse | undefined;
  let kept: Kept | undefined;
  let reading: Promise<Kept> | undefined;
  let readCount = 0;

  /** The change token ('' where there is none); a stat of the last handle, never an open. */
  const token = async () => (perRead && tokenSource ? ((await tokenSource.changeToken?.()) ?? '') : '');

  function fresh(k: Kept | undefined, t: string): boolean {
    if (!k || k.today !== today()) return false;
    return t !== '' ? k.token === t : !perRead && Date.now() - k.snapshot.readAtMs < minIntervalMs;
  }

  async function read(): Promise<Kept> {
    const wh = perRead ? await openWarehouse(o.warehouseUrl, { readOnly: true }) : (shared ??= await openWarehouse(o.warehouseUrl, { readOnly: true }));
    try {
      if (perRead) tokenSource = wh;
      await wh.init();
      // The token read while the file is open read-only: no writer can change it under the read.
      const t = await token();
      readCount++;
      const snapshot = await collectMetrics(wh, { today: today(), top: o.top, budgets: o.budgets, allocation: o.allocation ?? null });
      return (kept = { snapshot, token: t, today: today() });
    } finally {
      if (perRead) await wh.close();
    }
  }

  /** The snapshot to serve: the kept one while the warehouse is unchanged, else read once for all waiting scrapes. */
  async function current(): Promise<Kept> {
    if (fresh(kept, await token())) return kept!;
    reading ??= read().finally(() => (reading = undefined));
    try {
      return await reading;
    } catch (err) {
      // A writer holds the file: what was kept is still true until it commits.
      if (err instanceof WarehouseLockedError && kept && kept.today === today()) return kept;
      throw err;
    }
  }

  async function refresh(): Promise<void> {
    try {
      await current();
    } catch {
      // Busy or failing: the next scrape says why.
    }
  }

  // Fail at start for a warehouse that cannot be read at all; a busy one is read at the first chance.
  await refresh();
  if (!kept) {
    try {
      await read();
    } catch (err) {
      if (!(err instanceof WarehouseLockedError)) throw err;
    }
  }

  const loopbackOnly = isLoopbackHost(host);
  let boundPort = port;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, `${req.method} is not allowed: GET /metrics\n`);
    // A web page must not read the figures through DNS rebinding: on loopback, only loopback names.
    if (loopbackOnly) {
      const name = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (!isLoopbackHost(name)) return text(403, `host "${req.headers.host ?? ''}" is not allowed: scrape http://127.0.0.1:${boundPort}/metrics\n`);
    }
    if (url.pathname === '/') return text(200, 'claude-ingest metrics: GET /metrics (Prometheus text format)\n');
    if (url.pathname !== '/metrics') return text(404, `not found: ${url.pathname} (use /metrics)\n`);
    try {
      const k = await current();
      text(200, await prometheusText(k.snapshot, (o.now ?? Date.now)()), PROMETHEUS_CONTENT_TYPE);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`metrics: ${message}`);
      text(503, `the warehouse could not be read: ${message}\n`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`metrics: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new MetricsStartError(`port ${port} on ${host} is already in use: pass --port with another number (or 0 for any free port)`)
          : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
            ? new MetricsStartError(`cannot listen on host ${host}: pass --host with an address of this machine (default ${DEFAULT_METRICS_HOST})`)
            : err,
      );
    });
    server.listen(port, host, () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  // Only where a change token tells a change for the price of a stat: BigQuery is read when scraped.
  const timer = o.warmIntervalMs === 0 || !perRead ? undefined : setInterval(() => void refresh(), o.warmIntervalMs ?? 5000);
  timer?.unref();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/metrics`,
    port: boundPort,
    refresh,
    reads: () => readCount,
    async close() {
      if (timer) clearInterval(timer);
      await reading?.catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await shared?.close();
    },
  };
}
