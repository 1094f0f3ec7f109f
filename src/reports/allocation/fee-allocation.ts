/**
 * Who pays the configured fees (fixed_costs, issue 26) in the allocation dimensions: a fee's day part
 * goes to its `allocate` values, is split by fixed percentages, or in proportion to the billed usage
 * the rules allocated to each value of the split dimension in the fee's month (its organization's,
 * when the fee names one; unallocated usage is no basis). A fee with no allocation gets the
 * unallocated values. Every part is apportioned in whole sub-cents by largest remainder (apportion),
 * so a fee's parts add up exactly to the fee, day by day and therefore month by month.
 */
import { apportion } from './apportion.js';
import type { AllocatedLine } from './engine.js';
import type { AllocationFact } from './facts.js';
import type { AllocationRules, FeeAllocation } from './rules.js';

export const NOTE_FEE_UNALLOCATED = 'configured fee with no allocate or split';
export const NOTE_FEE_NO_BASIS = 'fee split proportional to billed: no usage allocated to that dimension in the month';
/** The rule a fee line names: the fee's own allocation in fixed_costs. */
export const feeRuleName = (fee: string) => `fixed_costs: ${fee}`;

const PERCENT_SCALE = 1_000_000;

export function allocateFees(rules: AllocationRules, fees: readonly AllocationFact[], usage: readonly AllocatedLine[], base: readonly string[]): AllocatedLine[] {
  if (fees.length === 0) return [];
  const dims = rules.dimensions;
  const specs = new Map<string, FeeAllocation>();
  for (const s of rules.fees ?? []) if (!specs.has(s.name)) specs.set(s.name, s);
  const valuesOf = (s: FeeAllocation, extra?: [string, string]) => dims.map((d, k) => (extra && extra[0] === d ? extra[1] : (s.set[d] ?? base[k]!)));
  const bases = new Map<string, Array<[string, bigint]>>();
  const basisOf = (by: string, month: string, org: string | null) => {
    const id = `${by}\u0000${month}\u0000${org ?? ''}`;
    let b = bases.get(id);
    if (!b) {
      const at = dims.indexOf(by);
      const sums = new Map<string, bigint>();
      for (const l of usage) {
        if (l.fact.day.slice(0, 7) !== month || (org !== null && l.fact.organizationId !== org)) continue;
        const v = l.values[at]!;
        if (v === base[at]) continue;
        sums.set(v, (sums.get(v) ?? 0n) + l.billed);
      }
      b = [...sums].filter(([, w]) => w > 0n).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      bases.set(id, b);
    }
    return b;
  };
  const out: AllocatedLine[] = [];
  for (const fact of fees) {
    const spec = specs.get(fact.fee ?? '');
    if (!spec) {
      out.push({ fact, values: [...base], rule: null, note: NOTE_FEE_UNALLOCATED, billed: fact.billed, list: fact.list });
      continue;
    }
    const rule = feeRuleName(spec.name);
    const split = spec.split;
    if (!split) {
      out.push({ fact, values: valuesOf(spec), rule, note: null, billed: fact.billed, list: fact.list });
      continue;
    }
    let entries: Array<[string, bigint]>;
    if (split.percent) {
      entries = Object.entries(split.percent)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([v, p]) => [v, BigInt(Math.round(p * PERCENT_SCALE))]);
    } else {
      entries = basisOf(split.by, fact.day.slice(0, 7), fact.organizationId);
      if (entries.length === 0) {
        out.push({ fact, values: [...base], rule: null, note: NOTE_FEE_NO_BASIS, billed: fact.billed, list: fact.list });
        continue;
      }
    }
    const weights = entries.map(([, w]) => w);
    const billed = apportion(fact.billed, weights);
    const list = apportion(fact.list, weights);
    entries.forEach(([v], k) => {
      if (billed[k] !== 0n || list[k] !== 0n) out.push({ fact, values: valuesOf(spec, [split.by, v]), rule, note: null, billed: billed[k]!, list: list[k]! });
    });
  }
  return out;
}
