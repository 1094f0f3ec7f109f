/**
 * The dashboard's JSON API. Every figure comes from the report queries (src/reports/queries.ts, plus
 * src/reports/dashboard-queries.ts for the per-day splits), so the page and `claude-ingest report`
 * never disagree. Money is exact decimal dollars as strings; the page only formats them.
 */
import { DAY_STREAMS } from '../checks/gaps.js';
import { runValidation, type ValidationReport } from '../checks/index.js';
import { readProofBook } from '../checks/proofs.js';
import { lastCompleteDay, unfinishedWindows } from '../ledger/queries.js';
import { claudeCodeActiveActors, claudeCodeDaily, claudeCodeDailyQuery, spendByDay, toolAcceptance, TOOLS } from '../reports/dashboard-queries.js';
import { DEFAULT_WORKSPACE, type ReportFilter } from '../reports/filter.js';
import { warehouseOrganizations } from '../reports/organizations.js';
import { FORECAST_BASE_DAYS, forecastPeriod, periodOf } from '../reports/forecast.js';
import { fixedFeeDays } from '../reports/fixed-fee-days.js';
import { claudeCodeByUser, dataSpan, spendOverTime, tokensByApiKey } from '../reports/queries.js';
import { addDays, daysInMonth, eachDay, leadingDay, monthStart, type DayRange, type IsoDay } from '../util/dates.js';
import { canonicalDecimal, decimalToNumber, divideDecimal, isZeroDecimal, subtractDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { isUtc } from '../util/calendar.js';
import type { DayBasis } from '../reports/local-placement.js';
import { heldHourlyDays, localBreakdown, localKeyUsage, localMonthToDate, localSpanOf, localSpendChart, localTodayOf, overallBasis, requestCalendar, requestSpan } from './api-local.js';
import { analytics } from './api-analytics.js';
import { bridge } from './api-bridge.js';
import { allocation } from './api-allocation.js';
import { alertHistory, budgets } from './api-budgets.js';
import type { ApiContext } from './api-context.js';
import { keptByDay } from './day-parts.js';
import { keptSpendBy, keptTotalSpend } from './kept-spend.js';
import { limits } from './api-limits.js';
import { checkParams, filterParams, rangeParam, stackParam, type Stack } from './params.js';
import { rows as rowsPage } from './api-rows.js';
import { pageInfo, pageOf, TABLE_SPECS, type PageRow } from './paging.js';


const VALIDATION_CACHE_SIZE = 32;

interface Route {
  params: readonly string[];
  handle(ctx: ApiContext): Promise<unknown>;
}

/** The span of the data, needed only when from or to is left out (it defaults to the span). */
async function spanIfNeeded(ctx: ApiContext): Promise<DayRange | null> {
  return ctx.query.get('from') && ctx.query.get('to') ? null : dataSpan(ctx.wh);
}

const FILTER_PARAMS = ['from', 'to', 'workspace', 'model', 'organization'] as const;
const RANGE_PARAMS = ['from', 'to'] as const;


function filterEcho(f: ReportFilter) {
  return { from: f.from, to: f.to, workspace: f.workspaceIds ?? [], model: f.models ?? [], organization: f.organizationIds ?? [] };
}

// ---------------------------------------------------------------- month-to-date and forecast

export interface MonthToDate {
  /** The day the month is measured to: the last day of the selected range. */
  anchor: IsoDay;
  /** day_basis (in a zone only): the basis of the days summed, as `report --by month --tz` gives it. */
  current: { from: IsoDay; to: IsoDay; usd: string; day_basis?: DayBasis | null };
  /** The previous month from its 1st to the same day of the month (its last day if shorter). */
  previous: { from: IsoDay; to: IsoDay; usd: string; day_basis?: DayBasis | null };
  /** (current - previous) / previous; null when the previous month had no spend. Display only. */
  change: number | null;
  /**
   * The month-end forecast (src/reports/forecast.ts, the one budgets, spend limits and `report` use),
   * with its interval; null before any complete day.
   */
  forecast: { usd: string; low: string; high: string; monthEnd: IsoDay; daysElapsed: number; daysInMonth: number; day_basis?: DayBasis | null } | null;
}

export async function monthToDate(wh: Warehouse, f: ReportFilter, today: IsoDay, parts?: ApiContext['dayParts']): Promise<MonthToDate> {
  const anchor = f.to;
  const dom = Number(anchor.slice(8, 10));
  const curFrom = monthStart(anchor);
  const prevFrom = monthStart(addDays(curFrom, -1));
  const prevTo = addDays(prevFrom, Math.min(dom, daysInMonth(prevFrom)) - 1);
  const [cur, prev, days] = await Promise.all([
    keptTotalSpend(parts, wh, { ...f, from: curFrom, to: anchor }),
    keptTotalSpend(parts, wh, { ...f, from: prevFrom, to: prevTo }),
    keptByDay(parts, wh, 'spendOverTime:day', ['claude_costs'], { ...f, from: addDays(curFrom, -FORECAST_BASE_DAYS), to: anchor }, (r) => r.period, (g: ReportFilter) => spendOverTime(wh, g, 'day')),
  ]);
  const dim = daysInMonth(anchor);
  // Days before today are complete; today (when the range ends there) is partial.
  const lastComplete = anchor < today ? anchor : addDays(today, -1);
  const daily = new Map(days.map((r) => [leadingDay(r.period, 'period'), r.usd]));
  const fc = forecastPeriod(periodOf('monthly', anchor), daily, { lastComplete, has: (d) => d <= lastComplete });
  return {
    anchor,
    current: { from: curFrom, to: anchor, usd: cur.usd },
    previous: { from: prevFrom, to: prevTo, usd: prev.usd },
    change: isZeroDecimal(prev.usd) ? null : decimalToNumber(divideDecimal(subtractDecimal(cur.usd, prev.usd), prev.usd)),
    forecast: fc && { usd: fc.total, low: fc.low, high: fc.high, monthEnd: fc.periodEnd, daysElapsed: dom, daysInMonth: dim },
  };
}

// ---------------------------------------------------------------- routes

async function meta(ctx: ApiContext) {
  const span = await dataSpan(ctx.wh);
  // Every organization the warehouse holds; rows from before organization ids (id null) cannot be filtered on.
  const organizations = (await warehouseOrganizations(ctx.wh)).flatMap((o) => (o.id === null ? [] : [{ id: o.id, name: o.name }]));
  let workspaces: Array<{ id: string; name: string }> = [];
  let models: string[] = [];
  if (span) {
    // The filter choices are what the cost data holds, named like the reports name them.
    workspaces = (await keptSpendBy(ctx.dayParts, ctx.wh, span, 'workspace')).map((r) => ({ id: r.key ?? DEFAULT_WORKSPACE, name: r.name }));
    models = (await keptSpendBy(ctx.dayParts, ctx.wh, span, 'model')).flatMap((r) => (r.key === null ? [] : [r.key])).sort();
  }
  // In a zone the pickers offer local days (their bounds and quick ranges); the UTC toggle uses span and today.
  const cal = ctx.calendar && !isUtc(ctx.calendar) ? ctx.calendar : null;
  return {
    warehouse: { kind: ctx.wh.kind, location: ctx.wh.location },
    timezone: ctx.calendar?.timeZone ?? 'UTC',
    today: ctx.today,
    span,
    /** The span in local days of the zone (null without a zone, or without data): see localSpanOf. */
    localSpan: cal && span ? localSpanOf(cal, span, await heldHourlyDays(ctx)) : null,
    /** The zone's today (null without a zone). */
    localToday: cal ? localTodayOf(cal, ctx.today) : null,
    organizations,
    workspaces,
    models,
    tools: TOOLS,
  };
}

async function spend(ctx: ApiContext) {
  const cal = requestCalendar(ctx);
  const f = filterParams(ctx.query, await requestSpan(ctx, cal, () => dataSpan(ctx.wh)));
  const stack = stackParam(ctx.query);
  const feesShown = !f.workspaceIds?.length && !f.models?.length;
  // Configured fees (claude-ingest.yaml) of the same days, as `report --by day` adds them: beside the
  // API total, never inside it. A workspace or model filter leaves them out (fees have neither). In a
  // zone a fee day is the local day of the same date, as in the calendar reports (a fee has no instant).
  const feesLoad = feesShown ? fixedFeeDays(ctx.wh, f) : Promise.resolve([]);
  const held = cal ? await heldHourlyDays(ctx, f.organizationIds) : null;
  const [chart, month, fees] = await Promise.all([
    cal && held ? localSpendChart(ctx, cal, f, stack, held) : utcSpendChart(ctx, f, stack),
    cal && held ? localMonthToDate(ctx, cal, f, held) : monthToDate(ctx.wh, f, ctx.today, ctx.dayParts),
    feesLoad,
  ]);
  const feeTotal = sumDecimals(fees.map((x) => x.usd));
  return {
    filter: filterEcho(f),
    stack,
    /** The zone the days are local days of; null: the API's UTC days (no zone, or the page's UTC toggle). */
    timezone: cal?.timeZone ?? null,
    /** In a zone, each day's basis as `report --by day --tz` gives it ("UTC days" where no hours are held); null in UTC. */
    day_basis: chart.day_basis,
    /** The range total's basis (the days' bases combined as a period's are); null in UTC. */
    basis: chart.day_basis ? overallBasis(chart.day_basis) : null,
    days: chart.days,
    daily: chart.daily,
    series: chart.series,
    /** API usage from cost_report only (in a zone: its local days' hours): no products outside cost_report, no configured fees. */
    total: chart.total,
    /** Configured fees in the range (null under a workspace or model filter), and the total with them: labelled configured on the page. */
    fixedFees: feesShown ? { usd: feeTotal, names: [...new Set(fees.map((x) => x.name))], withApiUsd: sumDecimals([chart.total.usd, feeTotal]) } : null,
    month: month as MonthToDate,
  };
}

/** The spend chart on UTC days: one GROUP BY day × key gives the cells and (summed exactly) the daily totals and the range total. */
async function utcSpendChart(ctx: ApiContext, f: ReportFilter, stack: Stack) {
  const days = eachDay(f.from, f.to);
  const [names, byDay] = await Promise.all([
    // Series in the order of their total (largest first), named as `report --by workspace|model` names them.
    keptSpendBy(ctx.dayParts, ctx.wh, f, stack),
    keptByDay(ctx.dayParts, ctx.wh, `spendByDay:${stack}`, ['claude_costs'], f, (r) => r.day, (g: ReportFilter) => spendByDay(ctx.wh, g, stack)),
  ]);
  const cells = new Map<string, string>();
  const dayParts = new Map<string, string[]>();
  for (const r of byDay) {
    cells.set(`${r.key ?? ''}\u0000${r.day}`, canonicalDecimal(r.usd));
    let parts = dayParts.get(r.day);
    if (!parts) dayParts.set(r.day, (parts = []));
    parts.push(r.usd);
  }
  const perDay = new Map([...dayParts].map(([day, parts]) => [day, sumDecimals(parts)]));
  const series = names.map((n) => ({
    key: n.key ?? (stack === 'workspace' ? DEFAULT_WORKSPACE : null),
    name: n.name,
    total: canonicalDecimal(n.usd),
    usd: days.map((day) => cells.get(`${n.key ?? ''}\u0000${day}`) ?? '0'),
  }));
  return { days, daily: days.map((day) => perDay.get(day) ?? '0'), day_basis: null as Array<DayBasis | null> | null, series, total: { usd: sumDecimals(perDay.values()), days: perDay.size } };
}

async function breakdown(ctx: ApiContext) {
  const cal = requestCalendar(ctx);
  const f = filterParams(ctx.query, await requestSpan(ctx, cal, () => dataSpan(ctx.wh)));
  const clean = <T extends { usd: string }>(rows: T[]) => rows.map((r) => ({ ...r, usd: canonicalDecimal(r.usd) }));
  // Cost type has no hours (claude_cost_hourly is product × workspace × model): always the range's UTC days.
  const costType = keptSpendBy(ctx.dayParts, ctx.wh, f, 'cost_type').then(clean);
  if (cal) {
    const local = await localBreakdown(ctx, cal, f, await heldHourlyDays(ctx, f.organizationIds));
    return {
      filter: filterEcho(f),
      timezone: cal.timeZone as string | null,
      total: local.workspace.total,
      workspace: local.workspace.rows,
      model: local.model.rows,
      cost_type: await costType,
      /** Each part's basis in a zone ("UTC days" where no hours are held); null in UTC. */
      day_basis: { total: local.workspace.day_basis, workspace: local.workspace.day_basis, model: local.model.day_basis, cost_type: 'UTC days' as DayBasis | null },
    };
  }
  const [total, workspace, model] = await Promise.all([keptTotalSpend(ctx.dayParts, ctx.wh, f), keptSpendBy(ctx.dayParts, ctx.wh, f, 'workspace'), keptSpendBy(ctx.dayParts, ctx.wh, f, 'model')]);
  return {
    filter: filterEcho(f),
    timezone: null as string | null,
    total: total.usd,
    workspace: clean(workspace),
    model: clean(model),
    cost_type: await costType,
    day_basis: null,
  };
}

async function keys(ctx: ApiContext) {
  const cal = requestCalendar(ctx);
  const f = filterParams(ctx.query, await requestSpan(ctx, cal, () => dataSpan(ctx.wh)));
  // In a zone: the usage of the local days (hours where usage was read hourly, else UTC days).
  const local = cal ? await localKeyUsage(ctx, cal, f) : null;
  const rows = await tokensByApiKey(ctx.wh, f, local?.usage);
  const sum = (k: 'all_input_tokens' | 'cache_read_input_tokens' | 'output_tokens') => rows.reduce((a, r) => a + r[k], 0);
  const allInput = sum('all_input_tokens');
  // Totals over every key; the rows a page at a time (paging.ts).
  const page = pageOf(rows as unknown as PageRow[], TABLE_SPECS.keys);
  return {
    filter: filterEcho(f),
    /** The zone the days are local days of; null: UTC days. */
    timezone: cal?.timeZone ?? null,
    /** In a zone, the range's basis as the report's tokens_day_basis ("UTC days" where usage was read daily); null in UTC. */
    day_basis: local?.day_basis ?? null,
    rows: page.rows as unknown as typeof rows,
    rowsPage: pageInfo(page),
    totals: {
      all_input_tokens: allInput,
      cache_read_input_tokens: sum('cache_read_input_tokens'),
      output_tokens: sum('output_tokens'),
      cache_hit_rate: allInput === 0 ? null : sum('cache_read_input_tokens') / allInput,
    },
  };
}

async function claudeCode(ctx: ApiContext) {
  const f = filterParams(ctx.query, await spanIfNeeded(ctx));
  const days = eachDay(f.from, f.to);
  // Independent queries side by side, each on its own connection.
  const [dailyRows, userRows, tools, active] = await Promise.all([keptByDay(ctx.dayParts, ctx.wh, 'claudeCodeDaily', ['claude_code_productivity'], f, (r) => r.day, (g: ReportFilter) => claudeCodeDaily(ctx.wh, g), (g) => claudeCodeDailyQuery(ctx.wh.dialect, g)), claudeCodeByUser(ctx.wh, f), toolAcceptance(ctx.wh, f), claudeCodeActiveActors(ctx.wh, f)]);
  const byDay = new Map(dailyRows.map((r) => [r.day, r]));
  const daily = days.map(
    (day) => byDay.get(day) ?? { day, active_users: 0, active_api_actors: 0, sessions: 0, lines_added: 0, lines_removed: 0, commits: 0, pull_requests: 0 },
  );
  const users = userRows.map((u) => ({ ...u, estimated_cost_usd_estimate: canonicalDecimal(u.estimated_cost_usd_estimate) }));
  const total = (k: 'sessions' | 'lines_added' | 'lines_removed' | 'commits' | 'pull_requests' | 'tool_accepted' | 'tool_rejected') =>
    users.reduce((a, u) => a + u[k], 0);
  const accepted = total('tool_accepted');
  const rejected = total('tool_rejected');
  const page = pageOf(users as unknown as PageRow[], TABLE_SPECS.users);
  return {
    filter: filterEcho(f),
    days,
    daily,
    tools,
    /** The first page of users (/api/rows?table=users for more); totals below are over every user. */
    users: page.rows as unknown as typeof users,
    usersPage: pageInfo(page),
    totals: {
      active_users: active.users,
      active_api_actors: active.apiActors,
      sessions: total('sessions'),
      lines_added: total('lines_added'),
      lines_removed: total('lines_removed'),
      commits: total('commits'),
      pull_requests: total('pull_requests'),
      tool_acceptance_rate: accepted + rejected === 0 ? null : accepted / (accepted + rejected),
      /** An ESTIMATE (claude_code_model_usage), never part of billed spend. */
      estimated_cost_usd_estimate: sumDecimals(users.map((u) => u.estimated_cost_usd_estimate)),
    },
  };
}

async function health(ctx: ApiContext) {
  const ledger = await ctx.wh.listWindows();
  const streams = DAY_STREAMS.map((stream) => ({ stream, lastCompleteDay: lastCompleteDay(ledger, stream) }));
  const known = streams.map((s) => s.lastCompleteDay);
  const failed = unfinishedWindows(ledger).map((w) => ({
    stream: w.stream,
    from: w.windowStart,
    to: w.windowEnd,
    status: w.status,
    error: w.error,
    startedAt: w.startedAt,
  }));
  // Validate the selected range (default: all the data), exactly as `claude-ingest validate --from --to`.
  let range: DayRange | null = null;
  const span = await spanIfNeeded(ctx);
  if (span || ctx.query.has('from') || ctx.query.has('to')) range = rangeParam(ctx.query, span);
  let validation: ValidationReport | null = null;
  if (range) {
    const runs = await ctx.wh.listRuns(1);
    const key = JSON.stringify([range, ctx.today, ctx.changeToken ?? '', ledger.length, ledger.map((w) => w.finishedAt ?? w.startedAt).sort().at(-1), runs[0]]);
    validation = ctx.validationCache?.get(key) ?? null;
    if (!validation) {
      // The proofs validate stored, under what this server proved since (its own are newer or the same).
      const book = ctx.proofs ? await readProofBook(ctx.wh) : undefined;
      if (book && ctx.proofs) for (const e of ctx.proofs.all()) book.load(e.checkId, e.organization, e.proofs);
      validation = await runValidation(ctx.wh, { range, today: ctx.today, ...(book ? { proofs: book } : {}) });
      if (book && ctx.proofs) for (const c of book.changed()) ctx.proofs.load(c.checkId, c.organization, c.proofs);
      if (ctx.validationCache) {
        if (ctx.validationCache.size >= VALIDATION_CACHE_SIZE) ctx.validationCache.delete(ctx.validationCache.keys().next().value!);
        ctx.validationCache.set(key, validation);
      }
    }
  }
  return {
    today: ctx.today,
    range,
    streams,
    /** The stalest stream's last complete day: every stream is complete through it. */
    lastCompleteDay: known.includes(null) ? null : (known as string[]).sort()[0] ?? null,
    failedWindows: failed,
    lastRuns: await ctx.wh.listRuns(5),
    validation,
    status: validation?.status ?? (failed.length > 0 ? 'FAIL' : 'WARN'),
  };
}

export const ROUTES: Record<string, Route> = {
  '/api/meta': { params: [], handle: meta },
  '/api/spend': { params: [...FILTER_PARAMS, 'stack', 'tz'], handle: spend },
  '/api/breakdown': { params: [...FILTER_PARAMS, 'tz'], handle: breakdown },
  '/api/keys': { params: [...FILTER_PARAMS, 'tz'], handle: keys },
  // Workspace/model are accepted so the report's own message explains that Claude Code data has neither.
  '/api/claude-code': { params: FILTER_PARAMS, handle: claudeCode },
  '/api/health': { params: RANGE_PARAMS, handle: health },
  '/api/budgets': { params: [...RANGE_PARAMS, 'tz'], handle: budgets },
  '/api/alerts': { params: [], handle: alertHistory },
  '/api/limits': { params: [], handle: limits },
  '/api/analytics': { params: [...FILTER_PARAMS, 'tz'], handle: (ctx) => analytics(ctx, () => spanIfNeeded(ctx)) },
  // Any page of a long table: sorted, searched, from an offset (paging.ts).
  '/api/rows': { params: [...FILTER_PARAMS, 'table', 'q', 'sort', 'dir', 'offset', 'limit', 'tz'], handle: rowsPage },
  '/api/bridge': { params: ['from', 'to', 'organization'], handle: (ctx) => bridge(ctx, () => spanIfNeeded(ctx)) },
  '/api/allocation': { params: ['from', 'to', 'dim'], handle: allocation },
};

export async function handleApi(path: string, ctx: ApiContext): Promise<unknown> {
  const route = ROUTES[path]!;
  checkParams(ctx.query, route.params, path);
  return route.handle(ctx);
}

// The JSON each route answers, as the page (static/*.js) reads it in its JSDoc types.
export type MetaAnswer = Awaited<ReturnType<typeof meta>>;
export type SpendAnswer = Awaited<ReturnType<typeof spend>>;
export type BreakdownAnswer = Awaited<ReturnType<typeof breakdown>>;
export type KeysAnswer = Awaited<ReturnType<typeof keys>>;
export type ClaudeCodeAnswer = Awaited<ReturnType<typeof claudeCode>>;
export type HealthAnswer = Awaited<ReturnType<typeof health>>;
export type BudgetsAnswer = Awaited<ReturnType<typeof budgets>>;
export type AlertsAnswer = Awaited<ReturnType<typeof alertHistory>>;
export type LimitsAnswer = Awaited<ReturnType<typeof limits>>;
export type AnalyticsAnswer = Awaited<ReturnType<typeof analytics>>;
export type RowsAnswer = Awaited<ReturnType<typeof rowsPage>>;
export type BridgeAnswer = Awaited<ReturnType<typeof bridge>>;
export type AllocationAnswer = Awaited<ReturnType<typeof allocation>>;
