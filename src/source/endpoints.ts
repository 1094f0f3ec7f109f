/** Admin API paths this project reads (see /work/shared/admin-api.md). */
export const ENDPOINTS = {
  costReport: '/v1/organizations/cost_report',
  usageMessages: '/v1/organizations/usage_report/messages',
  claudeCode: '/v1/organizations/usage_report/claude_code',
  apiKeys: '/v1/organizations/api_keys',
  workspaces: '/v1/organizations/workspaces',
  users: '/v1/organizations/users',
  organization: '/v1/organizations/me',
} as const;
