/** usage_report/messages results → claude_usage_keys / claude_usage_daily_totals rows. */
import type { UsageResult } from '../source/schemas.js';
import type { RowOf } from '../warehouse/tables.js';
import { extraJson, unmappedFields, type FieldSpec } from './extra.js';
import { bucketDay, bucketInstant } from './bucket-times.js';
import type { WindowTally } from './tally.js';
import { TOKEN_MEASURES, tokenCounts } from './token-counts.js';

const USAGE_FIELDS: FieldSpec = {
  ...TOKEN_MEASURES,
  api_key_id: true,
  workspace_id: true,
  model: true,
  service_tier: true,
  context_window: true,
};

export function usageRow(bucketStart: string, r: UsageResult, tally: WindowTally): RowOf<'claude_usage_keys'> {
  const day = bucketDay(bucketStart);
  return Object.assign(tokenCounts(r), {
    activity_date: day,
    bucket_start: bucketInstant(bucketStart),
    api_key_id: r.api_key_id,
    workspace_id: r.workspace_id,
    model: r.model,
    service_tier: r.service_tier,
    context_window: r.context_window,
    extra: tally.extraColumn('claude_usage_keys', day, unmappedFields(r, USAGE_FIELDS)),
  });
}

export function usageTotalRow(bucketStart: string, r: UsageResult): RowOf<'claude_usage_daily_totals'> {
  return Object.assign(tokenCounts(r), {
    activity_date: bucketDay(bucketStart),
    bucket_start: bucketInstant(bucketStart),
    extra: extraJson(unmappedFields(r, TOKEN_MEASURES)),
  });
}
