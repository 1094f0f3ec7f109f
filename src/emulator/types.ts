/** Public types of the Admin API emulator (see src/emulator/index.ts). */

export type OrgSize = 'small' | 'medium' | 'large';

export interface OrgShape {
  workspaces: number;
  apiKeys: number;
  models: number;
  claudeCodeUsers: number;
}

export type FaultKind =
  | '500'
  | '502_html'
  | '503'
  | '529'
  | 'reset'
  | 'truncated_json'
  | 'invalid_json'
  | 'slow'
  | 'missing_field'
  | 'extra_fields'
  | 'bad_page_token'
  | '429_retry_after';

export interface FaultRule {
  kind: FaultKind;
  /** Matches when the request path ends with this, e.g. 'cost_report', 'usage_report/messages', 'api_keys'. */
  path?: string;
  /** YYYY-MM-DD: matches report pages whose buckets cover this day (claude_code: that date). */
  day?: string;
  /** How many matching requests get the fault; default unlimited (a permanently failing window). */
  times?: number;
}

export interface RateLimitOptions {
  rpm: number;
  /** Bucket capacity; default max(1, rpm / 6). */
  burst?: number;
  /** Send retry-after and anthropic-ratelimit-requests-reset on 429 (the real report endpoints do not). */
  retryAfter?: boolean;
}

export interface EmulatorOptions {
  /** Default 42; same seed + today + org => byte-identical response bodies. */
  seed?: number;
  /** YYYY-MM-DD, default the real UTC today. Later days have no data; today has a full day of data. */
  today?: string;
  /** Data exists from today - historyDays to today; default 400. */
  historyDays?: number;
  org?: OrgSize | OrgShape;
  rateLimit?: RateLimitOptions;
  /** Added to every response. */
  latencyMs?: number;
  /** 0..1 probability of a random fault per request, deterministic from seed and request sequence. */
  faultRate?: number;
  /** Kinds faultRate draws from; default the transient ones. */
  faultKinds?: FaultKind[];
  faultRules?: FaultRule[];
  /** How long a 'slow' fault stalls before answering; default 30000. */
  slowMs?: number;
  /** Multiply these days' spend (usage tokens, token and non-token costs alike) by factor: a planted anomaly. */
  spikes?: Array<{ day: string; factor: number }>;
  /** Every answer as a newer API version might send it (see Endpoint.addDrift): unknown fields, enum values, a token bucket, actor types. */
  drift?: boolean;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
}

export type EndpointKey =
  | 'cost_report'
  | 'usage_report/messages'
  | 'usage_report/claude_code'
  | 'api_keys'
  | 'workspaces'
  | 'users'
  | 'organizations/me';

export interface EmulatorStats {
  total: number;
  byEndpoint: Record<string, number>;
  /** 429s from the rate limiter (injected '429_retry_after' faults count as faults). */
  rateLimited: number;
  faults: number;
}

export interface TokenTotals {
  uncached_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_5m_input_tokens: number;
  cache_creation_1h_input_tokens: number;
  output_tokens: number;
  web_search_requests: number;
}

export interface ClaudeCodeTotals {
  records: number;
  sessions: number;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  /** Sum over the four known tools (edit, multi_edit, write, notebook_edit) — the warehouse's fixed columns. */
  toolAccepted: number;
  toolRejected: number;
  /** Exact decimal string of the summed model_breakdown estimated_cost amounts. */
  estimatedCostCents: string;
}

/** Exact figures straight from the synthetic model (not via HTTP), for tests to compare warehouse contents against. */
export interface GroundTruth {
  firstDay: string;
  /** = today */
  lastDay: string;
  /** Exact decimal string of the day's billed cost in cents (what cost_report returns ungrouped). */
  costCents(day: string): string;
  /** null = default workspace. */
  costCentsByWorkspace(day: string): Map<string | null, string>;
  /** Both days inclusive. */
  costCentsRange(from: string, to: string): string;
  /** Every tier, priority included (usage_report/messages ungrouped). */
  tokens(day: string): TokenTotals;
  /** null = Console usage. */
  tokensByApiKey(day: string): Map<string | null, TokenTotals>;
  claudeCode(day: string): ClaudeCodeTotals;
  workspaces(): Array<{ id: string; name: string; archived: boolean }>;
  apiKeys(): Array<{ id: string; name: string; workspace_id: string | null; status: string }>;
  users(): Array<{ id: string; email: string; name: string }>;
}

export interface Emulator {
  url: string;
  port: number;
  truth: GroundTruth;
  stats(): EmulatorStats;
  resetStats(): void;
  /** Replaces the targeted faults (fresh `times` counters), e.g. to lift a permanent fault. */
  setFaultRules(rules: FaultRule[]): void;
  setFaultRate(rate: number): void;
  /** Late corrections: deterministically changes the last 3 days up to today, in every report and the ground truth. */
  setRevision(n: number): void;
  close(): Promise<void>;
}
