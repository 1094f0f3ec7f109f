/**
 * The fewest requests the Analytics API streams can make for a range: every query the streams send
 * (same group_by, same 31-day windows from the first served day, limit 1000), each page full. Row
 * counts per query shape are not in the ground truth, so they are read from a second emulator of
 * the same organization without latency or rate limit (deterministic: same seed, same answers), by
 * a plain page-following loop that is not the tool's stream code.
 */
import { z } from 'zod';
import type { Emulator } from '../src/emulator/index.js';
import { EMULATOR_ADMIN_KEY } from '../src/emulator/index.js';
import { AdminApiClient } from '../src/source/http-client.js';
import { ANALYTICS_BETA, ENDPOINTS } from '../src/source/endpoints.js';
import { newRequestStats } from '../src/source/types.js';
import { COST_BY_ACTOR_GROUP_BY, COST_BY_KEY_GROUP_BY } from '../src/streams/analytics-cost.js';
import { analyticsQuery } from '../src/streams/analytics-stream.js';
import { analyticsServedFrom } from '../src/source/analytics-floor.js';
import { USAGE_BY_ACTOR_GROUP_BY } from '../src/streams/analytics-usage.js';
import { addDays, type IsoDay } from '../src/util/dates.js';

const row = z.unknown();

async function pagesOf(client: AdminApiClient, path: string, query: Record<string, unknown>): Promise<number> {
  let pages = 0;
  let page: string | undefined;
  for (;;) {
    const body = (await client.getJson(path, { ...query, limit: 1000, page } as never, newRequestStats(), { betas: [ANALYTICS_BETA] })) as {
      data: unknown[];
      has_more: boolean;
      next_page: string | null;
    };
    row.parse(body.data);
    pages++;
    if (!body.has_more || !body.next_page) return pages;
    page = body.next_page;
  }
}

/** Minimum requests per analytics endpoint for [from, to] (days before the first served day are not requested). */
export async function analyticsMinimum(probe: Emulator, from: IsoDay, to: IsoDay, today: IsoDay): Promise<Record<string, number>> {
  const client = new AdminApiClient({ baseUrl: probe.url, apiKey: EMULATOR_ADMIN_KEY, retryBaseMs: 5, retryMaxDelayMs: 50 });
  const served = analyticsServedFrom(today);
  let cost = 0;
  let usage = 0;
  for (let start = from > served ? from : served; start <= to; start = addDays(start, 31)) {
    const end = addDays(start, 30) < to ? addDays(start, 30) : to;
    const q = (groupBy: readonly string[]) => analyticsQuery({ from: start, to: end }, { usageBucket: '1d' }, groupBy) as Record<string, unknown>;
    // analytics_cost: the ungrouped cost total, by key, by actor, and the ungrouped usage total.
    cost += (await pagesOf(client, ENDPOINTS.analyticsCost, q([]))) + (await pagesOf(client, ENDPOINTS.analyticsCost, q(COST_BY_KEY_GROUP_BY)));
    cost += await pagesOf(client, ENDPOINTS.analyticsCost, q(COST_BY_ACTOR_GROUP_BY));
    usage += await pagesOf(client, ENDPOINTS.analyticsUsage, q([]));
    // analytics_usage: by actor.
    usage += await pagesOf(client, ENDPOINTS.analyticsUsage, q(USAGE_BY_ACTOR_GROUP_BY));
  }
  return { 'analytics/cost': cost, 'analytics/usage': usage };
}
