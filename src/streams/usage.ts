import { ENDPOINTS } from '../source/endpoints.js';
import { usageResultSchema, type UsageResult } from '../source/schemas.js';
import { usageRow, usageTotalRow } from '../transform/usage-rows.js';
import { reportBatches, type ReportRequest } from './report-stream.js';
import type { StreamDef, StreamOptions } from './stream.js';

const ENDPOINT = ENDPOINTS.usageMessages;

// The API refuses more than 5 group_by[] dimensions; these five answer "which key spent tokens on what".
export const USAGE_GROUP_BY = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'] as const;

/** Buckets per page at the maximum limit: a 31-day window of daily buckets or a 7-day window of hours. */
function bucketParams(options: StreamOptions) {
  return options.usageBucket === '1h' ? { bucket_width: '1h', limit: 168 } : { bucket_width: '1d', limit: 31 };
}

const grouped: ReportRequest<UsageResult, 'claude_usage_keys'> = {
  endpoint: ENDPOINT,
  params: (o) => ({ ...bucketParams(o), group_by: [...USAGE_GROUP_BY] }),
  schema: usageResultSchema,
  table: 'claude_usage_keys',
  toRow: usageRow,
};

const ungrouped: ReportRequest<UsageResult, 'claude_usage_daily_totals'> = {
  endpoint: ENDPOINT,
  params: (o) => bucketParams(o),
  schema: usageResultSchema,
  table: 'claude_usage_daily_totals',
  toRow: usageTotalRow,
};

export const usageStream: StreamDef = {
  name: 'usage',
  summary: 'usage_report/messages by key, workspace, model, tier, context window → claude_usage_keys, plus totals → claude_usage_daily_totals',
  writeMode: 'replace-days',
  windowDays: (o) => (o.usageBucket === '1h' ? 7 : 31),
  tables: ['claude_usage_keys', 'claude_usage_daily_totals'],
  async *fetchWindow(window, ctx) {
    yield* reportBatches(grouped, window, ctx);
    yield* reportBatches(ungrouped, window, ctx);
  },
};
