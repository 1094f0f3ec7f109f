/** Admin API paths this project reads (the Admin API reference: docs.anthropic.com/en/api/administration-api). */
export const ENDPOINTS = {
  costReport: '/v1/organizations/cost_report',
  usageMessages: '/v1/organizations/usage_report/messages',
  claudeCode: '/v1/organizations/usage_report/claude_code',
  apiKeys: '/v1/organizations/api_keys',
  workspaces: '/v1/organizations/workspaces',
  users: '/v1/organizations/users',
  organization: '/v1/organizations/me',
  // Usage and Cost Analytics API (beta header ANALYTICS_BETA on every request).
  analyticsCost: '/v1/organizations/analytics/cost',
  analyticsUsage: '/v1/organizations/analytics/usage',
  // Limits (admin-api.md "Limits"); spend_limits needs SPEND_LIMIT_BETA.
  rateLimits: '/v1/organizations/rate_limits',
  workspaceRateLimits: (workspaceId: string) => `/v1/organizations/workspaces/${encodeURIComponent(workspaceId)}/rate_limits`,
  spendLimits: '/v1/organizations/spend_limits',
} as const;

/** The anthropic-beta name the analytics endpoints require (400 without it). */
export const ANALYTICS_BETA = 'analytics-usage-cost-2026-08-24';

/** The anthropic-beta name spend_limits requires. */
export const SPEND_LIMIT_BETA = 'spend-limit-reads-2026-09-26';
