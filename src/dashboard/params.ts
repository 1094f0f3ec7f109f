/** Query-string parsing for the dashboard API: strict, with messages a person can act on. */
import { DEFAULT_WORKSPACE, type ReportFilter } from '../reports/filter.js';
import { daysBetween, parseDay, type DayRange, type IsoDay } from '../util/dates.js';
import { InputError } from '../util/errors.js';

/** A request the API cannot answer as asked: 400 with the message. */
export class BadRequest extends InputError {}

/** Ten years of days is plenty for a chart and keeps a typo ("0025-01-01") from building a huge response. */
export const MAX_RANGE_DAYS = 3700;

export const STACKS = ['workspace', 'model'] as const;
export type Stack = (typeof STACKS)[number];

/** Rejects parameters a route does not know (a typo would otherwise be silently ignored). */
export function checkParams(q: URLSearchParams, allowed: readonly string[], route: string): void {
  for (const key of new Set(q.keys())) {
    if (!allowed.includes(key)) {
      throw new BadRequest(
        allowed.length === 0
          ? `${route} takes no parameters, got "${key}"`
          : `${route} has no parameter "${key}": use ${allowed.join(', ')}`,
      );
    }
  }
}

function single(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length > 1) throw new BadRequest(`${name} is given ${all.length} times: give it once`);
  const v = all[0]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function day(q: URLSearchParams, name: string): IsoDay | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  try {
    return parseDay(v, name);
  } catch (err) {
    throw new BadRequest((err as Error).message);
  }
}

/**
 * from/to, each defaulting to the edge of the data in the warehouse (like `claude-ingest report`).
 * `span` is null for an empty warehouse: then both must be given.
 */
export function rangeParam(q: URLSearchParams, span: DayRange | null): DayRange {
  const from = day(q, 'from') ?? span?.from;
  const to = day(q, 'to') ?? span?.to;
  if (!from || !to) throw new BadRequest('the warehouse holds no data yet: pass from and to (YYYY-MM-DD), or run claude-ingest backfill first');
  if (from > to) throw new BadRequest(`the range ${from}..${to} is reversed: from must not be after to`);
  const days = daysBetween(from, to) + 1;
  if (days > MAX_RANGE_DAYS) throw new BadRequest(`the range ${from}..${to} is ${days} days long: at most ${MAX_RANGE_DAYS} days`);
  return { from, to };
}

/** `workspace=a,b` and/or `workspace=a&workspace=b`; absent or empty: undefined (no filter). */
export function listParam(q: URLSearchParams, name: string): string[] | undefined {
  const items = q
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.some((s) => s.length > 200)) throw new BadRequest(`${name} has a value longer than 200 characters`);
  return items.length > 0 ? [...new Set(items)] : undefined;
}

export function filterParams(q: URLSearchParams, span: DayRange | null): ReportFilter {
  const f: ReportFilter = rangeParam(q, span);
  const ws = listParam(q, 'workspace');
  const models = listParam(q, 'model');
  const orgs = listParam(q, 'organization');
  if (ws) f.workspaceIds = ws;
  if (models) f.models = models;
  if (orgs) f.organizationIds = orgs;
  return f;
}

export function stackParam(q: URLSearchParams): Stack {
  const v = single(q, 'stack') ?? 'workspace';
  if (!(STACKS as readonly string[]).includes(v)) throw new BadRequest(`stack "${v}" is not one of ${STACKS.join(', ')}`);
  return v as Stack;
}

export { DEFAULT_WORKSPACE };
