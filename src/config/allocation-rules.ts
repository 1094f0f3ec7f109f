/**
 * The allocation rules of claude-ingest.yaml as the engine (src/reports/allocation/) takes them: the
 * inline rules, then each CSV file's rows in order, each named for warnings, and a hash of what they
 * say, printed in every chargeback header so a restated month can be explained. A bad CSV is one
 * line per problem (file:line: column: what), like the rest of the config, and nothing runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { canonicalJson } from '../util/canonical-json.js';
import { ConfigFileError } from './load.js';
import { ALLOCATION_MATCH_KEYS } from './allocation-keys.js';
import type { AllocationConfig, ConfigFile, FixedCostConfig } from './schema.js';

export type AllocationMatchKey = (typeof ALLOCATION_MATCH_KEYS)[number];

export interface AllocationRuleSpec {
  /** The configured name, else where it is written ("rules[2]", "teams.csv:4"). */
  name: string;
  match: Partial<Record<AllocationMatchKey, string>>;
  set: Record<string, string>;
  split?: { by: string; proportional_to?: 'billed' | 'list'; percent?: Record<string, number> };
  from?: string;
  to?: string;
}

export interface AllocationRuleSet {
  dimensions: string[];
  rules: AllocationRuleSpec[];
  /** A value for every dimension. */
  unallocated: Record<string, string>;
  /** Who pays each configured fee (fixed_costs with allocate, split or allocate_to), in config order. */
  fees: FeeAllocationSpec[];
  /** 16 hex digits of SHA-256 over the rules' meaning (names, order, matches, values, dates) and the fees' allocations. */
  hash: string;
}

export interface FeeAllocationSpec {
  /** The fee's name (fixed_costs[].name): fee days are matched to it by name. */
  name: string;
  set: Record<string, string>;
  split?: { by: string; percent?: Record<string, number>; proportional_to?: 'billed' };
}

export const DEFAULT_UNALLOCATED = 'Unallocated';
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const FIXED_COLUMNS = ['kind', 'match', 'from', 'to', 'name'];
/**
 * The most a CSV rules file may hold (8 MiB: an identity provider's export of some 100,000 people).
 * Like the config file's MAX_CONFIG_BYTES, it keeps a wrong path (a log, a database) from being read
 * into memory and parsed row by row before anything runs.
 */
export const MAX_RULES_CSV_BYTES = 8 * 1024 * 1024;

/** The rule set of a loaded config (null without `allocation:`); CSV paths are relative to the config file. */
export function loadAllocationRules(config: AllocationConfig | undefined, configPath: string | null, cwd = process.cwd(), fixedCosts: readonly FixedCostConfig[] = []): AllocationRuleSet | null {
  if (!config) return null;
  const base = configPath ? dirname(configPath) : cwd;
  const rules: AllocationRuleSpec[] = config.rules.map((r, i) => ({
    name: r.name ?? `rules[${i}]`,
    match: Object.fromEntries(Object.entries(r.match).filter(([, v]) => v !== undefined)) as AllocationRuleSpec['match'],
    set: r.set,
    ...(r.split ? { split: r.split } : {}),
    ...(r.from ? { from: r.from } : {}),
    ...(r.to ? { to: r.to } : {}),
  }));
  const problems: string[] = [];
  // One push per rule: spreading an identity provider's export (hundreds of thousands of rows) into push() overflows the stack.
  for (const f of config.files) for (const r of readRulesCsv(resolve(base, f.path), config.dimensions, problems)) rules.push(r);
  if (problems.length > 0) throw new ConfigFileError(problems);
  const unallocated = Object.fromEntries(config.dimensions.map((d) => [d, config.unallocated?.[d] ?? DEFAULT_UNALLOCATED]));
  const fees = feeAllocations(config.dimensions, fixedCosts);
  return { dimensions: [...config.dimensions], rules, unallocated, fees, hash: ruleSetHash(config.dimensions, rules, unallocated, fees) };
}

/** The rule set of a whole config file: allocation: with the allocations of its fixed_costs. */
export function allocationRulesOfConfig(config: ConfigFile, configPath: string | null, cwd = process.cwd()): AllocationRuleSet | null {
  return loadAllocationRules(config.allocation, configPath, cwd, config.fixed_costs ?? []);
}

/**
 * Each fee's allocation. `allocate_to: X` is the older single-label form: with allocation dimensions it
 * means `allocate: { <first dimension>: X }`. A fee with none of the three is not listed: it goes to the
 * unallocated values.
 */
export function feeAllocations(dimensions: readonly string[], fees: readonly FixedCostConfig[]): FeeAllocationSpec[] {
  const out: FeeAllocationSpec[] = [];
  for (const f of fees) {
    if (out.some((o) => o.name === f.name)) continue;
    if (f.split) out.push({ name: f.name, set: {}, split: { by: f.split.by, ...(f.split.percent ? { percent: f.split.percent } : {}), ...(f.split.proportional_to ? { proportional_to: f.split.proportional_to } : {}) } });
    else if (f.allocate) out.push({ name: f.name, set: { ...f.allocate } });
    else if (f.allocate_to !== undefined && dimensions[0] !== undefined) out.push({ name: f.name, set: { [dimensions[0]]: f.allocate_to } });
  }
  return out;
}

export function ruleSetHash(dimensions: readonly string[], rules: readonly AllocationRuleSpec[], unallocated: Record<string, string>, fees: readonly FeeAllocationSpec[] = []): string {
  // Without fee allocations the hash is what it was before fees could be allocated (a restated month stays explainable).
  return createHash('sha256')
    .update(canonicalJson(fees.length > 0 ? { dimensions, rules, unallocated, fees } : { dimensions, rules, unallocated }))
    .digest('hex')
    .slice(0, 16);
}

/** One rule per CSV row: `kind` names the match key, `match` its pattern; empty dimension cells set nothing. */
export function readRulesCsv(path: string, dimensions: readonly string[], problems: string[]): AllocationRuleSpec[] {
  const file = basename(path);
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_RULES_CSV_BYTES) {
      problems.push(`${path} is ${size.toLocaleString('en-US')} bytes, more than an allocation rules file may hold (${MAX_RULES_CSV_BYTES.toLocaleString('en-US')}): check allocation.files[].path, or split the rules into several files`);
      return [];
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${path}: the allocation rules file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): check allocation.files[].path`);
    return [];
  }
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, comment: '#', trim: true, bom: true, info: true });
  } catch (err) {
    problems.push(`${file}: not valid CSV: ${String((err as Error).message).split('\n')[0]}`);
    return [];
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = ['kind', 'match'].filter((c) => records.length > 0 && !header.includes(c));
  if (missing.length > 0) {
    problems.push(`${file}:1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the columns are kind, match, ${dimensions.join(', ')}, from, to`);
    return [];
  }
  for (const c of header) {
    if (!FIXED_COLUMNS.includes(c) && !dimensions.includes(c)) problems.push(`${file}:1: column "${c}" is not one of kind, match, name, from, to or the dimensions (${dimensions.join(', ')})`);
  }
  const out: AllocationRuleSpec[] = [];
  for (const { record, info } of records) {
    const at = `${file}:${info.lines}`;
    const kind = record.kind ?? '';
    const pattern = record.match ?? '';
    const before = problems.length;
    if (!(ALLOCATION_MATCH_KEYS as readonly string[]).includes(kind)) problems.push(`${at}: kind: "${kind}" is not one of ${ALLOCATION_MATCH_KEYS.join(', ')}`);
    if (pattern === '') problems.push(`${at}: match: expected a name, id or pattern`);
    const set = Object.fromEntries(dimensions.filter((d) => (record[d] ?? '') !== '').map((d) => [d, record[d]!]));
    if (Object.keys(set).length === 0) problems.push(`${at}: expected a value in at least one of ${dimensions.join(', ')}`);
    for (const c of ['from', 'to'] as const) {
      const v = record[c] ?? '';
      if (v !== '' && (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))) problems.push(`${at}: ${c}: "${v}" is not a day such as 2026-10-01`);
    }
    const from = record.from || undefined;
    const to = record.to || undefined;
    if (from && to && from >= to) problems.push(`${at}: to: expected a day after from (to is exclusive)`);
    if (problems.length > before) continue;
    out.push({ name: record.name || at, match: { [kind]: pattern }, set, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  }
  return out;
}
