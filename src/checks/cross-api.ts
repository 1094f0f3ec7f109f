/**
 * cross-api: per day, the Analytics API's cost restricted to what cost_report bills equals cost_report
 * to the last digit (the bridge and its evidence: src/reports/bridge.ts). The rest of the analytics
 * cost (claude.ai chat, Cowork, Claude Code on a subscription, …) is shown, never judged: it is not in
 * cost_report by design. A WARN names the day, the product and the amount where the API part differs.
 */
import { bridgeDays, bridgeDifferences, COMPONENT_LABELS, sumMap, type BridgeDifference } from '../reports/bridge.js';
import { ExactDecimal, formatUsd } from '../util/money.js';
import { listDays, orgAnd, type Check, type CheckContext } from './check.js';

type Dec = InstanceType<typeof ExactDecimal>;
const usd = (cents: Dec) => formatUsd(cents.div(100).toFixed());

function describe(x: BridgeDifference): string {
  const products = [...x.products].map(([p, c]) => `${p} ${usd(c)}`).join(', ') || 'none';
  return `${x.day} ${COMPONENT_LABELS[x.component]} (${products}): API ${x.api.toFixed()} vs cost_report ${x.costReport.toFixed()} cents (${x.api.minus(x.costReport).toFixed()})`;
}

export async function crossApiResult(ctx: CheckContext) {
  const org = orgAnd(ctx);
  const days = await bridgeDays(ctx.wh, {
    from: ctx.range.from,
    to: ctx.range.to,
    and: { sql: (alias) => orgAnd(ctx, alias).sql, params: org.params },
  });
  const id = 'cross-api';
  if (days.length === 0) {
    return { id, status: 'PASS' as const, figure: '0 days compared', detail: 'No day holds both an Analytics API total and a cost_report total.' };
  }
  let api = new ExactDecimal(0);
  let report = new ExactDecimal(0);
  const outside = new Map<string, Dec>();
  for (const b of days) {
    api = api.plus(sumMap(b.api));
    report = report.plus(sumMap(b.costReport));
    for (const [k, v] of b.outside) outside.set(k, (outside.get(k) ?? new ExactDecimal(0)).plus(v));
  }
  const outsideText = [...outside].sort((a, b) => b[1].comparedTo(a[1])).map(([k, v]) => `${k} ${usd(v)}`).join(', ') || 'nothing';
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

export const crossApiCheck: Check = {
  id: 'cross-api',
  title: 'Analytics cost bridged to cost_report',
  run: crossApiResult,
};
