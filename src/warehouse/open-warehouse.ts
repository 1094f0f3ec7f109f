/** Turns a --warehouse URL into an open Warehouse. BigQuery's client is loaded only when asked for. */
import { WarehouseError, type Warehouse } from './warehouse.js';
import { openDuckDbWarehouse } from './duckdb/duckdb-warehouse.js';

export type WarehouseTarget =
  | { kind: 'duckdb'; path: string }
  | { kind: 'bigquery'; project: string; dataset: string; location?: string; endpoint?: string; auth?: 'adc' | 'none' | 'token' };

export interface OpenWarehouseOptions {
  readOnly?: boolean;
  lockWaitMs?: number;
  /** DuckDB: told once when another process holds the file and the open starts waiting (--lock-wait). */
  onLockWait?: (holder: string) => void;
  /** Windows written at once (--concurrency); DuckDB sizes its memory limit by it. */
  openWindows?: number;
  /** Where BigQuery's endpoint and credential settings are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const ACCEPTED =
  'use duckdb:./file.duckdb, duckdb:/abs/path.duckdb, duckdb://path, a path ending in .duckdb, or bigquery://PROJECT/DATASET?location=US[&endpoint=URL&auth=adc|none|token]';

function bad(url: string, why: string): WarehouseError {
  return new WarehouseError(`--warehouse "${url}" ${why}: ${ACCEPTED}`);
}

const BIGQUERY_OPTIONS = ['location', 'endpoint', 'auth'];

function parseBigQuery(url: string): WarehouseTarget & { kind: 'bigquery' } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(url, 'is not a valid URL');
  }
  const project = decodeURIComponent(parsed.hostname);
  const segments = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (!project || segments.length !== 1) throw bad(url, 'needs a project and a dataset');
  const dataset = segments[0]!;
  if (!/^[A-Za-z0-9_]+$/.test(dataset)) throw bad(url, `has an invalid dataset name "${dataset}" (letters, digits, _)`);
  for (const key of parsed.searchParams.keys()) {
    if (!BIGQUERY_OPTIONS.includes(key)) throw bad(url, `has an unknown option "${key}" (BigQuery takes ${BIGQUERY_OPTIONS.join(', ')})`);
  }
  const target: WarehouseTarget & { kind: 'bigquery' } = { kind: 'bigquery', project, dataset };
  const location = parsed.searchParams.get('location');
  if (location) target.location = location;
  const endpoint = parsed.searchParams.get('endpoint');
  if (endpoint) target.endpoint = endpoint;
  const auth = parsed.searchParams.get('auth');
  if (auth !== null) {
    if (auth !== 'adc' && auth !== 'none' && auth !== 'token') throw bad(url, `has auth=${auth}, not one of adc, none, token`);
    target.auth = auth;
  }
  return target;
}

export function parseWarehouseUrl(url: string): WarehouseTarget {
  const text = url.trim();
  if (!text) throw bad(url, 'is empty');
  if (/^bigquery:/i.test(text)) {
    if (!/^bigquery:\/\//i.test(text)) throw bad(url, 'is not a BigQuery URL');
    return parseBigQuery(text);
  }
  if (/^duckdb:/i.test(text)) {
    // duckdb://x keeps x as written: relative 'data/x.duckdb' or absolute '/data/x.duckdb' (duckdb:///data/x.duckdb).
    const path = text.replace(/^duckdb:(\/\/)?/i, '');
    if (!path) throw bad(url, 'has no file path');
    return { kind: 'duckdb', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw bad(url, 'uses an unsupported scheme');
  if (/\.duckdb$/i.test(text)) return { kind: 'duckdb', path: text };
  throw bad(url, 'is not a warehouse URL');
}

export async function openWarehouse(url: string, opts: OpenWarehouseOptions = {}): Promise<Warehouse> {
  const target = parseWarehouseUrl(url);
  if (target.kind === 'duckdb') return openDuckDbWarehouse(target.path, opts);
  // Loaded on demand: DuckDB users never pay for the BigQuery client.
  let mod: typeof import('./bigquery/bigquery-warehouse.js');
  try {
    mod = await import('./bigquery/bigquery-warehouse.js');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new WarehouseError(`BigQuery support could not be loaded (${(err as Error).message}): reinstall claude-ingest or use a duckdb: warehouse`);
    }
    throw err;
  }
  return mod.openBigQueryWarehouse(target, { readOnly: opts.readOnly ?? false, ...(opts.env ? { env: opts.env } : {}) });
}
