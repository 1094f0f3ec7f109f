/**
 * `allocation` (with allocation rules in the config): per day, allocated + unallocated equals the
 * day's billed total to the last digit (the total summed by the warehouse, per day, from the same
 * table the day is allocated from); a rule that matched nothing in the range, and rules with the same
 * match whose effective dates overlap (the later one never wins there), are WARNs naming the rule.
 */
import { allocate } from '../reports/allocation/engine.js';
import { factDetailFor, readAllocationFacts } from '../reports/allocation/facts.js';
import type { AllocationRule } from '../reports/allocation/rules.js';
import { subCents } from '../reports/allocation/facts.js';
import { feesOf, sharePct, usdOf } from '../reports/allocation/summary.js';
import { fixedFeeDays } from '../reports/fixed-fee-days.js';
import { keptLinesDiffer } from '../reports/allocation/materialised-lines.js';
import { canonicalDecimal, storableDecimal, USD_SCALE } from '../util/money.js';
import { canonicalJson } from '../util/canonical-json.js';
import { formatUsd } from '../util/money.js';
import { inRange, listDays, plural, type Check, type CheckContext, type CheckResult } from './check.js';

/**
 * The day's billed total in sub-cents, summed by the warehouse: by-actor rows where the Analytics API
 * serves the day, else cost_report; plus each configured fee's part of the day (claude_fixed_costs
 * prorated by days), so allocated + unallocated must equal billed + fees.
 */
async function dayTotals(ctx: CheckContext): Promise<Map<string, bigint>> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const a = inRange(ctx, 'b');
  const c = inRange(ctx, 'c');
  const rows = await ctx.wh.query(
    `SELECT b.${i('activity_date')} AS ${i('day')}, ${d.sumExact(`b.${i('amount_cents')}`)} AS ${i('cents')} FROM ${d.table('claude_cost_by_actor')} b WHERE ${a.sql} GROUP BY 1
     UNION ALL
     SELECT c.${i('activity_date')} AS ${i('day')}, ${d.sumExact(`c.${i('amount_cents')}`)} AS ${i('cents')} FROM ${d.table('claude_costs')} c WHERE ${c.sql}
        AND NOT EXISTS (SELECT 1 FROM ${d.table('claude_cost_by_actor')} x WHERE ${d.allDays(`x.${i('activity_date')}`)}
                           AND x.${i('activity_date')} = c.${i('activity_date')} AND x.${i('organization_id')} IS NOT DISTINCT FROM c.${i('organization_id')})
      GROUP BY 1`,
    [...a.params, ...c.params],
  );
  const out = new Map<string, bigint>();
  for (const r of rows) out.set(String(r.day), (out.get(String(r.day)) ?? 0n) + subCents(r.cents));
  const org = ctx.organization?.id;
  for (const x of await fixedFeeDays(ctx.wh, { ...ctx.range, ...(org ? { organizationIds: [org] } : {}) })) {
    out.set(x.day, (out.get(x.day) ?? 0n) + storableDecimal(canonicalDecimal(x.usd), USD_SCALE, null));
  }
  return out;
}

/** Whether a rule's effective dates reach into [from, to] (inclusive days). */
function inEffect(r: AllocationRule, from: string, to: string): boolean {
  return (r.from === undefined || r.from <= to) && (r.to === undefined || r.to > from);
}

function overlap(a: AllocationRule, b: AllocationRule): boolean {
  const start = [a.from, b.from].filter((v): v is string => v !== undefined).sort().at(-1);
  const ends = [a.to, b.to].filter((v): v is string => v !== undefined).sort();
  return start === undefined || ends.length === 0 || start < ends[0]!;
}

/** Pairs of rules with the same match whose effective dates overlap, named "A and B". */
export function overlappingRules(rules: readonly AllocationRule[]): string[] {
  const out: string[] = [];
  for (let x = 0; x < rules.length; x++) {
    for (let y = x + 1; y < rules.length; y++) {
      const a = rules[x]!;
      const b = rules[y]!;
      if (canonicalJson(a.match) === canonicalJson(b.match) && overlap(a, b)) out.push(`${a.name} and ${b.name}`);
    }
  }
  return out;
}

export const allocationCheck: Check = {
  id: 'allocation',
  title: 'Allocation rules add up',
  async run(ctx: CheckContext): Promise<CheckResult> {
    const rules = ctx.options.allocation!;
    const org = ctx.organization;
    // Summed to what the rules can tell apart (each day's total is all the check compares).
    const filter = { ...ctx.range, ...(org?.id ? { organizationIds: [org.id] } : {}) };
    const facts = (await readAllocationFacts(ctx.wh, filter, rules, factDetailFor(rules, []))).filter((f) => !org || f.organizationId === org.id);
    const { lines, matched } = allocate(rules, facts);
    const allocatedByDay = new Map<string, bigint>();
    let allocated = 0n;
    let unallocated = 0n;
    for (const l of lines) {
      allocatedByDay.set(l.fact.day, (allocatedByDay.get(l.fact.day) ?? 0n) + l.billed);
      if (l.rule === null) unallocated += l.billed;
      else allocated += l.billed;
    }
    const totals = await dayTotals(ctx);
    const differ = [...new Set([...totals.keys(), ...allocatedByDay.keys()])].filter((day) => (totals.get(day) ?? 0n) !== (allocatedByDay.get(day) ?? 0n)).sort();
    const fees = feesOf(lines);
    const feeText = fees === 0n ? '' : `; of the total, fixed fees (configured) ${formatUsd(usdOf(fees))}`;
    const figures = `allocated ${formatUsd(usdOf(allocated))} (${sharePct(allocated, allocated + unallocated).toFixed(1)} %), unallocated ${formatUsd(usdOf(unallocated))}${feeText}`;
    if (differ.length > 0) {
      return {
        id: this.id,
        status: 'FAIL',
        figure: `${plural(differ.length, 'day')} differ`,
        detail: `Allocated + unallocated is not the billed total${fees === 0n ? '' : ' plus fixed fees'} on ${listDays(differ)}: the allocation engine lost or invented money (rules ${rules.hash}).`,
        action: 'Report this as a bug with the rules file; do not sign a chargeback for these days.',
        days: differ,
      };
    }
    // Reports read the kept lines while they are current: they must be the engine's, day by day.
    const kept = await keptLinesDiffer(ctx.wh, rules, filter, lines);
    if (kept !== null && kept.length > 0) {
      return {
        id: this.id,
        status: 'FAIL',
        figure: `${plural(kept.length, 'day')} kept differ`,
        detail: `The kept allocation (claude_cost_allocation_lines, which report --by, chargeback and the dashboard read) is not what the rules give on ${listDays(kept)} (rules ${rules.hash}).`,
        action: 'Run claude-ingest allocate --rebuild for those days, then validate again; report it as a bug if it comes back.',
        days: kept,
      };
    }
    const keptText = kept === null ? 'no kept allocation current for the range (reports compute it from the facts)' : 'the kept allocation reports read is the same on every day';
    const idle = rules.rules.filter((r, k) => matched[k] === 0 && inEffect(r, ctx.range.from, ctx.range.to)).map((r) => r.name);
    const overlaps = overlappingRules(rules.rules);
    if (idle.length > 0 || overlaps.length > 0) {
      const parts = [
        ...(idle.length > 0 ? [`${plural(idle.length, 'rule')} matched nothing in ${ctx.range.from}..${ctx.range.to}: ${idle.join(', ')}`] : []),
        ...(overlaps.length > 0 ? [`same match with overlapping effective dates (the first wins, the other never applies there): ${overlaps.join('; ')}`] : []),
      ];
      return {
        id: this.id,
        status: 'WARN',
        figure: [idle.length > 0 ? `${plural(idle.length, 'rule')} unused` : '', overlaps.length > 0 ? `${plural(overlaps.length, 'overlap')}` : ''].filter(Boolean).join(', '),
        detail: `${parts.join('. ')}. Every day adds up: ${figures}; ${keptText}.`,
        action: 'Fix the pattern (names are matched case-insensitively with * and ?), remove the rule, or give the overlapping rules from/to dates that meet (to is exclusive).',
      };
    }
    return { id: this.id, status: 'PASS', figure: `${plural(totals.size, 'day')} add up`, detail: `Every day's allocated and unallocated cost equals its billed total${fees === 0n ? '' : ' plus its fixed fees (prorated by days)'} to the last digit: ${figures} (rules ${rules.hash}); ${keptText}.` };
  },
};
