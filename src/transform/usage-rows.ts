/** usage_report/messages results → claude_usage_keys / claude_usage_daily_totals rows. */
import type { Row } from '../warehouse/tables.js';
import type { Lineage } from './lineage.js';
import { bucketDay, bucketInstant } from './lineage.js';

export interface UsageResultLike {
  uncached_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  server_tool_use?: { web_search_requests?: number | null } | null;
  api_key_id?: string | null;
  workspace_id?: string | null;
  model?: string | null;
  service_tier?: string | null;
  context_window?: string | null;
}

function tokens(r: UsageResultLike): Row {
  return {
    uncached_input_tokens: r.uncached_input_tokens,
    cache_read_input_tokens: r.cache_read_input_tokens,
    cache_creation_5m_input_tokens: r.cache_creation.ephemeral_5m_input_tokens,
    cache_creation_1h_input_tokens: r.cache_creation.ephemeral_1h_input_tokens,
    output_tokens: r.output_tokens,
    web_search_requests: r.server_tool_use?.web_search_requests ?? 0,
  };
}

export function usageRow(bucketStart: string, r: UsageResultLike, lineage: Lineage): Row {
  return {
    activity_date: bucketDay(bucketStart),
    bucket_start: bucketInstant(bucketStart),
    api_key_id: r.api_key_id ?? null,
    workspace_id: r.workspace_id ?? null,
    model: r.model ?? null,
    service_tier: r.service_tier ?? null,
    context_window: r.context_window ?? null,
    ...tokens(r),
    ...lineage,
  };
}

export function usageTotalRow(bucketStart: string, r: UsageResultLike, lineage: Lineage): Row {
  return {
    activity_date: bucketDay(bucketStart),
    bucket_start: bucketInstant(bucketStart),
    ...tokens(r),
    ...lineage,
  };
}
