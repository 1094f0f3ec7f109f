/**
 * The dashboard in the organization's calendar (issue 27): which calendar a request is answered in
 * (the configured zone, unless the page's UTC toggle sent tz=utc), and the spend chart, its cards and
 * the breakdown in local days, from the same functions as `report --by day --tz` (reports/local-*.ts).
 * Where only UTC days exist the figures are those UTC days, and the answer's day_basis says so.
 */
import { hourlyUsageDaysOf, okDaysOfEvery } from '../ledger/queries.js';
import { localUsageBasis, localUsageRows } from '../reports/local-usage-rows.js';
import { FORECAST_BASE_DAYS, forecastPeriod, periodOf } from '../reports/forecast.js';
import { DEFAULT_WORKSPACE, type ReportFilter } from '../reports/filter.js';
import { combineBasis, type DayBasis } from '../reports/local-placement.js';
import { localSpend } from '../reports/local-spend.js';
import { localSpendSplitByDay, localSpendSplitTotals, type SplitKey } from '../reports/local-split.js';
import type { StackDimension } from '../reports/dashboard-queries.js';
import { spendBy } from '../reports/queries.js';
import { utcReadRange } from '../reports/local-placement.js';
import { isUtc, localDay, utcDaysOf, type Calendar } from '../util/calendar.js';
import { addDays, dayStartMs, daysInMonth, eachDay, monthStart, type DayRange, type IsoDay } from '../util/dates.js';
import { canonicalDecimal, compareDecimal, decimalToNumber, divideDecimal, isZeroDecimal, subtractDecimal, sumDecimals } from '../util/money.js';
import type { ApiContext } from './api-context.js';
import { BadRequest } from './params.js';

export type { DayBasis };

/** The calendar a request asks for: the configured one, unless the page's UTC toggle sent tz=utc; null: UTC days. */
export function requestCalendar(ctx: ApiContext): Calendar | null {
  const tz = ctx.query.get('tz');
  if (tz !== null && tz !== 'utc' && tz !== 'local') throw new BadRequest(`tz must be utc or local, got "${tz}"`);
  return ctx.calendar && !isUtc(ctx.calendar) && tz !== 'utc' ? ctx.calendar : null;
}

/** The UTC days whose hourly billed cost every organization asked holds (as the report and the budgets count them). */
export async function heldHourlyDays(ctx: ApiContext, organizationIds?: string[]): Promise<Set<IsoDay>> {
  return okDaysOfEvery(await ctx.wh.listWindows(), 'analytics_cost_hourly', organizationIds);
}

/** The bases of some days (or parts) as one: the report's rule for a period's days; null when none is held. */
export function overallBasis(bases: Iterable<DayBasis | null>): DayBasis | null {
  let out: DayBasis | null = null;
  for (const b of bases) if (b !== null) out = out === null ? b : combineBasis(out, b);
  return out;
}

/**
 * The local today: the local day in progress at the end of UTC today (ctx.today), which is the
 * zone's today whenever ctx.today is the real UTC date, and a fixed day when it is pinned (tests).
 */
export function localTodayOf(cal: Calendar, utcToday: IsoDay, now = Date.now()): IsoDay {
  return localDay(cal, Math.min(now, dayStartMs(addDays(utcToday, 1)) - 1000));
}

const HOUR_MS = 3_600_000;

/**
 * The data span in local days (the date pickers' bounds and quick ranges, issue 27): a UTC edge day
 * whose hours are held puts its edge hour on the local day that hour starts in (the report's rule);
 * one without hours is under its own date ("UTC days"). The first day is the earlier of the two
 * readings and the last the later, so the local range holds every instant of the UTC span.
 */
export function localSpanOf(cal: Calendar, span: DayRange, held: ReadonlySet<IsoDay>): DayRange {
  const first = held.has(span.from) ? localDay(cal, dayStartMs(span.from)) : span.from;
  const last = held.has(span.to) ? localDay(cal, dayStartMs(span.to) + 23 * HOUR_MS) : span.to;
  return { from: first < span.from ? first : span.from, to: last > span.to ? last : span.to };
}

/**
 * from/to when the request leaves them out: the data span in the request's days (local days in a
 * zone, as the pickers offer them; the UTC span under tz=utc). Null when both are given.
 */
export async function requestSpan(ctx: ApiContext, cal: Calendar | null, utcSpan: () => Promise<DayRange | null>): Promise<DayRange | null> {
  if (ctx.query.get('from') && ctx.query.get('to')) return null;
  const span = await utcSpan();
  if (!span || !cal) return span;
  return localSpanOf(cal, span, await heldHourlyDays(ctx));
}

/** The last local day up to `anchor` whose every UTC day is before UTC today (complete), or null. */
function lastCompleteLocal(cal: Calendar, anchor: IsoDay, utcToday: IsoDay): IsoDay {
  let d = anchor;
  while (utcDaysOf(cal, d, d).to >= utcToday) d = addDays(d, -1);
  return d;
}

/** Names as the UTC breakdown names them (spendBy), for the keys of the UTC days a local range reads. */
async function namesOf(ctx: ApiContext, cal: Calendar, f: ReportFilter, dim: StackDimension): Promise<(k: SplitKey) => string> {
  // A model is named by itself (spendBy's name for it): no query.
  if (dim === 'model') return (k) => k ?? '(no model)';
  const rows = await spendBy(ctx.wh, utcReadRange(cal, f), dim);
  const names = new Map(rows.map((r) => [r.key, r.name]));
  return (k) => names.get(k) ?? k ?? (dim === 'workspace' ? DEFAULT_WORKSPACE : '(no model)');
}

/** The spend chart's answer in local days: the stacked series, each day's total and basis (issue 27). */
export async function localSpendChart(ctx: ApiContext, cal: Calendar, f: ReportFilter, stack: StackDimension, held: ReadonlySet<IsoDay>) {
  const [split, nameOf] = await Promise.all([localSpendSplitByDay(ctx.wh, cal, f, stack, held), namesOf(ctx, cal, f, stack)]);
  const series = [...split.byKey]
    .map(([key, usd]) => ({ key: key ?? (stack === 'workspace' ? DEFAULT_WORKSPACE : null), name: nameOf(key), total: sumDecimals(usd), usd }))
    .sort((a, b) => Number(b.total) - Number(a.total) || a.name.localeCompare(b.name))
    .map((s) => ({ ...s, usd: s.usd.map(canonicalDecimal) }));
  return {
    days: split.days,
    daily: split.daily,
    day_basis: split.day_basis,
    series,
    total: { usd: sumDecimals(split.daily), days: split.daily.filter((d) => !isZeroDecimal(d)).length },
  };
}

/**
 * The month to date, the previous month to the same day and the month-end forecast in local days
 * (api.ts monthToDate's figures, each day the sum of its hours), with the basis of the days they use.
 */
export async function localMonthToDate(ctx: ApiContext, cal: Calendar, f: ReportFilter, held: ReadonlySet<IsoDay>) {
  const anchor = f.to;
  const dom = Number(anchor.slice(8, 10));
  const curFrom = monthStart(anchor);
  const prevFrom = monthStart(addDays(curFrom, -1));
  const prevTo = addDays(prevFrom, Math.min(dom, daysInMonth(prevFrom)) - 1);
  const from = [prevFrom, addDays(curFrom, -FORECAST_BASE_DAYS)].sort()[0]!;
  const rows = await localSpend(ctx.wh, cal, { ...f, from, to: anchor }, 'day', held);
  const daily = new Map(rows.map((r) => [r.period, r.usd]));
  const basis = new Map(rows.map((r) => [r.period, r.day_basis]));
  const sum = (a: IsoDay, b: IsoDay) => sumDecimals(eachDay(a, b).map((d) => daily.get(d) ?? '0'));
  const cur = sum(curFrom, anchor);
  const prev = sum(prevFrom, prevTo);
  const lastComplete = lastCompleteLocal(cal, anchor, ctx.today);
  const fc = forecastPeriod(periodOf('monthly', anchor), daily, { lastComplete, has: (d) => d <= lastComplete });
  const basisOf = (a: IsoDay, b: IsoDay) => overallBasis(eachDay(a, b).map((d) => basis.get(d) ?? null));
  return {
    anchor,
    current: { from: curFrom, to: anchor, usd: cur, day_basis: basisOf(curFrom, anchor) },
    previous: { from: prevFrom, to: prevTo, usd: prev, day_basis: basisOf(prevFrom, prevTo) },
    change: isZeroDecimal(prev) ? null : decimalToNumber(divideDecimal(subtractDecimal(cur, prev), prev)),
    forecast: fc && { usd: fc.total, low: fc.low, high: fc.high, monthEnd: fc.periodEnd, daysElapsed: dom, daysInMonth: daysInMonth(anchor), day_basis: basisOf(from, anchor) },
  };
}

/**
 * The breakdown by workspace and model over the local days of the range (each the sum of the local
 * days' hours, as `report --by day --tz --workspace X` summed); cost type has no hours (claude_cost_hourly
 * has none), so it stays on the range's UTC days and says so.
 */
export async function localBreakdown(ctx: ApiContext, cal: Calendar, f: ReportFilter, held: ReadonlySet<IsoDay>) {
  const part = async (dim: StackDimension) => {
    const [t, nameOf] = await Promise.all([localSpendSplitTotals(ctx.wh, cal, f, dim, held), namesOf(ctx, cal, f, dim)]);
    const rows = [...t.byKey]
      .map(([key, usd]) => ({ key, name: nameOf(key), usd: canonicalDecimal(usd) }))
      .sort((a, b) => Number(b.usd) - Number(a.usd) || a.name.localeCompare(b.name));
    return { rows, total: t.total, day_basis: t.day_basis };
  };
  const [workspace, model] = await Promise.all([part('workspace'), part('model')]);
  return { workspace, model };
}

/**
 * The Analytics section's cost per product per local day (every product the Analytics API bills, as
 * its UTC chart shows them): each held UTC day's hours from claude_cost_hourly, which is per product,
 * placed as the report places them; a UTC day without hours is claude_cost_by_actor's under its own
 * date, "UTC days". Per key and per person there are no hours (claude_cost_hourly has neither), so
 * those tables stay on UTC days.
 */
export async function localProducts(ctx: ApiContext, cal: Calendar, f: ReportFilter, held: ReadonlySet<IsoDay>) {
  const split = await localSpendSplitByDay(ctx.wh, cal, f, 'product', held);
  const products = [...split.byKey]
    .map(([key, usd]) => ({ key: String(key), name: String(key), total: canonicalDecimal(sumDecimals(usd)), usd: usd.map(canonicalDecimal) }))
    .sort((a, b) => compareDecimal(b.total, a.total) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { days: split.days, products, total: sumDecimals(split.daily), day_basis: split.day_basis };
}

/**
 * Tokens by API key in local days: the usage rows the local range counts (reports/local-usage-rows.ts:
 * the hours starting inside it where usage is held per hour, whole UTC days under their own date
 * elsewhere), so the keys add up to `report --by day --tz`'s token columns over the same days; and
 * the basis of those days, as the report's tokens_day_basis.
 */
export async function localKeyUsage(ctx: ApiContext, cal: Calendar, f: ReportFilter) {
  const ledger = await ctx.wh.listWindows();
  const hourlyRuns = ledger.some((w) => w.stream === 'usage' && w.status === 'ok')
    ? new Set((await ctx.wh.listRuns(1_000_000)).filter((r) => r.args.usageBucket === '1h').map((r) => r.runId))
    : new Set<string>();
  const held = hourlyUsageDaysOf(ledger, hourlyRuns, f.organizationIds);
  return { usage: localUsageRows(ctx.wh.dialect, cal, f, held), day_basis: localUsageBasis(cal, f, held) };
}
