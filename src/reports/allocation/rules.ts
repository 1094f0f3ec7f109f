/**
 * Allocation rules as the engine takes them (src/config/allocation-rules.ts builds them from
 * claude-ingest.yaml and its CSV files; this layer does not import config, so the shape is restated
 * here and checked where the CLI hands one to the other), and their compiled matchers.
 */
import type { AllocationFact } from './facts.js';

export type MatchKey = 'api_key' | 'workspace' | 'user' | 'service_account' | 'product' | 'model' | 'cost_type';

export interface AllocationRule {
  name: string;
  match: Partial<Record<MatchKey, string>>;
  set: Record<string, string>;
  split?: { by: string; proportional_to?: 'billed' | 'list'; percent?: Record<string, number> };
  /** Inclusive first day. */
  from?: string;
  /** Exclusive last day. */
  to?: string;
}

/** Who pays a configured fee (fixed_costs[].allocate / split / allocate_to), matched to fee days by name. */
export interface FeeAllocation {
  name: string;
  set: Record<string, string>;
  split?: { by: string; percent?: Record<string, number>; proportional_to?: 'billed' };
}

export interface AllocationRules {
  dimensions: string[];
  rules: AllocationRule[];
  unallocated: Record<string, string>;
  /** Fee allocations; a fee not listed goes to the unallocated values. */
  fees?: FeeAllocation[];
  hash: string;
}

/** What a cost_report day (no Analytics API) can tell: rules on anything else do not apply there. */
export const COST_REPORT_KEYS: ReadonlySet<MatchKey> = new Set(['workspace', 'model', 'cost_type']);

/** A glob as an anchored, case-insensitive RegExp: `*` any run of characters, `?` one; the rest literal. */
export function globRegExp(pattern: string): RegExp {
  let src = '';
  for (const ch of pattern) src += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${src}$`, 'is');
}

/** The values of a fact a match key is tried against: its id and its name (null when the fact has none). */
function candidates(f: AllocationFact, key: MatchKey): Array<string | null> {
  switch (key) {
    case 'api_key':
      return [f.apiKeyId, f.apiKeyName];
    case 'workspace':
      return [f.workspaceId, f.workspaceName];
    case 'user':
      return f.actorType === 'user_actor' ? [f.actorId, f.userEmail] : [];
    case 'service_account':
      return f.actorType === 'service_account_actor' ? [f.actorId, f.serviceAccountName] : [];
    case 'product':
      return [f.product];
    case 'model':
      return [f.model];
    case 'cost_type':
      return [f.costType];
  }
}

export interface CompiledRule {
  rule: AllocationRule;
  index: number;
  /** Only workspace, model and cost_type: the rule can apply on a cost_report day. */
  costReportable: boolean;
  matches(f: AllocationFact): boolean;
}

export function compileRules(rules: readonly AllocationRule[]): CompiledRule[] {
  return rules.map((rule, index) => {
    const tests = (Object.entries(rule.match) as Array<[MatchKey, string | undefined]>)
      .filter((e): e is [MatchKey, string] => e[1] !== undefined)
      .map(([key, pattern]) => ({ key, re: globRegExp(pattern) }));
    return {
      rule,
      index,
      costReportable: tests.every((t) => COST_REPORT_KEYS.has(t.key)),
      matches: (f) =>
        (rule.from === undefined || f.day >= rule.from) &&
        (rule.to === undefined || f.day < rule.to) &&
        tests.every((t) => candidates(f, t.key).some((v) => v !== null && t.re.test(v))),
    };
  });
}

/** The first rule that matches the fact and may apply to its source. */
export function firstMatch(compiled: readonly CompiledRule[], f: AllocationFact): CompiledRule | null {
  for (const c of compiled) {
    if (f.source === 'cost_report' && !c.costReportable) continue;
    if (c.matches(f)) return c;
  }
  return null;
}

/**
 * firstMatch, remembered: a fact's rule depends only on its attributes and on which dated rules are
 * in effect on its day, so facts that share both (most of a year: the same key, person, product and
 * model day after day) are matched once. Same answers as firstMatch, in a fraction of the regex tests.
 */
export function cachedFirstMatch(compiled: readonly CompiledRule[]): (f: AllocationFact) => CompiledRule | null {
  const dated = compiled.filter((c) => c.rule.from !== undefined || c.rule.to !== undefined);
  const masks = new Map<string, string>();
  const hits = new Map<string, CompiledRule | null>();
  return (f) => {
    let mask = masks.get(f.day);
    if (mask === undefined) {
      mask = dated.map((c) => ((c.rule.from === undefined || f.day >= c.rule.from) && (c.rule.to === undefined || f.day < c.rule.to) ? '1' : '0')).join('');
      masks.set(f.day, mask);
    }
    const key = [mask, f.source, f.actorType, f.actorId, f.userEmail, f.serviceAccountName, f.apiKeyId, f.apiKeyName, f.workspaceId, f.workspaceName, f.product, f.model, f.costType].map((v) => v ?? '\u0001').join('\u0000');
    let hit = hits.get(key);
    if (hit === undefined) hits.set(key, (hit = firstMatch(compiled, f)));
    return hit;
  };
}
