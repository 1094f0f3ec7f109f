/** Ground truth of the Usage and Cost Analytics API, summed straight from the day's analytics events. */
import { addDays } from '../util/dates.js';
import { ANALYTICS_PRODUCTS, analyticsCast } from './analytics-actors.js';
import { type AnalyticsEvent, analyticsEvents, hasUsage } from './analytics-events.js';
import { ANALYTICS_FLOOR_DAY } from './analytics-query.js';
import { formatNano } from './costs.js';
import type { SyntheticModel } from './model.js';
import type { AnalyticsTruth, TokenTotals } from './types.js';

const eventNano = (e: AnalyticsEvent) => e.parts.reduce((s, p) => s + p.nano, 0n);

function emptyTokens(): TokenTotals {
  return { uncached_input_tokens: 0, cache_read_input_tokens: 0, cache_creation_5m_input_tokens: 0, cache_creation_1h_input_tokens: 0, output_tokens: 0, web_search_requests: 0 };
}

/** Usage columns are in TOKEN_TYPES order (uncached, output, cache read, 5m, 1h), then web searches. */
function addUsage(t: TokenTotals, u: number[]): void {
  t.uncached_input_tokens += u[0]!;
  t.output_tokens += u[1]!;
  t.cache_read_input_tokens += u[2]!;
  t.cache_creation_5m_input_tokens += u[3]!;
  t.cache_creation_1h_input_tokens += u[4]!;
  t.web_search_requests += u[5]!;
}

export function createAnalyticsTruth(model: SyntheticModel, legacyCostNano: (day: string) => bigint): AnalyticsTruth {
  const org = model.org;
  const cast = analyticsCast(org, model.seed);
  const dayNano = (day: string) => analyticsEvents(model, day).reduce((s, e) => s + eventNano(e), 0n);
  function costBy<K>(day: string, keyOf: (e: AnalyticsEvent) => K): Map<K, string> {
    const acc = new Map<K, bigint>();
    for (const e of analyticsEvents(model, day)) {
      if (e.parts.length === 0) continue;
      const k = keyOf(e);
      acc.set(k, (acc.get(k) ?? 0n) + eventNano(e));
    }
    return new Map([...acc].map(([k, v]) => [k, formatNano(v)]));
  }
  const withUsage = (day: string) => analyticsEvents(model, day).filter(hasUsage);
  const floor = addDays(model.today, -365);

  return {
    costCents: (day) => formatNano(dayNano(day)),
    listCostCents: (day) => formatNano(analyticsEvents(model, day).reduce((s, e) => e.parts.reduce((t, p) => t + p.list, s), 0n)),
    costCentsByApiKey: (day) => costBy(day, (e) => (e.key < 0 ? null : org.apiKeys[e.key]!.id)),
    costCentsByActor: (day) => costBy(day, (e) => cast.actors[e.actor]!.key),
    costCentsByProduct: (day) => costBy(day, (e) => (e.product < 0 ? null : ANALYTICS_PRODUCTS[e.product]!)),
    costCentsNotInCostReport: (day) => formatNano(dayNano(day) - legacyCostNano(day)),
    usage(day) {
      const t = emptyTokens();
      let requests = 0;
      for (const e of withUsage(day)) {
        addUsage(t, e.usage!);
        requests += e.requests;
      }
      const total = t.uncached_input_tokens + t.output_tokens + t.cache_read_input_tokens + t.cache_creation_5m_input_tokens + t.cache_creation_1h_input_tokens;
      return { ...t, requests, total_tokens: total };
    },
    usageByActor(day) {
      const out = new Map<string, TokenTotals>();
      for (const e of withUsage(day)) {
        const k = cast.actors[e.actor]!.key;
        let t = out.get(k);
        if (!t) out.set(k, (t = emptyTokens()));
        addUsage(t, e.usage!);
      }
      return out;
    },
    defaultWorkspaceId: cast.defaultWorkspaceId,
    firstServedDay: floor > ANALYTICS_FLOOR_DAY ? floor : ANALYTICS_FLOOR_DAY,
  };
}
