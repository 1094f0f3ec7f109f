/**
 * The allocation engine: a pure function of the rules and the facts. Each fact goes to the first
 * rule that matches it (and whose dates hold on its day); a rule with `set` gives it those dimension
 * values, a rule with `split` shares it between several values of one dimension, and a fact no rule
 * matches gets the unallocated values. Nothing ingested is rewritten: changing a rule restates
 * history on the next report. Splits are apportioned in whole sub-cents by largest remainder, so a
 * fact's parts add up to the fact exactly, and every day's lines add up to the day's billed total.
 */
import { apportion } from './apportion.js';
import type { AllocationFact } from './facts.js';
import { allocateFees } from './fee-allocation.js';
import { cachedFirstMatch, compileRules, type AllocationRule, type AllocationRules, type CompiledRule } from './rules.js';

export interface AllocatedLine {
  fact: AllocationFact;
  /** One value per rules.dimensions, in that order. */
  values: string[];
  /** The rule that allocated it; null: unallocated. */
  rule: string | null;
  /** Why a line is unallocated: no rule matched, a cost_report day, or a proportional split with nothing to be proportional to. */
  note: string | null;
  billed: bigint;
  list: bigint;
}

export const NOTE_NO_RULE = 'no rule matched';
export const NOTE_COST_REPORT = 'cost_report day: only workspace, model and cost_type rules apply';
export const NOTE_NO_BASIS = 'split: no cost allocated by other rules that day to be proportional to';

/** Percentages as integer weights (to a millionth of a percent). */
const PERCENT_SCALE = 1_000_000;

export interface AllocationResult {
  lines: AllocatedLine[];
  /** How many facts each rule matched (by rule index), for the validate check. */
  matched: number[];
  /** The same per day (day → rule index → count), for the validate check's per-day verdicts. */
  matchedByDay: Map<string, number[]>;
}

export function allocate(rules: AllocationRules, facts: readonly AllocationFact[]): AllocationResult {
  const compiled = compileRules(rules.rules);
  const cached = cachedFirstMatch(compiled);
  // A fact the warehouse already told the rule of (rule-classes.ts) is not matched again.
  const match = (f: AllocationFact) => (f.rule === undefined ? cached(f) : (compiled[f.rule] ?? null));
  const dims = rules.dimensions;
  const base = dims.map((d) => rules.unallocated[d] ?? 'Unallocated');
  const withSet = (r: AllocationRule, extra?: [string, string]) => dims.map((d, k) => (extra && extra[0] === d ? extra[1] : (r.set[d] ?? base[k]!)));
  const matched = rules.rules.map(() => 0);
  const matchedByDay = new Map<string, number[]>();
  const lines: AllocatedLine[] = [];
  // Proportional splits wait for their day's direct allocations (their basis): facts come sorted by day and organization.
  let pending: Array<{ fact: AllocationFact; rule: CompiledRule }> = [];
  let dayLines: AllocatedLine[] = [];
  let dayKey = '';
  const flush = () => {
    // A day's basis is the same for every fact a proportional split matched that day: summed once per dimension and measure.
    const bases = new Map<string, Array<[string, bigint]>>();
    for (const p of pending) {
      const split = p.rule.rule.split!;
      const id = `${split.by}\u0000${split.proportional_to ?? 'billed'}`;
      let basis = bases.get(id);
      if (!basis) bases.set(id, (basis = basisOf(split.by, split.proportional_to === 'list', dims, base, dayLines)));
      lines.push(...splitProportional(p.fact, p.rule.rule, base, withSet, basis));
    }
    pending = [];
    dayLines = [];
  };
  const fees: AllocationFact[] = [];
  const percentShares = new Map<number, { values: string[]; weights: bigint[]; valuesOf: (v: string) => string[] }>();
  for (const fact of facts) {
    // Configured fees are not matched by rules: their own allocation (fixed_costs[].allocate/split) applies, after usage (their basis).
    if (fact.source === 'configured') {
      fees.push(fact);
      continue;
    }
    const key = `${fact.day}\u0000${fact.organizationId ?? ''}`;
    if (key !== dayKey) {
      flush();
      dayKey = key;
    }
    const hit = match(fact);
    if (!hit) {
      lines.push({ fact, values: base, rule: null, note: fact.source === 'cost_report' ? NOTE_COST_REPORT : NOTE_NO_RULE, billed: fact.billed, list: fact.list });
      continue;
    }
    matched[hit.index]!++;
    let onDay = matchedByDay.get(fact.day);
    if (!onDay) matchedByDay.set(fact.day, (onDay = rules.rules.map(() => 0)));
    onDay[hit.index]!++;
    const split = hit.rule.split;
    if (!split) {
      const line: AllocatedLine = { fact, values: withSet(hit.rule), rule: hit.rule.name, note: null, billed: fact.billed, list: fact.list };
      lines.push(line);
      dayLines.push(line);
    } else if (split.percent) {
      let shares = percentShares.get(hit.index);
      if (!shares) {
        const entries = Object.entries(split.percent).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const valuesOf = entries.map(([v]) => withSet(hit.rule, [split.by, v]));
        percentShares.set(hit.index, (shares = { values: entries.map(([v]) => v), weights: entries.map(([, p]) => BigInt(Math.round(p * PERCENT_SCALE))), valuesOf: (v) => valuesOf[entries.findIndex(([x]) => x === v)]! }));
      }
      lines.push(...parts(fact, hit.rule, shares.values, shares.weights, shares.valuesOf));
    } else {
      pending.push({ fact, rule: hit });
    }
  }
  flush();
  lines.push(...allocateFees(rules, fees, lines, base));
  // Facts read only as a proportional fee's basis (the rest of a month the range cuts) are not reported.
  return { lines: lines.some((l) => l.fact.basisOnly) ? lines.filter((l) => !l.fact.basisOnly) : lines, matched, matchedByDay };
}

/** The fact's billed and list cost apportioned by the same weights; parts with nothing in either are left out. */
function parts(fact: AllocationFact, rule: AllocationRule, values: string[], weights: bigint[], valuesOf: (v: string) => string[]): AllocatedLine[] {
  const billed = apportion(fact.billed, weights);
  const list = apportion(fact.list, weights);
  return values
    .map((v, k) => ({ fact, values: valuesOf(v), rule: rule.name, note: null, billed: billed[k]!, list: list[k]! }))
    .filter((l) => l.billed !== 0n || l.list !== 0n);
}

/** What the day's other rules allocated to each value of a dimension (unallocated values left out), the values in order, each with a positive weight. */
function basisOf(by: string, list: boolean, dims: readonly string[], base: readonly string[], dayLines: readonly AllocatedLine[]): Array<[string, bigint]> {
  const at = dims.indexOf(by);
  const basis = new Map<string, bigint>();
  for (const l of dayLines) {
    const v = l.values[at]!;
    if (v === base[at]) continue;
    basis.set(v, (basis.get(v) ?? 0n) + (list ? l.list : l.billed));
  }
  return [...basis].filter(([, w]) => w > 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function splitProportional(
  fact: AllocationFact,
  rule: AllocationRule,
  base: readonly string[],
  withSet: (r: AllocationRule, extra?: [string, string]) => string[],
  entries: ReadonlyArray<[string, bigint]>,
): AllocatedLine[] {
  const split = rule.split!;
  if (entries.length === 0) return [{ fact, values: [...base], rule: null, note: NOTE_NO_BASIS, billed: fact.billed, list: fact.list }];
  return parts(fact, rule, entries.map(([v]) => v), entries.map(([, w]) => w), (v) => withSet(rule, [split.by, v]));
}
