/**
 * Long tables (API keys, Claude Code users, cost per key, people) are sent a page at a time: a year
 * of a large organization has thousands of rows, and sending them all made the default view's
 * answers 0.7-1.9 MB. A route answers its table's first page (largest first) with an "other" row
 * summing every row not on it, so totals and charts stay whole; /api/rows answers any page, sorted
 * by any column, filtered by a search text, from the same rows the route computes.
 */
import { BadRequest as InputError } from './params.js';
import { TOKEN_COLUMNS } from '../reports/queries.js';
import { sumDecimals } from '../util/money.js';

/** Rows on the first page, and at most on any page. */
export const PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

export type PageRow = Record<string, string | number | null>;

export interface PageSpec {
  /** Columns a search text is looked for in (case-insensitive, substring). */
  search: readonly string[];
  /** Numeric columns summed into the "other" row, and money columns (exact decimal text) summed exactly. */
  ints: readonly string[];
  usd: readonly string[];
  /** The column the first page is ordered by (descending); absent: the report query's own order. */
  sort?: string;
}

export interface Page {
  /** Rows of the page, in order. */
  rows: PageRow[];
  /** Rows in the table; rows matching the search. */
  total: number;
  matched: number;
  offset: number;
  limit: number;
  sort: string | null;
  dir: 'ascending' | 'descending';
  /** Every matching row after this page, summed (null when there is none). */
  other: (PageRow & { rows: number }) | null;
}

export interface PageRequest {
  q?: string;
  sort?: string;
  dir?: 'ascending' | 'descending';
  offset?: number;
  limit?: number;
}

/** The paging parameters of a query string (q, sort, dir, offset, limit), checked. */
export function pageRequest(query: URLSearchParams): PageRequest {
  const int = (name: string, max: number) => {
    const v = query.get(name);
    if (v === null) return undefined;
    if (!/^\d+$/.test(v) || Number(v) > max) throw new InputError(`${name}=${v} is not a whole number from 0 to ${max}`);
    return Number(v);
  };
  const dir = query.get('dir');
  if (dir !== null && dir !== 'ascending' && dir !== 'descending') throw new InputError(`dir=${dir}: use ascending or descending`);
  const out: PageRequest = {};
  const q = query.get('q');
  if (q) out.q = q;
  const sort = query.get('sort');
  if (sort) out.sort = sort;
  if (dir) out.dir = dir;
  const offset = int('offset', 10_000_000);
  if (offset !== undefined) out.offset = offset;
  const limit = int('limit', MAX_PAGE_SIZE);
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** A page of `all` as asked, with the rest summed. */
export function pageOf(all: readonly PageRow[], spec: PageSpec, req: PageRequest = {}): Page {
  const sort = req.sort ?? spec.sort ?? null;
  if (sort !== null && all.length > 0 && !(sort in all[0]!)) throw new InputError(`sort=${sort} is not a column of this table: use one of ${Object.keys(all[0]!).join(', ')}`);
  const dir = req.dir ?? 'descending';
  const wanted = req.q?.trim().toLowerCase();
  const matching = wanted ? all.filter((r) => spec.search.some((c) => String(r[c] ?? '').toLowerCase().includes(wanted))) : [...all];
  const sign = dir === 'ascending' ? 1 : -1;
  if (sort !== null) matching.sort((a, b) => {
    const x = a[sort];
    const y = b[sort];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    const nx = Number(x);
    const ny = Number(y);
    if (spec.usd.includes(sort) && Number.isFinite(nx) && Number.isFinite(ny)) return sign * (nx - ny);
    return sign * String(x).localeCompare(String(y));
  });
  const offset = req.offset ?? 0;
  const limit = req.limit ?? PAGE_SIZE;
  const rows = matching.slice(offset, offset + limit);
  // The rows after this page: a page asked for at an offset follows the rows already shown.
  const rest = matching.slice(offset + limit);
  let other: Page['other'] = null;
  if (rest.length > 0) {
    other = { rows: rest.length };
    for (const c of spec.ints) other[c] = rest.reduce((s, r) => s + Number(r[c] ?? 0), 0);
    for (const c of spec.usd) other[c] = sumDecimals(rest.map((r) => String(r[c] ?? '0')));
  }
  return { rows, total: all.length, matched: matching.length, offset, limit, sort, dir, other };
}

const TOKEN_INTS = [...TOKEN_COLUMNS, 'all_input_tokens'];

export const TABLE_SPECS = {
  /** /api/keys' rows: tokens per API key. */
  keys: { search: ['name', 'api_key_id', 'workspace'], ints: TOKEN_INTS, usd: [], sort: 'all_input_tokens' },
  /** /api/claude-code's users. */
  users: {
    search: ['name', 'actor', 'actor_type'],
    ints: ['sessions', 'lines_added', 'lines_removed', 'commits', 'pull_requests', 'tool_accepted', 'tool_rejected'],
    usd: ['estimated_cost_usd_estimate'],
  },
  /** /api/analytics' keys: billed cost per key. */
  'key-cost': { search: ['name', 'api_key_id', 'workspace'], ints: TOKEN_INTS, usd: ['billed_cost_usd', 'list_cost_usd'] },
  /** /api/analytics' people. */
  people: { search: ['name', 'email', 'actor', 'actor_type'], ints: [], usd: ['billed_cost_usd', 'claude_code_billed_usd', 'list_cost_usd', 'claude_code_estimate_usd'] },
} as const satisfies Record<string, PageSpec>;

export type TableName = keyof typeof TABLE_SPECS;

/** The page's rows in the answer's field, and what the page needs to ask for more beside them. */
export function pageInfo(p: Page): Omit<Page, 'rows'> {
  const { rows: _rows, ...info } = p;
  return info;
}

