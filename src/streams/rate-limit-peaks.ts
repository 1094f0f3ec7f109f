/**
 * rate_limit_peaks: read on demand by `report --by rate_limit` for the days asked (never by backfill
 * or run: a year of 1-minute buckets is 525,600 of them), one window per day. Each window reads the
 * organization's rate limits (which models form which group, and the limits) and the day's
 * usage_report/messages in 1-minute buckets grouped by model, workspace and service tier, and keeps
 * only each group's busiest minute per limiter (transform/minute-peaks.ts). The ledger makes it a
 * cache: a complete day is not read again.
 */
import { ENDPOINTS } from '../source/endpoints.js';
import { rateLimitItemSchema, type RateLimitItem } from '../source/limit-schemas.js';
import { paginateNextPage, paginateReportBuckets } from '../source/pagination.js';
import { usageResultSchema } from '../source/schemas.js';
import { MinutePeaks } from '../transform/minute-peaks.js';
import { windowParams } from './report-stream.js';
import type { StreamDef } from './stream.js';

export const rateLimitPeaksStream: StreamDef = {
  name: 'rate_limit_peaks',
  summary: 'on demand (report --by rate_limit): each day\'s busiest minute per model group and limiter from usage_report/messages 1-minute buckets → claude_rate_limit_peaks',
  writeMode: 'replace-days',
  windowDays: () => 1,
  tables: ['claude_rate_limit_peaks'],
  async *fetchWindow(window, ctx) {
    const groups: RateLimitItem[] = [];
    for await (const items of paginateNextPage(ctx.client, ENDPOINTS.rateLimits, {}, rateLimitItemSchema, ctx.stats)) groups.push(...items);
    const peaks = new MinutePeaks(groups);
    const query = { ...windowParams(window), bucket_width: '1m', limit: 1440, group_by: ['model', 'workspace_id', 'service_tier'] };
    for await (const bucket of paginateReportBuckets(ctx.client, ENDPOINTS.usageMessages, query, usageResultSchema, ctx.stats)) {
      peaks.addMinute(bucket.starting_at, bucket.results);
    }
    const rows = peaks.rows(window.from);
    if (rows.length > 0) yield { table: 'claude_rate_limit_peaks', rows };
    const warnings = peaks.unmapped.size > 0 ? [`rate_limit_peaks ${window.from}: no rate-limit group lists model(s) ${[...peaks.unmapped].join(', ')}; their usage counts toward no limit`] : [];
    return { warnings };
  },
};
