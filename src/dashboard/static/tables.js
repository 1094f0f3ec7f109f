// @ts-check
/**
 * Sortable tables: click a header to sort. A long table comes a page at a time (the server's
 * paging.ts): its first page, and an "other" row summing the rest; sorting and "show more" ask the
 * server (/api/rows) for the rows, so the page never holds thousands of them.
 */
import { escapeHtml, formatInt, formatPct, formatUsd } from './format.js';
import { getJson } from './http.js';
import { $, dash } from './state.js';

/**
 * @typedef {import('../api.js').RowsAnswer} RowsAnswer
 * @typedef {Omit<RowsAnswer, 'rows' | 'table' | 'timezone' | 'day_basis'>} PageInfo
 * @typedef {{ table: RowsAnswer['table'], query: string, page: PageInfo, search?: string }} Paged the server's
 *   table name, the view's API query (filters), and where this page sits
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

/**
 * Rows from the server: a page of `paged.table` sorted and searched as asked.
 * @param {Paged} paged @param {{ sort?: string, dir?: string, offset?: number, limit?: number }} ask
 * @returns {Promise<RowsAnswer>}
 */
export function fetchRows(paged, ask) {
  const q = new URLSearchParams(paged.query);
  q.set('table', paged.table);
  if (paged.search) q.set('q', paged.search);
  for (const [k, v] of Object.entries(ask)) if (v !== undefined && v !== null) q.set(k, String(v));
  return getJson(`/api/rows?${q.toString()}`);
}

/** The "other" row of a page: the rows not shown, summed. @param {Column[]} columns @param {PageInfo} page */
function otherRow(columns, page) {
  const o = page.other;
  if (!o) return '';
  const cells = columns.map((c, i) => {
    if (i === 0) return `<td class="muted">${formatInt(o.rows)} more</td>`;
    const v = o[c.key];
    return `<td class="num muted">${v === undefined ? '' : cell(c, v)}</td>`;
  });
  return `<tr class="other">${cells.join('')}</tr>`;
}

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
 * Draws (or redraws, after a sort or "show more") the table with these rows.
 * @param {string} id
 * @param {Column[]} columns the first one names the row in window.__dashboard.plotted[id].order
 * @param {readonly object[]} rows read by the columns' keys
 * @param {Paged} [paged] when the rows are a page of a longer table on the server
 */
export function table(id, columns, rows, paged) {
  const el = $(id);
  const sort = sorts[id];
  // A page is in the server's order already (it sorted every row); a whole table is sorted here.
  const remote = Boolean(paged && paged.page.matched > rows.length);
  const view = remote ? /** @type {TableRow[]} */ (rows.slice()) : sorted(/** @type {TableRow[]} */ (rows), columns, sort);
  // Rows the reader asked for with "show more" stay drawn once the last page has come.
  const loadedMore = Boolean(paged) && rows.length > TABLE_ROWS_SHOWN;
  const shown = showAll[id] || remote || loadedMore ? view : view.slice(0, TABLE_ROWS_SHOWN);
  const num = (/** @type {Column} */ c) => (c.kind === 'text' ? '' : 'num');
  const head = columns
    .map((c) => `<th data-key="${escapeHtml(c.key)}" class="${num(c)}"${sort && sort.key === c.key ? ` aria-sort="${sort.dir}"` : ''}>${escapeHtml(c.label)}</th>`)
    .join('');
  const body = shown.map((r) => `<tr>${columns.map((c) => `<td class="${num(c)}">${cell(c, r[c.key])}</td>`).join('')}</tr>`).join('');
  const more = remote && paged
    ? `<tfoot>${otherRow(columns, paged.page)}<tr><td colspan="${columns.length}"><button type="button" class="show-more">Show ${formatInt(Math.min(TABLE_ROWS_SHOWN, paged.page.matched - rows.length))} more</button> <span class="muted">(${formatInt(rows.length)} of ${formatInt(paged.page.matched)} shown)</span></td></tr></tfoot>`
    : shown.length < view.length
      ? `<tfoot><tr><td colspan="${columns.length}"><button type="button" class="show-all">Show all ${formatInt(view.length)} rows</button> <span class="muted">(first ${shown.length} shown)</span></td></tr></tfoot>`
      : '';
  el.innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}" class="muted">no data in range</td></tr>`}</tbody>${more}`;
  el.onclick = (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (target?.closest('button.show-all')) {
      showAll[id] = true;
      return table(id, columns, rows, paged);
    }
    if (paged && target?.closest('button.show-more')) {
      const s = sorts[id];
      void fetchRows(paged, { sort: s?.key ?? paged.page.sort ?? undefined, dir: s?.dir ?? paged.page.dir, offset: rows.length, limit: TABLE_ROWS_SHOWN }).then((next) =>
        table(id, columns, [...rows, ...next.rows], { ...paged, page: { ...next, other: next.other, offset: 0 } }),
      );
      return;
    }
    const key = target?.closest('th')?.dataset.key;
    const col = columns.find((c) => c.key === key);
    if (!key || !col) return;
    const prev = sorts[id];
    const dir = prev && prev.key === key ? (prev.dir === 'ascending' ? 'descending' : 'ascending') : col.kind === 'text' ? 'ascending' : 'descending';
    sorts[id] = { key, dir };
    if (remote && paged) {
      void fetchRows(paged, { sort: key, dir, offset: 0, limit: Math.max(TABLE_ROWS_SHOWN, rows.length) }).then((next) => table(id, columns, next.rows, { ...paged, page: next }));
      return;
    }
    table(id, columns, rows, paged);
  };
  const first = columns[0]?.key ?? '';
  dash.plotted[id] = { points: paged ? paged.page.matched : rows.length, shown: shown.length, order: view.map((r) => r[first]) };
}
