/**
 * The API client and an organization's ingest environment, for the commands that call the API
 * (backfill, run, retry, the limit reports, the demo). Not part of CliRuntime: the client's modules
 * (transport, body decoders, rate governor, retry policy) cost every reading command's start some
 * 25 ms of CPU for nothing (docs/performance.md, Round 15).
 */
import type { Env } from '../config/env.js';
import type { IngestEnvironment } from '../jobs/ingest-run.js';
import { AdminApiClient } from '../source/http-client.js';
import { RateGovernor } from '../source/rate-governor.js';
import type { StreamOptions } from '../streams/stream.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { GlobalOptions } from './program.js';
import { parseNonNegative, parsePositive, toolVersion, type CliRuntime } from './runtime.js';

/**
 * Retry settings. --max-attempts is for users; the CLAUDE_INGEST_* variables exist so tests and
 * unusual deployments can shrink the backoff without a flag nobody else needs.
 */
function retryTuning(env: Env, opts: GlobalOptions) {
  const fromEnv = (name: string) => (env[name] === undefined ? undefined : parseNonNegative(env[name]!, name));
  return {
    maxAttempts: opts.maxAttempts === undefined ? undefined : parsePositive(opts.maxAttempts, '--max-attempts', 100),
    retryBaseMs: fromEnv('CLAUDE_INGEST_RETRY_BASE_MS'),
    retryMaxDelayMs: fromEnv('CLAUDE_INGEST_RETRY_MAX_MS'),
    timeoutMs: fromEnv('CLAUDE_INGEST_TIMEOUT_MS'),
  };
}

/** A client with its own rate governor (limits are per organization), for `concurrency` requests at once. */
export function apiClient(rt: CliRuntime, opts: GlobalOptions, api: { apiKey: string; baseUrl: string }, concurrency = rt.concurrency(opts)): AdminApiClient {
  const reporter = rt.reporter(opts);
  const tuning = retryTuning(rt.io.env, opts);
  // Twenty successes per added slot: a per-organization limit is found by probing (the real API sends
  // no retry-after), and a quicker climb re-probes it every few requests, each probe a wasted 429.
  const governor = new RateGovernor({ maxConcurrency: concurrency, successesPerIncrease: 20, baseBackoffMs: tuning.retryBaseMs, maxBackoffMs: tuning.retryMaxDelayMs });
  return new AdminApiClient(
    { baseUrl: api.baseUrl, apiKey: api.apiKey, maxConcurrency: concurrency, ...tuning, onEvent: (event) => reporter.event({ type: 'client', event }) },
    governor,
  );
}

/**
 * One organization's environment: its own client and rate governor (limits are per organization),
 * with `share` of --concurrency, so several organizations together stay within it.
 */
export function ingestEnvironment(
  rt: CliRuntime,
  opts: GlobalOptions,
  warehouse: Warehouse,
  api: { apiKey: string; baseUrl: string },
  options: StreamOptions,
  org: { share: number; sole: boolean } = { share: rt.concurrency(opts), sole: true },
): IngestEnvironment {
  const reporter = rt.reporter(opts);
  const concurrency = org.share;
  return {
    warehouse,
    client: apiClient(rt, opts, api, concurrency),
    apiKey: api.apiKey,
    emit: (e) => reporter.event(e),
    concurrency,
    options,
    today: rt.today(),
    toolVersion: toolVersion(),
    soleOrganization: org.sole,
  };
}
