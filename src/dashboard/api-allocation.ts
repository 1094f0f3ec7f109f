/**
 * /api/allocation (issue 25): who pays, for the dashboard. With the config's allocation rules (the
 * dashboard's --config): billed cost per day stacked by one dimension (`dim`, default the first),
 * the chargeback totals per value for the range, and the value of Claude Code per value; the same
 * engine and summaries as `report --by` and `chargeback`, so the page and the CLI agree. Without
 * rules: `configured: false` and empty lists (the page then hides the section).
 */
import { allocatedLines, keptCurrency } from '../reports/allocation/materialised-lines.js';
import { claudeCodeValue } from '../reports/allocation/claude-code-value.js';
import { feesOf, groupLines, sharePct, totalIncludes, totalOf, usdOf } from '../reports/allocation/summary.js';
import { dataSpan } from '../reports/queries.js';
import type { ApiContext } from './api-context.js';
import { BadRequest, rangeParam } from './params.js';

export async function allocation(ctx: ApiContext) {
  const rules = ctx.allocation ?? null;
  if (!rules) return { configured: false as const, dimensions: [] as string[], dim: null, rulesHash: null, days: [], values: [], chargeback: [], claudeCode: [] };
  const range = rangeParam(ctx.query, ctx.query.get('from') && ctx.query.get('to') ? null : await dataSpan(ctx.wh));
  const dim = ctx.query.get('dim') ?? rules.dimensions[0]!;
  if (!rules.dimensions.includes(dim)) throw new BadRequest(`dim=${dim} is not an allocation dimension: use one of ${rules.dimensions.join(', ')}`);
  // Totals and days need only what the rules tell apart; the value of Claude Code its people.
  // Both from the kept lines when current (materialised-lines.ts), else from the engine over the facts.
  // One currency check for both readers of the kept lines (the Claude Code value's range is the same or smaller).
  const current = keptCurrency(ctx.wh, rules, range);
  // Awaited by both readers; a reader that returns early never awaits it, and its failure is theirs to report.
  current.catch(() => {});
  const [lines, value] = await Promise.all([allocatedLines(ctx.wh, rules, range, ['day'], undefined, current), claudeCodeValue(ctx.wh, rules, [dim], range, undefined, current)]);
  const total = totalOf(lines).billed;
  const fees = feesOf(lines);
  const totals = groupLines(rules, lines, [dim]);
  const perDay = groupLines(rules, lines, ['day', dim]);
  const days = [...new Set(perDay.map((g) => g.keys[0]!))].sort().map((day) => ({
    day,
    values: Object.fromEntries(perDay.filter((g) => g.keys[0] === day).map((g) => [g.keys[1]!, usdOf(g.billed)])),
  }));
  return {
    configured: true as const,
    dimensions: rules.dimensions,
    dim,
    rulesHash: rules.hash,
    from: range.from,
    to: range.to,
    /** Values by billed cost, largest first: the stacking order. */
    values: totals.map((g) => g.keys[0]!),
    days,
    /** billed_usd includes the value's configured fees (fixed_fees_configured_usd, never API data). */
    chargeback: totals.map((g) => ({ value: g.keys[0]!, billed_usd: usdOf(g.billed), list_usd: usdOf(g.list), fixed_fees_configured_usd: usdOf(g.fees), share_pct: sharePct(g.billed, total) })),
    totalUsd: usdOf(total),
    feesUsd: usdOf(fees),
    totalIncludes: totalIncludes(fees),
    claudeCode: value.rows,
  };
}
