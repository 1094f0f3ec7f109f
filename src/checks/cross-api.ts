/**
 * cross-api: per day, the Analytics API's cost restricted to what cost_report bills equals cost_report
 * to the last digit (the bridge and its evidence: src/reports/bridge.ts). The rest of the analytics
 * cost (claude.ai chat, Cowork, Claude Code on a subscription, …) is shown, never judged: it is not in
 * cost_report by design. A WARN names the day, the product and the amount where the API part differs.
 */
import { bridgeDays, bridgeDifferences, COMPONENT_LABELS, sumMap, type BridgeComponent, type BridgeDay, type BridgeDifference } from '../reports/bridge.js';
import { canonicalDecimal, compareDecimal, DecimalSum, divideDecimal, formatUsd, subtractDecimal } from '../util/money.js';
import { listDays, orgAnd, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';

const usd = (cents: string) => formatUsd(divideDecimal(cents, 100));

function describe(x: BridgeDifference): string {
  const products = [...x.products].map(([p, c]) => `${p} ${usd(c)}`).join(', ') || 'none';
  return `${x.day} ${COMPONENT_LABELS[x.component]} (${products}): API ${x.api} vs cost_report ${x.costReport} cents (${subtractDecimal(x.api, x.costReport)})`;
}

/** A day's bridge as kept: each map as [key, cents] entries sorted by key (so any range reads the same). */
interface DayFacts {
  api: Array<[BridgeComponent, string]>;
  apiProducts: Array<[BridgeComponent, Array<[string, string]>]>;
  costReport: Array<[BridgeComponent, string]>;
  outside: Array<[string, string]>;
}

const byKey = <K extends string, V>(m: Map<K, V>): Array<[K, V]> => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const cents = <K extends string>(m: Map<K, string>): Array<[K, string]> => byKey(m);
// Kept facts are canonical already; canonicalDecimal makes equal amounts equal strings whatever wrote them.
const decimals = <K extends string>(e: Array<[K, string]>): Map<K, string> => new Map(e.map(([k, v]) => [k, canonicalDecimal(v)]));

async function facts(ctx: CheckContext): Promise<Map<string, DayFacts>> {
  const org = orgAnd(ctx);
  const days = await bridgeDays(ctx.wh, {
    from: ctx.range.from,
    to: ctx.range.to,
    and: { sql: (alias) => orgAnd(ctx, alias).sql, params: org.params },
  });
  return new Map(
    days.map((b) => [
      b.day,
      { api: cents(b.api), apiProducts: byKey(b.apiProducts).map(([c, m]) => [c, cents(m)]), costReport: cents(b.costReport), outside: cents(b.outside) },
    ]),
  );
}

function judge(_ctx: CheckContext, byDay: Map<string, DayFacts>): CheckResult {
  const days: BridgeDay[] = [...byDay.keys()].sort().map((day) => {
    const f = byDay.get(day)!;
    return { day, api: decimals(f.api), apiProducts: new Map(f.apiProducts.map(([c, e]) => [c, decimals(e)])), costReport: decimals(f.costReport), outside: decimals(f.outside) };
  });
  const id = 'cross-api';
  if (days.length === 0) {
    return { id, status: 'PASS' as const, figure: '0 days compared', detail: 'No day holds both an Analytics API total and a cost_report total.' };
  }
  const apiSum = new DecimalSum();
  const reportSum = new DecimalSum();
  const outsideSums = new Map<string, DecimalSum>();
  for (const b of days) {
    apiSum.add(sumMap(b.api));
    reportSum.add(sumMap(b.costReport));
    for (const [k, v] of b.outside) {
      let sum = outsideSums.get(k);
      if (!sum) outsideSums.set(k, (sum = new DecimalSum()));
      sum.add(v);
    }
  }
  const api = apiSum.toString();
  const report = reportSum.toString();
  const outside = new Map([...outsideSums].map(([k, v]) => [k, v.toString()]));
  const outsideText = byKey(outside).sort((a, b) => compareDecimal(b[1], a[1])).map(([k, v]) => `${k} ${usd(v)}`).join(', ') || 'nothing';
  const differ = days.flatMap(bridgeDifferences);
  if (differ.length === 0) {
    return {
      id,
      status: 'PASS' as const,
      figure: `${days.length} days bridged`,
      detail: `bridged: API ${usd(api)} = cost_report ${usd(report)}; outside cost_report: ${outsideText}. On each of ${days.length} days the Analytics API cost of the products cost_report bills equals it to the last digit.`,
    };
  }
  const badDays = [...new Set(differ.map((x) => x.day))];
  const shown = differ.slice(0, 4).map(describe);
  return {
    id,
    status: 'WARN' as const,
    figure: `${badDays.length} of ${days.length} days differ`,
    detail: `${shown.join('; ')}${differ.length > shown.length ? `; and ${differ.length - shown.length} more` : ''} (${listDays(badDays)}). Outside cost_report (not judged): ${outsideText}.`,
    action: `Re-fetch those days (claude-ingest backfill --refresh --from ${badDays[0]} --to ${badDays.at(-1)} --streams cost,analytics_cost); if it persists, the API moved a product across the bridge (docs/reconcile.md).`,
    days: badDays,
  };
}

/** Kept per day (proofs.ts): a day's facts are its bridge (both sides per component, the products outside). */
export const crossApiCheck = dailyCheck<DayFacts>({
  id: 'cross-api',
  title: 'Analytics cost bridged to cost_report',
  daily: {
    tables: ['claude_cost_by_actor', 'claude_costs', 'claude_analytics_daily_totals', 'claude_cost_daily_totals'],
    // bridgeDays() reads these; of the totals tables only which days hold rows (activity_date, counted).
    columns: {
      claude_cost_by_actor: ['product', 'workspace_id', 'cost_type', 'amount_cents'],
      claude_costs: ['cost_type', 'service_tier', 'amount_cents'],
      claude_analytics_daily_totals: [],
      claude_cost_daily_totals: [],
    },
    version: '1',
    facts,
    judge,
  },
});

