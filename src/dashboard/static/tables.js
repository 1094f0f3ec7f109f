// @ts-check
/** Sortable tables: click a header to sort; long tables draw their first rows and a button for the rest. */
import { escapeHtml, formatInt, formatPct, formatUsd } from './format.js';
import { $, dash } from './state.js';

/**
 * @typedef {{ key: string, label: string, kind: 'text' | 'int' | 'usd' | 'pct' }} Column
 * @typedef {Record<string, unknown>} TableRow
 * @typedef {{ key: string, dir: 'ascending' | 'descending' }} Sort
 */

/** @type {Column[]} */
export const KEY_COLUMNS = [
  { key: 'name', label: 'API key', kind: 'text' },
  { key: 'all_input_tokens', label: 'input tokens', kind: 'int' },
  { key: 'output_tokens', label: 'output tokens', kind: 'int' },
  { key: 'cache_read_input_tokens', label: 'cache read', kind: 'int' },
  { key: 'cache_hit_rate', label: 'cache hit rate', kind: 'pct' },
  { key: 'web_search_requests', label: 'web searches', kind: 'int' },
];

/** @type {Column[]} */
export const USER_COLUMNS = [
  { key: 'name', label: 'user', kind: 'text' },
  { key: 'actor_type', label: 'type', kind: 'text' },
  { key: 'sessions', label: 'sessions', kind: 'int' },
  { key: 'lines_added', label: 'lines added', kind: 'int' },
  { key: 'lines_removed', label: 'lines removed', kind: 'int' },
  { key: 'commits', label: 'commits', kind: 'int' },
  { key: 'pull_requests', label: 'PRs', kind: 'int' },
  { key: 'tool_acceptance_rate', label: 'tool acceptance', kind: 'pct' },
  { key: 'estimated_cost_usd_estimate', label: 'est. cost (estimate)', kind: 'usd' },
];

// Rows drawn at first: a year of a large org has thousands of keys and users, and laying out every
// row would cost the page more than all its charts. Sorting always covers every row.
const TABLE_ROWS_SHOWN = 100;

/** @type {Record<string, Sort>} by table id, kept across redraws */
const sorts = {};
/** @type {Record<string, boolean>} */
const showAll = {};

/** @param {Column} c @param {unknown} v */
function cell(c, v) {
  if (v === null || v === undefined) return '–';
  if (c.kind === 'usd') return formatUsd(/** @type {string} */ (v));
  if (c.kind === 'int') return formatInt(/** @type {number} */ (v));
  if (c.kind === 'pct') return formatPct(/** @type {number} */ (v));
  return escapeHtml(v);
}

/**
 * @param {TableRow[]} rows
 * @param {Column[]} columns
 * @param {Sort | undefined} sort
 */
function sorted(rows, columns, sort) {
  const view = rows.slice();
  if (!sort) return view;
  const kind = columns.find((c) => c.key === sort.key)?.kind;
  const dir = sort.dir === 'ascending' ? 1 : -1;
  return view.sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    if (kind === 'text') return dir * String(x).localeCompare(String(y));
    return dir * (Number(x) - Number(y));
  });
}

/**
 * Draws (or redraws, after a sort or "show all") the table with these rows.
 * @param {string} id
 * @param {Column[]} columns the first one names the row in window.__dashboard.plotted[id].order
 * @param {readonly object[]} rows read by the columns' keys
 */
export function table(id, columns, rows) {
  const el = $(id);
  const sort = sorts[id];
  const view = sorted(/** @type {TableRow[]} */ (rows), columns, sort);
  const shown = showAll[id] ? view : view.slice(0, TABLE_ROWS_SHOWN);
  const num = (/** @type {Column} */ c) => (c.kind === 'text' ? '' : 'num');
  const head = columns
    .map((c) => `<th data-key="${escapeHtml(c.key)}" class="${num(c)}"${sort && sort.key === c.key ? ` aria-sort="${sort.dir}"` : ''}>${escapeHtml(c.label)}</th>`)
    .join('');
  const body = shown.map((r) => `<tr>${columns.map((c) => `<td class="${num(c)}">${cell(c, r[c.key])}</td>`).join('')}</tr>`).join('');
  const more =
    shown.length < view.length
      ? `<tfoot><tr><td colspan="${columns.length}"><button type="button" class="show-all">Show all ${formatInt(view.length)} rows</button> <span class="muted">(first ${shown.length} shown)</span></td></tr></tfoot>`
      : '';
  el.innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}" class="muted">no data in range</td></tr>`}</tbody>${more}`;
  el.onclick = (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (target?.closest('button.show-all')) {
      showAll[id] = true;
      return table(id, columns, rows);
    }
    const key = target?.closest('th')?.dataset.key;
    const col = columns.find((c) => c.key === key);
    if (!key || !col) return;
    const prev = sorts[id];
    const dir = prev && prev.key === key ? (prev.dir === 'ascending' ? 'descending' : 'ascending') : col.kind === 'text' ? 'ascending' : 'descending';
    sorts[id] = { key, dir };
    table(id, columns, rows);
  };
  const first = columns[0]?.key ?? '';
  dash.plotted[id] = { points: rows.length, shown: shown.length, order: view.map((r) => r[first]) };
}
