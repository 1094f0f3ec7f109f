/**
 * The limits stream: a snapshot of the spend limits (usage-tier cap included) and the rate limits
 * (the organization's and each workspace's overrides), replaced whole by every run. The two
 * endpoints are offered separately: spend limits are early access for Console organizations (400
 * organization_type_not_supported, 403 or 404 otherwise). One that is not offered leaves its table
 * empty and the run warns; when neither is, the stream is unavailable (analytics-unavailable.ts:
 * recorded `unavailable`, a WARNING once, exit 0, asked again by the next run).
 */
import { ApiError } from '../source/errors.js';
import { ENDPOINTS, SPEND_LIMIT_BETA } from '../source/endpoints.js';
import type { AdminApiClient } from '../source/http-client.js';
import { rateLimitItemSchema, spendLimitItemSchema, workspaceRateLimitItemSchema } from '../source/limit-schemas.js';
import { paginateList, paginateNextPage, type JsonGetter } from '../source/pagination.js';
import { workspaceItemSchema } from '../source/schemas.js';
import { rateLimitRows, spendLimitRow } from '../transform/limit-rows.js';
import { StreamUnavailableError } from './analytics-unavailable.js';
import type { TableBatch } from '../warehouse/window-writer.js';
import type { StreamContext, StreamDef } from './stream.js';

/** The answers that mean "this organization is not offered the endpoint", not a failure. */
export function notOffered(err: unknown): ApiError | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 403 || err.status === 404) return err;
  if (err.status === 400 && /organization_type_not_supported|organization_not_eligible/.test(`${err.kind} ${err.message}`)) return err;
  return null;
}

export class LimitsUnavailableError extends StreamUnavailableError {
  constructor(status: number, detail: string) {
    super('limits', status, detail);
    this.message = `limits: neither spend limits nor rate limits are available to this organization (${status}: ${detail})`;
  }
}

const withBeta = (client: AdminApiClient, beta: string): JsonGetter => ({
  getJson: (path, query, stats) => client.getJson(path, query, stats, { betas: [beta] }),
});

export const limitsStream: StreamDef = {
  name: 'limits',
  summary: 'spend_limits (every scope, the usage-tier cap included) and rate_limits (organization and per-workspace overrides) → claude_spend_limits, claude_rate_limits (latest snapshot)',
  writeMode: 'replace-all',
  windowDays: () => 1,
  tables: ['claude_spend_limits', 'claude_rate_limits'],
  async *fetchWindow(_window, ctx) {
    const warnings: string[] = [];
    let spendGone: ApiError | null = null;
    let spendRows = 0;
    try {
      for await (const items of paginateNextPage(withBeta(ctx.client, SPEND_LIMIT_BETA), ENDPOINTS.spendLimits, {}, spendLimitItemSchema, ctx.stats)) {
        if (items.length === 0) continue;
        spendRows += items.length;
        yield { table: 'claude_spend_limits', rows: items.map((s) => spendLimitRow(s)) };
      }
    } catch (err) {
      spendGone = notOffered(err);
      if (!spendGone || spendRows > 0) throw err;
    }
    let rateGone: ApiError | null = null;
    try {
      for await (const items of paginateNextPage(ctx.client, ENDPOINTS.rateLimits, {}, rateLimitItemSchema, ctx.stats)) {
        const rows = items.flatMap((r) => rateLimitRows(r, null));
        if (rows.length > 0) yield { table: 'claude_rate_limits', rows };
      }
    } catch (err) {
      rateGone = notOffered(err);
      if (!rateGone) throw err;
    }
    if (spendGone && rateGone) throw new LimitsUnavailableError(rateGone.status, rateGone.message);
    if (!rateGone) yield* workspaceOverrides(ctx);
    if (spendGone) warnings.push(`limits: spend limits are not available to this organization (${spendGone.status}: ${spendGone.message}); claude_spend_limits is left empty and asked for again by the next run`);
    if (rateGone) warnings.push(`limits: rate limits are not available to this organization (${rateGone.status}: ${rateGone.message}); claude_rate_limits is left empty`);
    return { warnings };
  },
};

/** Each workspace's overrides (only those it sets: the organization's values are already stored). */
async function* workspaceOverrides(ctx: StreamContext): AsyncGenerator<TableBatch<'claude_rate_limits'>> {
  for await (const workspaces of paginateList(ctx.client, ENDPOINTS.workspaces, {}, workspaceItemSchema, ctx.stats)) {
    for (const ws of workspaces) {
      try {
        for await (const items of paginateNextPage(ctx.client, ENDPOINTS.workspaceRateLimits(ws.id), {}, workspaceRateLimitItemSchema, ctx.stats)) {
          const rows = items.flatMap((r) => rateLimitRows(r, r.workspace_id ?? ws.id));
          if (rows.length > 0) yield { table: 'claude_rate_limits', rows };
        }
      } catch (err) {
        // Archived between the list and this request: it has no limits to keep.
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
  }
}
