/** Public API of the Admin API source. */
export { ApiError, ConfigError, CursorExpiredError, ResponseShapeError, SourceError, type ApiErrorKind } from './errors.js';
export { checkAdminKey, checkBaseUrl, redactKey } from './base-url.js';
export { RateGovernor, type RateGovernorOptions, type RateGovernorStats, type RateLimitInfo } from './rate-governor.js';
export { AdminApiClient, DEFAULTS, type JsonStreamEvent } from './http-client.js';
export { ANTHROPIC_VERSION, USER_AGENT, buildUrl } from './transport.js';
export { parseResetHeader, parseRetryAfter } from './retry-policy.js';
export { ENDPOINTS } from './endpoints.js';
export {
  apiKeyItemSchema,
  claudeCodeRecordSchema,
  costResultSchema,
  listPageSchema,
  parseOrThrow,
  reportPageSchema,
  usageResultSchema,
  userItemSchema,
  workspaceItemSchema,
  type ApiKeyItem,
  type ClaudeCodeRecord,
  type CostResult,
  type UsageResult,
  type UserItem,
  type WorkspaceItem,
} from './schemas.js';
export {
  MAX_CURSOR_RESTARTS,
  paginateAnalyticsRows,
  paginateClaudeCode,
  paginateList,
  paginateReportBuckets,
  type JsonGetter,
  type JsonStreamer,
} from './pagination.js';
export * from './types.js';
