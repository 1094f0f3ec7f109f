/** The contract between the pipeline and the Admin API source (implemented in src/source/). */

/** Query parameters; arrays are sent as repeated `name[]=value` pairs. */
export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Counters kept per window so the ledger can record what a window cost in requests. */
export interface RequestStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

export function newRequestStats(): RequestStats {
  return { requests: 0, retries: 0, rateLimited: 0 };
}

/** One page of a time-bucketed report (cost_report, usage_report/messages). */
export interface ReportBucket<R> {
  starting_at: string;
  ending_at: string;
  results: R[];
}

/** Something the client tells the progress display / JSON log about. */
export type ClientEvent =
  | { type: 'request'; path: string }
  | { type: 'retry'; path: string; status: number | string; attempt: number; waitMs: number; requestId?: string }
  | { type: 'rate_limited'; path: string; waitMs: number; requestId?: string };

export interface AdminApiConfig {
  /** e.g. https://api.anthropic.com; http:// only to loopback. */
  baseUrl: string;
  apiKey: string;
  /** Extra anthropic-beta names. */
  betas?: string[];
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts per request before the window fails (1 = no retry). */
  maxAttempts?: number;
  /** Upper bound on all waiting for one request, so a per-minute limit can refill. */
  retryBudgetMs?: number;
  /** Concurrent requests allowed at most (the governor adapts below it). */
  maxConcurrency?: number;
  /** First backoff step for retries and 429s without timing headers (default 1000 ms; tests use a few ms). */
  retryBaseMs?: number;
  /** Longest single backoff step (default 60000 ms). */
  retryMaxDelayMs?: number;
  onEvent?: (e: ClientEvent) => void;
}
