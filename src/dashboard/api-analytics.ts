/**
 * /api/analytics: billed cost per API key, per product over time and per person, from the Usage and
 * Cost Analytics API tables, through the same report queries as `claude-ingest report --by api_key |
 * product | user` (src/reports/analytics-queries.ts). A warehouse without analytics cost answers
 * `available: false` without running them, and the page hides these sections.
 */
import { apiKeyCostQuery, userCostQuery } from '../reports/analytics-queries.js';
import { exact } from '../reports/cells.js';
import { hasAnalyticsCost, productCostByDay } from '../reports/dashboard-analytics.js';
import { sqlAndParams, type ReportQuery } from '../reports/queries.js';
import { eachDay, type DayRange } from '../util/dates.js';
import { canonicalDecimal, compareDecimal, sumDecimals } from '../util/money.js';
import type { QueryRow } from '../warehouse/warehouse.js';
import type { ApiContext } from './api-context.js';
import { keptByDay } from './day-parts.js';
import type { ReportFilter } from '../reports/filter.js';
import { filterParams } from './params.js';
import { pageInfo, pageOf, TABLE_SPECS } from './paging.js';
import { heldHourlyDays, localProducts, overallBasis, requestCalendar, requestSpan, type DayBasis } from './api-local.js';

type Row = Record<string, string | number | null>;

/** Rows as the report's JSON has them, money as canonical exact text (a warehouse may keep trailing zeros). */
export function cleanRows(q: ReportQuery, rows: QueryRow[]): Row[] {
  return rows.map((r) => {
    const out: Row = {};
    for (const c of q.columns) {
      const v = r[c.name];
      out[c.name] = c.kind === 'usd' ? canonicalDecimal(exact(v)) : c.kind === 'int' ? Number(v ?? 0) : c.kind === 'ratio' ? (v === null || v === undefined ? null : Number(v)) : v === null || v === undefined ? null : String(v);
    }
    return out;
  });
}

export async function analytics(ctx: ApiContext, span: () => Promise<DayRange | null>) {
  const available = await hasAnalyticsCost(ctx.wh);
  // In a zone the product chart is in local days (claude_cost_hourly is per product); keys and people are UTC days.
  const cal = requestCalendar(ctx);
  const f = filterParams(ctx.query, await requestSpan(ctx, cal, span));
  const days = eachDay(f.from, f.to);
  const empty = pageOf([], TABLE_SPECS.people);
  const timezone = cal?.timeZone ?? null;
  if (!available) {
    return { available, timezone, days, day_basis: null as Array<DayBasis | null> | null, basis: null as DayBasis | null, keys: [] as Row[], keysPage: pageInfo(empty), products: [] as Array<{ key: string; name: string; total: string; usd: string[] }>, total: '0', people: [] as Row[], peoplePage: pageInfo(empty), peopleNote: null as string | null };
  }
  const run = async (q: ReportQuery) => cleanRows(q, await ctx.wh.query(...sqlAndParams(q)));
  const d = ctx.wh.dialect;
  // Claude Code's estimate beside each person has no workspace, so the per-person report refuses
  // that filter (as `report --by user --workspace` does): the page says so instead.
  const peopleNote = f.workspaceIds?.length ? 'the per-person table is not split by workspace (the Claude Code estimate beside it has none): clear the workspace filter to see it' : null;
  const [keys, byDay, people, local] = await Promise.all([
    run(apiKeyCostQuery(d, f)),
    cal ? Promise.resolve([]) : keptByDay(ctx.dayParts, ctx.wh, 'productCostByDay', ['claude_cost_by_actor'], f, (r) => r.day, (g: ReportFilter) => productCostByDay(ctx.wh, g)),
    peopleNote ? Promise.resolve([] as Row[]) : run(userCostQuery(d, f)),
    cal ? heldHourlyDays(ctx, f.organizationIds).then((held) => localProducts(ctx, cal, f, held)) : Promise.resolve(null),
  ]);
  const cells = new Map(byDay.map((r) => [`${r.product}\u0000${r.day}`, canonicalDecimal(r.usd)]));
  // Each product's total is its days' exact sums added up: the figure and order `report --by
  // product` gives (productCostQuery: largest first, then by name), without a second scan.
  const perProduct = new Map<string, string[]>();
  for (const r of byDay) {
    let parts = perProduct.get(r.product);
    if (!parts) perProduct.set(r.product, (parts = []));
    parts.push(r.usd);
  }
  const totals = [...perProduct].map(([product, parts]) => ({ product, total: canonicalDecimal(sumDecimals(parts)) }));
  totals.sort((a, b) => compareDecimal(b.total, a.total) || (a.product < b.product ? -1 : a.product > b.product ? 1 : 0));
  const products = local?.products ?? totals.map(({ product: key, total }) => ({ key, name: key, total, usd: days.map((day) => cells.get(`${key}\u0000${day}`) ?? '0') }));
  // Long tables go a page at a time (paging.ts): the first page, and the rest summed as "other".
  const keysPage = pageOf(keys, TABLE_SPECS['key-cost']);
  const peoplePage = pageOf(people, TABLE_SPECS.people);
  return {
    available,
    /** The zone the product chart's days are local days of; null: UTC days (no zone, or tz=utc). Keys and people are always UTC days. */
    timezone,
    days,
    /** In a zone, each day's basis of the product chart as the report gives it ("UTC days" where no hours are held); null in UTC. */
    day_basis: local?.day_basis ?? null,
    basis: local ? overallBasis(local.day_basis) : null,
    /** Billed cost per key beside its tokens, as `report --by api_key`: the first page (/api/rows?table=key-cost for more). */
    keys: keysPage.rows,
    keysPage: pageInfo(keysPage),
    /** Billed cost per product per day, largest product first; totals as `report --by product`. */
    products,
    total: sumDecimals(products.map((p) => p.total)),
    /** Billed cost per person across products, as `report --by user`; the estimate is never added. First page (/api/rows?table=people). */
    people: peoplePage.rows,
    peoplePage: pageInfo(peoplePage),
    peopleNote,
  };
}
