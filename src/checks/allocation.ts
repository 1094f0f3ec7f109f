/**
 * `allocation` (with allocation rules in the config): per day, allocated + unallocated equals the
 * day's billed total to the last digit (the total summed by the warehouse, per day, from the same
 * table the day is allocated from); a rule that matched nothing in the range, and rules with the same
 * match whose effective dates overlap (the later one never wins there), are WARNs naming the rule.
 *
 * Proved per day (proofs.ts): the engine allocates each day from that day's facts alone, so a day's
 * verdict (its totals, the rules that matched, whether its kept allocation is current and the
 * engine's) is kept under the fingerprints of the day's facts, kept lines and kept days, salted with
 * the rules' hash, the names they match and the configured fees: a daily validate allocates only the
 * days that changed; --full allocates the range again.
 */
import { allocate } from '../reports/allocation/engine.js';
import { factDetailFor, readAllocationFacts } from '../reports/allocation/facts.js';
import type { AllocationRule } from '../reports/allocation/rules.js';
import { subCents } from '../reports/allocation/facts.js';
import { sharePct, usdOf } from '../reports/allocation/summary.js';
import { fixedFeeDays } from '../reports/fixed-fee-days.js';
import { keptDaysDiffer, keptDaysTable, keptLinesStale, namesHash } from '../reports/allocation/materialised-lines.js';
import { TABLES } from '../warehouse/tables.js';
import { canonicalDecimal, storableDecimal, USD_SCALE } from '../util/money.js';
import { canonicalJson } from '../util/canonical-json.js';
import { formatUsd } from '../util/money.js';
import { inRange, listDays, plural, type CheckContext, type CheckResult } from './check.js';

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

/** One day's verdict, kept (amounts in sub-cents as decimal text). */
export interface AllocationDay {
  /** The day's billed total plus its fees' parts, as the warehouse sums it; null: the warehouse has no total for the day. */
  total: string | null;
  /** What the engine allocated to a rule, and left unallocated (configured fees included). */
  allocated: string;
  unallocated: string;
  fees: string;
  /** Indexes (as text) of the rules that matched a fact of the day (the rules' hash salts the verdict). */
  matched: string[];
  /** The kept allocation of the day: the engine's (same), not (differ), or not current (none: readers compute). */
  kept: 'same' | 'differ' | 'none';
}

/** What a day's verdict depends on besides its rows: the rules, the names they match, the configured fees (not dated per day). */
export async function allocationSalt(ctx: CheckContext): Promise<string> {
  const rules = ctx.options.allocation!;
  const d = ctx.wh.dialect;
  const cols = TABLES.claude_fixed_costs.columns.map((c) => d.ident(c.name));
  const [names, fees] = await Promise.all([
    namesHash(ctx.wh),
    ctx.wh.query(`SELECT COUNT(*) AS ${d.ident('n')}, ${d.rowFingerprint(cols)} AS ${d.ident('print')} FROM ${d.table('claude_fixed_costs')}`),
  ]);
  // Which table the kept days are read from (a file lacking claude_cost_allocation_days reads the lines).
  return JSON.stringify([rules.hash, names, String(fees[0]?.n ?? 0), String(fees[0]?.print ?? ''), keptDaysTable(ctx.wh)]);
}

/** Every day's verdict over ctx.range (days with neither facts nor a total have none). */
export async function allocationFacts(ctx: CheckContext): Promise<Map<string, AllocationDay>> {
  const rules = ctx.options.allocation!;
  const org = ctx.organization;
  // Summed to what the rules can tell apart (each day's total is all the check compares).
  const filter = { ...ctx.range, ...(org?.id ? { organizationIds: [org.id] } : {}) };
  const [facts, totals, names] = await Promise.all([readAllocationFacts(ctx.wh, filter, rules, factDetailFor(rules, [])), dayTotals(ctx), namesHash(ctx.wh)]);
  const { lines, matchedByDay } = allocate(rules, facts.filter((f) => !org || f.organizationId === org.id));
  const days = new Map<string, { allocated: bigint; unallocated: bigint; fees: bigint; matched: Set<string> }>();
  const dayOf = (day: string) => {
    let e = days.get(day);
    if (!e) days.set(day, (e = { allocated: 0n, unallocated: 0n, fees: 0n, matched: new Set() }));
    return e;
  };
  for (const l of lines) {
    const e = dayOf(l.fact.day);
    if (l.rule === null) e.unallocated += l.billed;
    else e.allocated += l.billed;
    if (l.fact.source === 'configured') e.fees += l.billed;
  }
  // Rules by index (two rules may share a name), on the day of the facts they matched.
  // (Facts read only as a fee's basis, outside the range, are no day of it.)
  const inside = (day: string) => day >= ctx.range.from && day <= ctx.range.to;
  for (const [day, counts] of matchedByDay) if (inside(day)) counts.forEach((n, k) => n > 0 && dayOf(day).matched.add(String(k)));
  for (const day of totals.keys()) dayOf(day);
  // Whether each day's kept allocation is current, and where it is, the engine's to the sub-cent.
  const [stale, differ] = await Promise.all([keptLinesStale(ctx.wh, rules, filter, names), keptDaysDiffer(ctx.wh, rules, filter, lines)]);
  const staleDays = new Set([...stale.keys()].map((k) => k.slice(k.indexOf('\u0000') + 1)));
  const differDays = new Set(differ);
  const out = new Map<string, AllocationDay>();
  for (const [day, e] of days) {
    if (!inside(day)) continue;
    out.set(day, {
      total: totals.has(day) ? String(totals.get(day)) : null,
      allocated: String(e.allocated),
      unallocated: String(e.unallocated),
      fees: String(e.fees),
      matched: [...e.matched].sort(),
      kept: staleDays.has(day) ? 'none' : differDays.has(day) ? 'differ' : 'same',
    });
  }
  for (const day of staleDays) if (!out.has(day) && inside(day)) out.set(day, { total: null, allocated: '0', unallocated: '0', fees: '0', matched: [], kept: 'none' });
  return out;
}

/** The result over ctx.range from every day's verdict. */
export function judgeAllocation(ctx: CheckContext, days: Map<string, AllocationDay>): CheckResult {
  const rules = ctx.options.allocation!;
  const id = 'allocation';
  let allocated = 0n;
  let unallocated = 0n;
  let fees = 0n;
  let totalDays = 0;
  const matched = new Set<string>();
  const differ: string[] = [];
  const keptDiffer: string[] = [];
  let current = true;
  for (const [day, v] of [...days].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    allocated += BigInt(v.allocated);
    unallocated += BigInt(v.unallocated);
    fees += BigInt(v.fees);
    if (v.total !== null) totalDays++;
    for (const m of v.matched) matched.add(m);
    if (BigInt(v.total ?? '0') !== BigInt(v.allocated) + BigInt(v.unallocated)) differ.push(day);
    if (v.kept === 'none') current = false;
    if (v.kept === 'differ') keptDiffer.push(day);
  }
  const feeText = fees === 0n ? '' : `; of the total, fixed fees (configured) ${formatUsd(usdOf(fees))}`;
  const figures = `allocated ${formatUsd(usdOf(allocated))} (${sharePct(allocated, allocated + unallocated).toFixed(1)} %), unallocated ${formatUsd(usdOf(unallocated))}${feeText}`;
  if (differ.length > 0) {
    return {
      id,
      status: 'FAIL',
      figure: `${plural(differ.length, 'day')} differ`,
      detail: `Allocated + unallocated is not the billed total${fees === 0n ? '' : ' plus fixed fees'} on ${listDays(differ)}: the allocation engine lost or invented money (rules ${rules.hash}).`,
      action: 'Report this as a bug with the rules file; do not sign a chargeback for these days.',
      days: differ,
    };
  }
  // Reports read the kept lines while they are current: they must be the engine's, day by day.
  if (current && keptDiffer.length > 0) {
    return {
      id,
      status: 'FAIL',
      figure: `${plural(keptDiffer.length, 'day')} kept differ`,
      detail: `The kept allocation (claude_cost_allocation_lines and claude_cost_allocation_days, which report --by, chargeback and the dashboard read) is not what the rules give on ${listDays(keptDiffer)} (rules ${rules.hash}).`,
      action: 'Run claude-ingest allocate --rebuild for those days, then validate again; report it as a bug if it comes back.',
      days: keptDiffer,
    };
  }
  const keptText = !current ? 'no kept allocation current for the range (reports compute it from the facts)' : 'the kept allocation reports read is the same on every day';
  const idle = rules.rules.filter((r, k) => !matched.has(String(k)) && inEffect(r, ctx.range.from, ctx.range.to)).map((r) => r.name);
  const overlaps = overlappingRules(rules.rules);
  if (idle.length > 0 || overlaps.length > 0) {
    const parts = [
      ...(idle.length > 0 ? [`${plural(idle.length, 'rule')} matched nothing in ${ctx.range.from}..${ctx.range.to}: ${idle.join(', ')}`] : []),
      ...(overlaps.length > 0 ? [`same match with overlapping effective dates (the first wins, the other never applies there): ${overlaps.join('; ')}`] : []),
    ];
    return {
      id,
      status: 'WARN',
      figure: [idle.length > 0 ? `${plural(idle.length, 'rule')} unused` : '', overlaps.length > 0 ? `${plural(overlaps.length, 'overlap')}` : ''].filter(Boolean).join(', '),
      detail: `${parts.join('. ')}. Every day adds up: ${figures}; ${keptText}.`,
      action: 'Fix the pattern (names are matched case-insensitively with * and ?), remove the rule, or give the overlapping rules from/to dates that meet (to is exclusive).',
    };
  }
  return { id, status: 'PASS', figure: `${plural(totalDays, 'day')} add up`, detail: `Every day's allocated and unallocated cost equals its billed total${fees === 0n ? '' : ' plus its fixed fees (prorated by days)'} to the last digit: ${figures} (rules ${rules.hash}); ${keptText}.` };
}

/** The whole range proved at once (no kept verdicts): the same result the kept path gives. */
export async function runAllocationCheck(ctx: CheckContext): Promise<CheckResult> {
  return judgeAllocation(ctx, await allocationFacts(ctx));
}
