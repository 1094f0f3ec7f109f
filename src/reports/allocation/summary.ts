/**
 * Allocated lines summed by any columns: allocation dimensions (team, cost_center, …) and the fact's
 * own attributes (product, api_key, person, model, workspace, day, month). Sums are exact bigints of
 * sub-cents, turned into dollar text only at the end, so totals add up to the last digit.
 */
import { formatScaled, USD_SCALE } from '../../util/money.js';
import { CODE_EXECUTION } from '../analytics-queries.js';
import type { AllocatedLine } from './engine.js';
import { personOf } from './facts.js';
import type { AllocationRules } from './rules.js';

export const FACT_COLUMNS = ['product', 'api_key', 'person', 'model', 'workspace', 'cost_type', 'day', 'month', 'source', 'fee'] as const;
export type FactColumn = (typeof FACT_COLUMNS)[number];

/** Dollars text of sub-cents: cents × 10^12 is dollars × 10^14. */
export function usdOf(subCents: bigint): string {
  return formatScaled(subCents, USD_SCALE);
}

/** A grouping value: null where the fact has none (no key, a cost_report day's person or product), written as NULL, never as a made-up name. */
export type Key = string | null;

/** A line's value in a column: a dimension's value, or a fact attribute as reports show it. */
export function columnValue(rules: AllocationRules, column: string): (l: AllocatedLine) => Key {
  const at = rules.dimensions.indexOf(column);
  if (at >= 0) return (l) => l.values[at]!;
  switch (column as FactColumn) {
    case 'product':
      return (l) => (l.fact.source !== 'analytics' ? null : (l.fact.product ?? CODE_EXECUTION));
    case 'api_key':
      return (l) => l.fact.apiKeyName ?? l.fact.apiKeyId;
    case 'person':
      return (l) => personOf(l.fact);
    case 'model':
      return (l) => l.fact.model;
    case 'workspace':
      return (l) => l.fact.workspaceName ?? l.fact.workspaceId;
    case 'cost_type':
      return (l) => l.fact.costType;
    case 'day':
      return (l) => l.fact.day;
    case 'month':
      return (l) => l.fact.day.slice(0, 7);
    case 'source':
      return (l) => l.fact.source;
    case 'fee':
      // A configured fee's name, labelled so it is never read as API data.
      return (l) => (l.fact.fee === undefined ? null : `${l.fact.fee} (configured)`);
    default:
      throw new RangeError(`unknown allocation column ${column}`);
  }
}

export interface AllocationGroup {
  keys: Key[];
  /** Everything allocated, configured fees included (a fee's list price is its amount). */
  billed: bigint;
  list: bigint;
  /** The configured fees' part of billed (and of list): never API data. */
  fees: bigint;
}

/** Lines summed per distinct combination of the columns; biggest billed first, then by the keys. */
export function groupLines(rules: AllocationRules, lines: readonly AllocatedLine[], columns: readonly string[]): AllocationGroup[] {
  const getters = columns.map((c) => columnValue(rules, c));
  const groups = new Map<string, AllocationGroup>();
  for (const l of lines) {
    const keys = getters.map((g) => g(l));
    const id = keys.map((k) => (k === null ? '\u0001' : k)).join('\u0000');
    const g = groups.get(id);
    const fee = l.fact.source === 'configured' ? l.billed : 0n;
    if (g) {
      g.billed += l.billed;
      g.list += l.list;
      g.fees += fee;
    } else groups.set(id, { keys, billed: l.billed, list: l.list, fees: fee });
  }
  return [...groups.values()].sort((a, b) => (a.billed !== b.billed ? (a.billed > b.billed ? -1 : 1) : compareKeys(a.keys, b.keys)));
}

/** Keys in order, NULL first. */
export function compareKeys(a: readonly Key[], b: readonly Key[]): number {
  for (let k = 0; k < a.length; k++) {
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function totalOf(lines: readonly { billed: bigint; list: bigint }[]): { billed: bigint; list: bigint } {
  let billed = 0n;
  let list = 0n;
  for (const l of lines) {
    billed += l.billed;
    list += l.list;
  }
  return { billed, list };
}

/** The configured fees' part of allocated lines (billed; a fee's list is the same). */
export function feesOf(lines: readonly AllocatedLine[]): bigint {
  let fees = 0n;
  for (const l of lines) if (l.fact.source === 'configured') fees += l.billed;
  return fees;
}

/** What a total of allocated lines includes, in words (reports, chargeback headers, the dashboard). */
export function totalIncludes(fees: bigint): string {
  return fees === 0n ? 'billed API usage (no fixed fees configured in the range)' : 'billed API usage + fixed fees (configured in claude-ingest.yaml, not API data)';
}

/** A share in percent to 2 decimals for display (the dollars stay exact). */
export function sharePct(part: bigint, total: bigint): number {
  return total === 0n ? 0 : Number((part * 1_000_000n) / total) / 10_000;
}
