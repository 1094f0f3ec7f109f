// @ts-check
/**
 * The Usage and Cost Analytics API sections: billed cost per API key, per product stacked over time,
 * and per person with a search box. Hidden on a warehouse without analytics cost.
 */
import { compactUsd, formatUsd } from './format.js';
import { dailyShape, dayTooltip, plot, series, usdTooltip } from './charts.js';
import { $, apiQuery, dash, showBasisTag } from './state.js';
import { fetchRows, table } from './tables.js';

/**
 * @typedef {import('./state.js').Analytics} Analytics
 */

/** @type {import('./tables.js').Column[]} */
const KEY_COST_COLUMNS = [
  { key: 'name', label: 'API key', kind: 'text' },
  { key: 'workspace', label: 'workspace', kind: 'text' },
  { key: 'billed_cost_usd', label: 'billed cost', kind: 'usd' },
  { key: 'list_cost_usd', label: 'list cost', kind: 'usd' },
  { key: 'all_input_tokens', label: 'input tokens', kind: 'int' },
  { key: 'output_tokens', label: 'output tokens', kind: 'int' },
];

/** @type {import('./tables.js').Column[]} */
const PEOPLE_COLUMNS = [
  { key: 'name', label: 'person', kind: 'text' },
  { key: 'actor_type', label: 'type', kind: 'text' },
  { key: 'billed_cost_usd', label: 'billed cost', kind: 'usd' },
  { key: 'claude_code_billed_usd', label: 'of which Claude Code', kind: 'usd' },
  { key: 'list_cost_usd', label: 'list cost', kind: 'usd' },
  { key: 'claude_code_estimate_usd', label: 'Claude Code estimate (not billing data)', kind: 'usd' },
];

/** The first page of people, as the analytics answer brought it. @type {{ rows: Analytics['people'], page: Analytics['peoplePage'] }} */
let people = { rows: [], page: { total: 0, matched: 0, offset: 0, limit: 0, sort: null, dir: 'descending', other: null } };
let searchSeq = 0;
let searchBound = false;

/** The people whose name, email or id contains the search text (case-insensitive), searched by the server over every person (keyed by user_id; the email is their newest). */
function drawPeople() {
  const wanted = /** @type {HTMLInputElement} */ ($('people-search')).value.trim();
  const paged = { table: /** @type {'people'} */ ('people'), query: apiQuery('filters'), page: people.page, search: wanted };
  const show = (/** @type {Analytics['people']} */ rows, /** @type {Analytics['peoplePage']} */ page) => {
    table('table-people', PEOPLE_COLUMNS, rows, { ...paged, page });
    $('people-count').textContent = wanted ? `${page.matched} of ${page.total}` : `${page.total}`;
  };
  if (!wanted) return show(people.rows, people.page);
  const seq = ++searchSeq;
  void fetchRows(paged, {}).then((r) => seq === searchSeq && show(/** @type {Analytics['people']} */ (r.rows), r));
}

/** @param {Analytics} a */
export function drawAnalytics(a) {
  $('analytics-section').hidden = !a.available;
  if (!a.available) return;
  const top = a.keys.filter((k) => k.billed_cost_usd !== '0').slice(0, 15).reverse();
  plot(
    'chart-key-cost',
    {
      tooltip: { trigger: 'item', formatter: usdTooltip, confine: true },
      grid: { left: 10, right: 70, top: 6, bottom: 20, containLabel: true },
      xAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
      yAxis: { type: 'category', data: top.map((k) => String(k.name)), axisLabel: { width: 150, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          itemStyle: { color: '#c15f3c' },
          label: { show: true, position: 'right', formatter: (p) => formatUsd(/** @type {{ exact: string }} */ (p.data).exact) },
          data: top.map((k) => ({ value: Number(k.billed_cost_usd), exact: String(k.billed_cost_usd), name: String(k.name) })),
        },
      ],
    },
    { points: top.length, rows: a.keys.map((k) => ({ key: k.api_key_id, name: k.name, usd: k.billed_cost_usd })) },
  );
  table('table-key-cost', KEY_COST_COLUMNS, a.keys, { table: 'key-cost', query: apiQuery('filters'), page: a.keysPage });

  const shape = dailyShape(a.days.length);
  plot(
    'chart-products',
    {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: dayTooltip((p, i) => a.products[p]?.usd[i]), confine: true },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 60, right: 20, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: a.days },
      yAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
      series: a.products.map((p) => series({ name: p.name, stack: 'product', ...shape, data: p.usd.map(Number) })),
    },
    { points: a.days.length, days: a.days, timezone: a.timezone, day_basis: a.day_basis, series: a.products.map((p) => ({ key: p.key, name: p.name, total: p.total, usd: p.usd })) },
  );
  // In a zone the products are summed from hours on local days; where none are held they say UTC days.
  showBasisTag('products', a.timezone, a.basis);
  $('analytics-total').textContent = `billed ${formatUsd(a.total)} in range (every product, subscription ones included; before configured fees)`;

  people = { rows: a.people, page: a.peoplePage };
  $('people-note').textContent = a.peopleNote ?? '';
  $('people-note').hidden = !a.peopleNote;
  if (!searchBound) {
    $('people-search').addEventListener('input', drawPeople);
    searchBound = true;
  }
  drawPeople();
  dash.plotted['analytics'] = { points: a.peoplePage.total, total: a.total };
}
