/** Public types of the Admin API emulator (see src/emulator/index.ts). */

import type { IsoDay } from '../util/dates.js';
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
  | '429_retry_after'
  /** 410 to a request that carries a `page` cursor (analytics endpoints): the client must restart the query. */
  | '410_expired_cursor'
  /** 400 too_many_report_groups: a day has more groups than the report can return; the message names the endpoint to use. */
  | '400_too_many_groups';

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
  /**
   * false or 404: the analytics endpoints answer 404; 403: permission_error (an organization without
   * the API); 'not-eligible': 400 with `organization_not_eligible` (e.g. HIPAA readiness).
   */
  analyticsAvailable?: boolean | 403 | 404 | 'not-eligible';
  /**
   * The key reads as a member who sees only some workspaces: the Analytics API renders user and
   * federated actors as null, each still its own row (so a bucket holds rows with identical groups).
   */
  hiddenActors?: boolean;
  /**
   * A page holding more than this many items (report results, analytics rows) is refused with 400
   * `report_page_too_large`, as the API refuses pages too large to build.
   */
  maxPageRows?: number;
  /** Keys with only the `read:analytics` scope: the analytics endpoints and organizations/me answer them, every other endpoint 403. */
  analyticsKeys?: string[];
  /**
   * Several organizations at once, one per admin key (each its own data, ground truth and rate
   * limit); any other key is then rejected (401). Without it, any sk-ant-admin key (or OAuth token
   * sk-ant-oat…) reads one org.
   */
  organizations?: Array<{ adminKey: string; seed?: number; org?: OrgSize | OrgShape; historyDays?: number }>;
  /** Usage-tier monthly cap in cents (spend_limits' `usage_tier` limit; emulator --spend-cap USD). Default 500000 ($5,000); null = no cap. */
  spendCapCents?: string | null;
  /** Further spend limits (organization or workspace scope, any period). */
  spendLimits?: Array<{ amountCents: string | null; period?: 'daily' | 'weekly' | 'monthly'; workspace?: string; enabled?: boolean; scope?: Record<string, string> }>;
  /** Limiter type → organization limit for every model group (emulator --rate-limits); any type name is served, unknown ones too. */
  rateLimits?: Record<string, number>;
  /** Per-workspace overrides (workspace id or name; group type default model_group; models: only groups holding one of them). */
  workspaceRateLimits?: Array<{ workspace: string; limiter: string; value: number; group?: string; models?: string[] }>;
  /** Limit endpoints not offered: spend 400 (organization_type_not_supported), 403 or 404; rate 403 or 404. */
  limitsAvailable?: { spend?: true | 400 | 403 | 404; rate?: true | 403 | 404 };
  /**
   * Planted per-minute usage: one extra usage atom of these tokens at that minute (UTC "HH:MM") of
   * the day, for that model (default the organization's first) and workspace (default the first key's).
   * Its cost follows from its tokens like any other usage.
   */
  minutePeaks?: MinutePeak[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
}

export interface MinutePeak {
  day: string;
  minute: string;
  model?: string;
  workspace?: string;
  uncachedInput?: number;
  cacheRead?: number;
  cacheCreation5m?: number;
  output?: number;
  serviceTier?: 'standard' | 'batch';
}

export type EndpointKey =
  | 'cost_report'
  | 'usage_report/messages'
  | 'usage_report/claude_code'
  | 'api_keys'
  | 'workspaces'
  | 'users'
  | 'service_accounts'
  | 'rbac_groups'
  | 'organizations/me'
  | 'analytics/cost'
  | 'analytics/usage'
  | 'rate_limits'
  | 'workspaces/rate_limits'
  | 'spend_limits';

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
  /** What GET /v1/organizations/me answers as `id`. */
  organizationId: string;
  firstDay: IsoDay;
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
  /** The Usage and Cost Analytics API's figures (see src/emulator/analytics-events.ts for how they relate to cost_report). */
  analytics: AnalyticsTruth;
}

export interface AnalyticsTruth {
  /** Σ cost.amount of the day (exact decimal string of cents), ungrouped. */
  costCents(day: string): string;
  listCostCents(day: string): string;
  /** keyed by api_key_id (null = no key). */
  costCentsByApiKey(day: string): Map<string | null, string>;
  /** keyed by `${actor_type}|${actor id}`: user_id, service_account_id, subject ?? JSON of provider, api_key_id. */
  costCentsByActor(day: string): Map<string, string>;
  /** keyed by product (null = code execution). */
  costCentsByProduct(day: string): Map<string | null, string>;
  /** analytics costCents − cost_report's costCents: the subscription products cost_report does not bill. */
  costCentsNotInCostReport(day: string): string;
  /** ungrouped usage token totals of the day. */
  usage(day: string): TokenTotals & { requests: number; total_tokens: number };
  usageByActor(day: string): Map<string, TokenTotals>;
  /** The default workspace's id in this API (the legacy reports say null for it). */
  defaultWorkspaceId: string;
  /** First day the API serves: max(2026-01-01, today − 365 days). */
  firstServedDay: IsoDay;
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
  /** The ground truth of one of `organizations`. */
  truthFor(adminKey: string): GroundTruth;
  /** This key gets 401 from now on, or after `afterRequests` more answers (a key revoked mid-run). */
  revokeKey(adminKey: string, afterRequests?: number): void;
  /** Late corrections: deterministically changes the last 3 days up to today, in every report and the ground truth. */
  setRevision(n: number): void;
  /**
   * Holds every request whose path contains `path` (any request when omitted), unanswered, until
   * `release()`: a client kept mid-run for exactly as long as a test needs, instead of a latency
   * guess. `held` resolves when the first such request is being held. close() releases it too.
   */
  hold(path?: string): EmulatorHold;
  close(): Promise<void>;
}

export interface EmulatorHold {
  /** Resolves once a matching request is being held. */
  held: Promise<void>;
  /** Answers the held requests (and lets later ones through); idempotent. */
  release(): void;
}
