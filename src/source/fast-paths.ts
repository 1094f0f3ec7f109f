/**
 * Fast paths for the hot item shapes: cost and usage report results (~2.7 M a year for a large
 * organisation), Claude Code records and Analytics API rows (the bulk of a daily run). zod's parse
 * builds a fresh copy of every object, and for an analytics row (twenty-odd nullable dimensions, each a transform) that was
 * half of all the memory a daily run allocated. These check the freshly parsed JSON object and
 * normalise it in place (absent dimensions → null, absent web searches → 0, absent currency → USD),
 * producing what zod would. They only ever say "yes" to values zod accepts; anything they do not
 * recognise (a numeric amount, a padded decimal, a wrong type, a missing field) goes through zod,
 * which converts it or names the offending field. test/source/result-fast-path.test.ts checks that
 * both agree on every field set to every awkward value.
 */
import type { z } from 'zod';
import { analyticsCostGroupSchema, analyticsCostRowSchema, analyticsUsageGroupSchema, analyticsUsageRowSchema } from './analytics-schemas.js';
import { DECIMAL, nullableString } from './schema-fields.js';
import { claudeCodeRecordSchema, costResultSchema, parseOrThrow, usageResultSchema } from './schemas.js';

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** An already-trimmed decimal string; zod handles padding (trims it) and numbers. */
const isDecimalText = (v: unknown): boolean => typeof v === 'string' && DECIMAL.test(v);

/** Leaves a string or null alone, turns undefined into null; false for anything else. */
function nullableInPlace(o: Loose, key: string): boolean {
  const v = o[key];
  if (v === null || typeof v === 'string') return true;
  if (v === undefined) {
    o[key] = null;
    return true;
  }
  return false;
}

/** A nullable count: undefined becomes null. */
function nullableCountInPlace(o: Loose, key: string): boolean {
  const v = o[key];
  if (v === undefined) o[key] = null;
  else if (v !== null && !isCount(v)) return false;
  return true;
}

/** The token measures (schema-fields.ts tokenMeasures): counts required, web searches default to 0. */
function tokensInPlace(v: Loose): boolean {
  if (!isCount(v.uncached_input_tokens) || !isCount(v.cache_read_input_tokens) || !isCount(v.output_tokens)) return false;
  const cc = v.cache_creation;
  if (!isObject(cc) || !isCount(cc.ephemeral_5m_input_tokens) || !isCount(cc.ephemeral_1h_input_tokens)) return false;
  const stu = v.server_tool_use;
  if (stu !== undefined && stu !== null) {
    if (!isObject(stu)) return false;
    const n = stu.web_search_requests;
    if (n !== undefined && n !== null && !isCount(n)) return false;
  }
  // Checks passed: now normalise the optional server tool counts (zod's defaults).
  if (stu === undefined || stu === null) v.server_tool_use = { web_search_requests: 0 };
  else if ((stu as Loose).web_search_requests == null) (stu as Loose).web_search_requests = 0;
  return true;
}

/**
 * The fields a schema declares as `nullableString`, read from its shape: a field added to a schema is
 * checked here too, with no second list to keep in step.
 */
const nullableKeys = (shape: Record<string, unknown>): string[] => Object.keys(shape).filter((k) => shape[k] === nullableString);

const COST_NULLABLE = nullableKeys(costResultSchema.shape);

function costResultInPlace(v: unknown): boolean {
  if (!isObject(v) || !isDecimalText(v.amount)) return false;
  for (const key of COST_NULLABLE) if (!nullableInPlace(v, key)) return false;
  return true;
}

const USAGE_NULLABLE = nullableKeys(usageResultSchema.shape);

function usageResultInPlace(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const key of USAGE_NULLABLE) if (!nullableInPlace(v, key)) return false;
  return tokensInPlace(v);
}

const USAGE_DIMENSIONS = nullableKeys(analyticsUsageGroupSchema.shape);
const COST_DIMENSIONS = nullableKeys(analyticsCostGroupSchema.shape);

/** starting_at, ending_at and the group: a missing group is every dimension null; an actor needs its type. */
function analyticsRowInPlace(v: unknown, dims: readonly string[]): v is Loose {
  if (!isObject(v) || typeof v.starting_at !== 'string' || typeof v.ending_at !== 'string') return false;
  const raw = v.group;
  let g: Loose;
  if (raw === undefined || raw === null) v.group = g = {};
  else if (isObject(raw)) g = raw;
  else return false;
  const actor = g.actor;
  if (actor === undefined) g.actor = null;
  else if (actor !== null && !(isObject(actor) && typeof actor.type === 'string')) return false;
  for (const key of dims) if (!nullableInPlace(g, key)) return false;
  return true;
}

function analyticsCostRowInPlace(v: unknown): boolean {
  if (!analyticsRowInPlace(v, COST_DIMENSIONS)) return false;
  const c = v.cost;
  if (!isObject(c) || !isDecimalText(c.amount) || !isDecimalText(c.list_amount)) return false;
  if (c.currency !== undefined && c.currency !== null && typeof c.currency !== 'string') return false;
  if (!nullableCountInPlace(c, 'requests')) return false;
  c.currency ??= 'USD';
  return true;
}

function analyticsUsageRowInPlace(v: unknown): boolean {
  if (!analyticsRowInPlace(v, USAGE_DIMENSIONS)) return false;
  const u = v.usage;
  if (!isObject(u) || !isCount(u.total_tokens) || !nullableCountInPlace(u, 'requests')) return false;
  return tokensInPlace(u);
}

const CLAUDE_CODE_NULLABLE = nullableKeys(claudeCodeRecordSchema.shape);
const isOptionalCount = (v: unknown): boolean => v === undefined || v === null || isCount(v);
/** Claude Code's estimate: a decimal string or a finite JSON number (util/money.ts parseCents rounds it). */
const isCentsValue = (v: unknown): boolean => isDecimalText(v) || (typeof v === 'number' && Number.isFinite(v));

function toolActionsOk(t: unknown): boolean {
  if (!isObject(t)) return false;
  for (const key in t) {
    const a = t[key];
    if (a !== null && !(isObject(a) && isOptionalCount(a.accepted) && isOptionalCount(a.rejected))) return false;
  }
  return true;
}

function modelBreakdownOk(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  for (const m of list) {
    if (!isObject(m) || typeof m.model !== 'string') return false;
    const t = m.tokens;
    if (!isObject(t) || !isCount(t.input) || !isCount(t.output) || !isCount(t.cache_read) || !isCount(t.cache_creation)) return false;
    const c = m.estimated_cost;
    if (c !== undefined && c !== null && !(isObject(c) && isCentsValue(c.amount) && (c.currency === undefined || c.currency === null || typeof c.currency === 'string'))) return false;
  }
  return true;
}

function claudeCodeRecordInPlace(v: unknown): boolean {
  if (!isObject(v) || typeof v.date !== 'string' || !(isObject(v.actor) && typeof v.actor.type === 'string')) return false;
  const core = v.core_metrics;
  if (!isObject(core) || !isCount(core.num_sessions) || !isCount(core.commits_by_claude_code) || !isCount(core.pull_requests_by_claude_code)) return false;
  const loc = core.lines_of_code;
  if (!isObject(loc) || !isCount(loc.added) || !isCount(loc.removed)) return false;
  if (v.tool_actions !== undefined && v.tool_actions !== null && !toolActionsOk(v.tool_actions)) return false;
  if (v.model_breakdown !== undefined && v.model_breakdown !== null && !modelBreakdownOk(v.model_breakdown)) return false;
  for (const key of CLAUDE_CODE_NULLABLE) if (!nullableInPlace(v, key)) return false;
  // Checks passed: now the defaults zod would apply.
  v.tool_actions ??= {};
  v.model_breakdown ??= [];
  for (const m of v.model_breakdown as Loose[]) {
    if (m.estimated_cost === undefined) m.estimated_cost = null;
    else if (m.estimated_cost !== null) nullableInPlace(m.estimated_cost as Loose, 'currency');
  }
  return true;
}

const FAST_PATHS = new WeakMap<z.ZodType, (v: unknown) => boolean>([
  [costResultSchema, costResultInPlace],
  [usageResultSchema, usageResultInPlace],
  [claudeCodeRecordSchema, claudeCodeRecordInPlace],
  [analyticsCostRowSchema, analyticsCostRowInPlace],
  [analyticsUsageRowSchema, analyticsUsageRowInPlace],
]);

/**
 * One item of a page: the fast in-place check when the schema has one, else zod. `at` is the item's
 * path in the page (e.g. data[3].results[17]) so an error names the exact field.
 */
export function parseResult<T extends z.ZodType>(schema: T, value: unknown, endpoint: string, at: readonly PropertyKey[]): z.output<T> {
  const fast = FAST_PATHS.get(schema);
  if (fast?.(value)) return value as z.output<T>;
  return parseOrThrow(schema, value, endpoint, at);
}
