// @ts-check
/**
 * The charts, drawn with ECharts (a classic script: the global `echarts`). Each chart records in
 * window.__dashboard.plotted what it shows, with money as the exact strings the API sent.
 */
import { compactInt, compactUsd, escapeHtml, formatInt, formatPct, formatUsd } from './format.js';
import { $, dash, showBasisTag } from './state.js';

/**
 * @typedef {import('echarts').EChartsOption} Option
 * @typedef {import('echarts').TooltipComponentFormatterCallbackParams} TooltipParams
 * @typedef {import('echarts').DefaultLabelFormatterCallbackParams} ItemParams
 * @typedef {import('./state.js').Spend} Spend
 * @typedef {import('./state.js').Keys} Keys
 * @typedef {import('./state.js').ClaudeCode} ClaudeCode
 * @typedef {NonNullable<import('./state.js').Budgets['pace']>} Pace
 * @typedef {{ key: string | null, name: string, usd: string }} UsdRow a breakdown bar
 */

/** @type {Record<string, import('echarts').EChartsType>} */
const charts = {};

/** @param {string} id */
function chart(id) {
  return (charts[id] ??= echarts.init($(id), null, { renderer: 'canvas' }));
}

export function resizeCharts() {
  for (const c of Object.values(charts)) c.resize();
}

/**
 * @param {string} id
 * @param {Option} option
 * @param {{ points: number } & Record<string, unknown>} plotted
 */
export function plot(id, option, plotted) {
  chart(id).setOption({ animation: false, ...option }, true);
  dash.plotted[id] = plotted;
  const el = $(id);
  el.dataset.rendered = 'true';
  el.dataset.points = String(plotted.points);
}

/** @param {ItemParams[]} list */
const tooltipHead = (list) => (list[0] ? escapeHtml(/** @type {{ axisValueLabel?: string }} */ (list[0]).axisValueLabel || list[0].name) : '');

/** An item's tooltip with the exact amount its data item carries. @param {TooltipParams} params */
export function usdTooltip(params) {
  const list = Array.isArray(params) ? params : [params];
  const rows = list.flatMap((p) => {
    const exact = /** @type {{ exact?: string } | undefined} */ (p.data)?.exact;
    return exact === undefined || exact === '0' ? [] : [`${p.marker}${escapeHtml(p.seriesName || p.name)}: <b>${formatUsd(exact)}</b>`];
  });
  return [tooltipHead(list), ...rows].join('<br>');
}

/**
 * A per-day chart's tooltip: each series' exact amount that day (charts plot plain numbers; the
 * exact strings are looked up by series and day), zero amounts left out.
 * @param {(series: number, day: number) => string | null | undefined} exactOf
 */
export function dayTooltip(exactOf) {
  return /** @param {TooltipParams} params */ (params) => {
    const list = Array.isArray(params) ? params : [params];
    const rows = list.flatMap((p) => {
      const exact = exactOf(p.seriesIndex ?? -1, p.dataIndex);
      return exact === undefined || exact === null || Number(exact) === 0 ? [] : [`${p.marker}${escapeHtml(p.seriesName)}: <b>${formatUsd(exact)}</b>`];
    });
    return [tooltipHead(list), ...rows].join('<br>');
  };
}

// Up to a quarter, one bar per day; beyond it bars are a few pixels wide and a year of stacked bars
// takes ECharts 2-3 x longer to draw than stacked areas, which read better at that width anyway.
const BARS_UP_TO_DAYS = 92;

/** @param {number} days @returns {Record<string, unknown>} */
export function dailyShape(days) {
  return days <= BARS_UP_TO_DAYS
    ? { type: 'bar', barMaxWidth: 28 }
    : { type: 'line', showSymbol: false, step: 'middle', lineStyle: { width: 0.5 }, areaStyle: { opacity: 0.85 } };
}

/** A series from its shape (bar or stacked area) and fields; typed as ECharts' series once assembled. */
export const series = /** @param {Record<string, unknown>} fields */ (fields) => /** @type {import('echarts').SeriesOption} */ (fields);

/**
 * A day's tooltip that says how the day was made when it is not a plain local day ("UTC days",
 * "mixed", "local, partial", "local, by hour start": docs/time-zones.md), as the report's day_basis does.
 * @param {(params: TooltipParams) => string} tooltip
 * @param {Array<string | null> | null} basis each day's, or null on UTC days
 */
function withDayBasis(tooltip, basis) {
  return /** @param {TooltipParams} params */ (params) => {
    const first = Array.isArray(params) ? params[0] : params;
    const b = basis && first ? basis[first.dataIndex] : null;
    return b && b !== 'local' ? `${tooltip(params)}<br><i>${escapeHtml(b)}</i>` : tooltip(params);
  };
}

/**
 * @param {Spend} spend
 * @param {Pace | null} [pace] each budget's daily pace, drawn as a dashed line over the stacked spend
 */
export function drawSpend(spend, pace) {
  // Plain numbers, not {value, exact} items: a year stacked by a dozen workspaces is thousands of
  // bars, and ECharts draws plain arrays far faster. The tooltip looks the exact strings up.
  const shape = dailyShape(spend.days.length);
  // Budget lines by the spend chart's days (the two answers arrive separately and may differ in range).
  const budgets = (pace?.series ?? []).map((b) => {
    const byDay = new Map(pace?.days.map((d, i) => [d, b.usd[i]]));
    return { name: `${b.name} budget (daily pace)`, usd: spend.days.map((d) => byDay.get(d) ?? null) };
  });
  const exactOf = (/** @type {number} */ s, /** @type {number} */ i) => (s < spend.series.length ? spend.series[s]?.usd[i] : budgets[s - spend.series.length]?.usd[i]);
  plot(
    'chart-spend',
    {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: withDayBasis(dayTooltip(exactOf), spend.day_basis), confine: true },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 60, right: 20, top: 36, bottom: 30 },
      // In a zone the axis is local days (issue 27), named by the zone.
      xAxis: { type: 'category', data: spend.days, ...(spend.timezone ? { name: spend.timezone, nameLocation: 'end' } : {}) },
      yAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
      series: [
        ...spend.series.map((s) => series({ name: s.name, stack: 'spend', ...shape, data: s.usd.map(Number) })),
        ...budgets.map((b) =>
          series({ name: b.name, type: 'line', step: 'middle', showSymbol: false, lineStyle: { type: 'dashed', width: 2, color: '#111827' }, itemStyle: { color: '#111827' }, z: 5, data: b.usd.map((v) => (v === null ? null : Number(v))) }),
        ),
      ],
    },
    { points: spend.days.length, stack: spend.stack, timezone: spend.timezone, days: spend.days, daily: spend.daily, day_basis: spend.day_basis, series: spend.series.map((s) => ({ key: s.key, name: s.name, usd: s.usd })), budgets },
  );
  showBasisTag('spend', spend.timezone, spend.basis);
}

/**
 * Horizontal bars, largest on top, labelled with the exact amount rounded to cents.
 * @param {string} id
 * @param {UsdRow[]} rows largest first
 */
export function drawBars(id, rows) {
  const sorted = rows.slice().reverse();
  plot(
    id,
    {
      tooltip: { trigger: 'item', formatter: usdTooltip, confine: true },
      grid: { left: 10, right: 60, top: 6, bottom: 20, containLabel: true },
      xAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
      yAxis: { type: 'category', data: sorted.map((r) => r.name), axisLabel: { width: 150, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          itemStyle: { color: '#c15f3c' },
          label: { show: true, position: 'right', formatter: (p) => formatUsd(/** @type {{ exact: string }} */ (p.data).exact) },
          data: sorted.map((r) => ({ value: Number(r.usd), exact: r.usd, name: r.name })),
        },
      ],
    },
    { points: rows.length, rows: rows.map((r) => ({ key: r.key, name: r.name, usd: r.usd })) },
  );
}

/** @param {Keys} keys */
export function drawKeys(keys) {
  const top = keys.rows.slice(0, 15).reverse();
  plot(
    'chart-keys',
    {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => formatInt(Number(v)), confine: true },
      legend: { top: 0 },
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: 'value', axisLabel: { formatter: compactInt } },
      yAxis: { type: 'category', data: top.map((k) => k.name), axisLabel: { width: 150, overflow: 'truncate' } },
      series: [
        { name: 'uncached input', type: 'bar', stack: 't', data: top.map((k) => k.uncached_input_tokens) },
        { name: 'cache read', type: 'bar', stack: 't', data: top.map((k) => k.cache_read_input_tokens) },
        { name: 'cache write', type: 'bar', stack: 't', data: top.map((k) => k.cache_creation_5m_input_tokens + k.cache_creation_1h_input_tokens) },
        { name: 'output', type: 'bar', stack: 't', data: top.map((k) => k.output_tokens) },
      ],
    },
    {
      points: keys.rows.length,
      rows: keys.rows.map((k) => ({ name: k.name, all_input_tokens: k.all_input_tokens, output_tokens: k.output_tokens, cache_hit_rate: k.cache_hit_rate })),
    },
  );
  $('keys-hit-rate').textContent = `cache hit rate overall ${formatPct(keys.totals.cache_hit_rate)}`;
}

/** @param {ClaudeCode} cc */
export function drawClaudeCode(cc) {
  const shape = dailyShape(cc.days.length);
  plot(
    'chart-cc-users',
    {
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 40, right: 50, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: cc.days },
      yAxis: [
        { type: 'value', minInterval: 1, name: 'actors' },
        { type: 'value', minInterval: 1, name: 'sessions', splitLine: { show: false } },
      ],
      series: [
        { name: 'users', type: 'line', showSymbol: false, areaStyle: { opacity: 0.15 }, data: cc.daily.map((d) => d.active_users) },
        { name: 'API keys', type: 'line', showSymbol: false, data: cc.daily.map((d) => d.active_api_actors) },
        { name: 'sessions', type: 'line', yAxisIndex: 1, showSymbol: false, lineStyle: { type: 'dashed' }, data: cc.daily.map((d) => d.sessions) },
      ],
    },
    { points: cc.days.length, days: cc.days, active_users: cc.daily.map((d) => d.active_users), sessions: cc.daily.map((d) => d.sessions) },
  );
  plot(
    'chart-cc-lines',
    {
      tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => formatInt(Math.abs(Number(v))) },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: cc.days },
      yAxis: { type: 'value', axisLabel: { formatter: (/** @type {number} */ v) => compactInt(Math.abs(v)) } },
      series: [
        series({ name: 'added', stack: 'l', ...shape, itemStyle: { color: '#16a34a' }, data: cc.daily.map((d) => d.lines_added) }),
        series({ name: 'removed', stack: 'l', ...shape, itemStyle: { color: '#dc2626' }, data: cc.daily.map((d) => -d.lines_removed) }),
      ],
    },
    { points: cc.days.length, lines_added: cc.daily.map((d) => d.lines_added), lines_removed: cc.daily.map((d) => d.lines_removed) },
  );
  plot(
    'chart-cc-tools',
    {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: (v) => `${String(v)}%` },
      grid: { left: 10, right: 50, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: cc.tools.map((t) => t.tool) },
      series: [
        {
          type: 'bar',
          name: 'accepted',
          itemStyle: { color: '#2563eb' },
          label: { show: true, position: 'right', formatter: (p) => `${String(p.value)}%` },
          data: cc.tools.map((t) => (t.acceptance_rate === null ? 0 : Math.round(t.acceptance_rate * 1000) / 10)),
        },
      ],
    },
    { points: cc.tools.length, tools: cc.tools },
  );
}
