// @ts-check
/**
 * The dashboard page's entry module: reads the view from the URL, asks the JSON API for each section
 * and draws it as its answer arrives, and binds the controls. The modules next to it: format (how
 * figures show), state (the view, the URL, window.__dashboard), http (API calls), charts, tables,
 * sections (KPI cards, data health) and banners.
 */
import { drawAllocation } from './allocation.js';
import { drawAnalytics } from './analytics.js';
import { showErrors } from './banners.js';
import { drawAlerts, drawBudgets, drawLimits } from './budgets.js';
import { drawBars, drawClaudeCode, drawKeys, drawSpend, resizeCharts } from './charts.js';
import { escapeHtml } from './format.js';
import { ApiError, getJson } from './http.js';
import { drawClaudeCodeKpis, drawHealth, drawSpendKpis } from './sections.js';
import { drawBridge } from './bridge.js';
import { $, apiQuery, dash, readUrl, showBasisTag, state, writeUrl } from './state.js';
import { KEY_COLUMNS, table, USER_COLUMNS } from './tables.js';

/** @typedef {import('./state.js').Meta} Meta */

// Module and deferred scripts run in order (app.js, then ECharts) before DOMContentLoaded: the API
// calls start at once, and drawing waits for the DOM and ECharts.
/** @type {Promise<void>} */
const domReady = new Promise((resolve) => {
  if (typeof echarts !== 'undefined' || document.readyState === 'complete') resolve();
  else document.addEventListener('DOMContentLoaded', () => resolve());
});

function syncControls() {
  /** @type {HTMLInputElement} */ ($('from')).value = state.from;
  /** @type {HTMLInputElement} */ ($('to')).value = state.to;
  /** @type {HTMLSelectElement} */ ($('workspace')).value = state.workspace;
  /** @type {HTMLSelectElement} */ ($('model')).value = state.model;
  /** @type {HTMLSelectElement} */ ($('organization')).value = state.organization;
  for (const b of document.querySelectorAll('[data-stack]')) b.setAttribute('aria-pressed', String(b.getAttribute('data-stack') === state.stack));
}

/**
 * @param {string} id
 * @param {Array<{ value: string, label: string }>} items
 * @param {string} allLabel
 */
function fillSelect(id, items, allLabel) {
  $(id).innerHTML = `<option value="">${escapeHtml(allLabel)}</option>${items.map((i) => `<option value="${escapeHtml(i.value)}">${escapeHtml(i.label)}</option>`).join('')}`;
}

/** @param {string} day @param {number} n */
function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A change the user made: into the URL (a history entry), the controls, and a redraw. @param {Partial<import('./state.js').View>} patch */
function change(patch) {
  Object.assign(state, patch);
  writeUrl(true);
  syncControls();
  void refresh();
}

/** @param {Event} e */
const valueOf = (e) => /** @type {HTMLInputElement | HTMLSelectElement} */ (e.target).value;

function bindControls() {
  $('from').addEventListener('change', (e) => valueOf(e) && change({ from: valueOf(e) }));
  $('to').addEventListener('change', (e) => valueOf(e) && change({ to: valueOf(e) }));
  $('workspace').addEventListener('change', (e) => change({ workspace: valueOf(e) }));
  $('model').addEventListener('change', (e) => change({ model: valueOf(e) }));
  $('organization').addEventListener('change', (e) => change({ organization: valueOf(e) }));
  $('utc').addEventListener('change', (e) => {
    const before = pickerSpan();
    state.utc = /** @type {HTMLInputElement} */ (e.target).checked;
    // A range at the edges of the data follows them into the other calendar; one chosen inside stays as typed.
    const after = pickerSpan();
    if (before && after) {
      if (state.from === before.from) state.from = after.from;
      if (state.to === before.to) state.to = after.to;
    }
    setPickerBounds();
    syncControls();
    showDayBasis();
    writeUrl(true);
    void refresh();
  });
  for (const b of document.querySelectorAll('[data-stack]')) {
    b.addEventListener('click', () => change({ stack: b.getAttribute('data-stack') === 'model' ? 'model' : 'workspace' }));
  }
  for (const b of document.querySelectorAll('[data-range]')) {
    b.addEventListener('click', () => {
      const span = pickerSpan();
      if (!span) return;
      const r = b.getAttribute('data-range');
      const to = span.to;
      /** @type {string} */
      let from = span.from;
      if (r === 'mtd') from = `${to.slice(0, 7)}-01`;
      else if (r !== 'all') from = addDays(to, -(Number(r) - 1));
      if (from < span.from) from = span.from;
      change({ from, to });
    });
  }
  window.addEventListener('popstate', () => {
    readUrl();
    /** @type {HTMLInputElement} */ ($('utc')).checked = Boolean(state.utc);
    showDayBasis();
    setPickerBounds();
    syncControls();
    void refresh();
  });
  window.addEventListener('resize', resizeCharts);
}

/**
 * Which days the range pickers mean (issue 27): with a time zone, local days (the spend chart, its cards,
 * the breakdown by workspace and model and the budgets are summed from hours for them); with the UTC
 * toggle, or in UTC, the API's UTC days. Every section or figure on UTC days says so with a visible
 * "UTC days" tag (docs/time-zones.md).
 */
function showDayBasis() {
  const zone = dash.meta?.timezone ?? 'UTC';
  const local = zone !== 'UTC' && !state.utc;
  const basis = $('range-basis');
  basis.hidden = zone === 'UTC';
  basis.textContent = local ? `local days in ${zone}` : 'UTC days';
  // Sections that are always on UTC days; the figures that can be local set their own tag as they are drawn.
  for (const el of document.querySelectorAll('[data-utc-days]:not([data-basis-tag])')) /** @type {HTMLElement} */ (el).hidden = zone === 'UTC';
}

/**
 * The data span in the days the pickers mean (issue 27): local days in the zone (meta.localSpan: the
 * edge hours on the local days they start in), the API's UTC days under the toggle or without a zone.
 * Their bounds and quick ranges ("7d", "Month", …) come from it.
 */
function pickerSpan() {
  const meta = dash.meta;
  if (!meta) return null;
  return (!state.utc && meta.localSpan) || meta.span;
}

function setPickerBounds() {
  const span = pickerSpan();
  if (!span) return;
  for (const id of ['from', 'to']) {
    const input = /** @type {HTMLInputElement} */ ($(id));
    input.min = span.from;
    input.max = span.to;
  }
}

/** @param {Meta} meta */
function onMeta(meta) {
  dash.meta = meta;
  $('warehouse').textContent = `${meta.warehouse.kind}: ${meta.warehouse.location}`;
  // The calendar's zone in the header; the UTC toggle only where there is a choice.
  $('tz-name').textContent = meta.timezone;
  $('utc-toggle').hidden = meta.timezone === 'UTC';
  /** @type {HTMLInputElement} */ ($('utc')).checked = Boolean(state.utc);
  showDayBasis();
  fillSelect('workspace', meta.workspaces.map((w) => ({ value: w.id, label: w.name })), 'All workspaces');
  fillSelect('model', meta.models.map((m) => ({ value: m, label: m })), 'All models');
  // The organization(s) the warehouse holds, by name; the filter only when there is a choice.
  const orgs = meta.organizations.map((o) => ({ value: o.id, label: o.name ?? o.id }));
  $('org-names').textContent = orgs.map((o) => o.label).join(' · ');
  fillSelect('organization', orgs, 'All organizations (totals)');
  $('organization-filter').hidden = orgs.length < 2;
  const span = pickerSpan();
  if (span) {
    state.from = state.from || span.from;
    state.to = state.to || span.to;
    setPickerBounds();
  }
  $('banner-empty').hidden = Boolean(meta.span);
  writeUrl(false);
  syncControls();
}

/**
 * /api/allocation for the view; a `dim` from an old link that the rules no longer declare (400) falls
 * back to the rules' first dimension rather than an error banner.
 * @param {string} path
 */
function loadAllocation(path) {
  return getJson(path).catch((/** @type {unknown} */ e) => {
    if (!(state.dim && e instanceof ApiError && e.status === 400)) throw e;
    state.dim = '';
    writeUrl(false);
    return getJson(`/api/allocation?${apiQuery('range')}`);
  });
}

/** Loads and draws every section; each is drawn as soon as its answer arrives. */
async function refresh() {
  const generation = ++dash.generation;
  dash.ready = false;
  /** @type {unknown[]} */
  const errors = [];
  const current = () => generation === dash.generation;
  // The UTC toggle: every section that can be local is asked for UTC days instead.
  /** @type {Record<string, string>} */
  const tz = state.utc ? { tz: 'utc' } : {};
  /** @type {Promise<Meta>} */
  const metaLoad = dash.meta ? Promise.resolve(dash.meta) : getJson('/api/meta');
  /**
   * @template T
   * @param {string} path
   * @param {(body: T) => void} draw
   * @param {(path: string) => Promise<unknown>} [load]
   */
  const section = (path, draw, load = getJson) =>
    Promise.all([load(path), metaLoad, domReady])
      .then(([body, meta]) => {
        if (!current()) return;
        if (!dash.meta) onMeta(meta);
        if (!meta.span) return;
        const started = performance.now();
        draw(/** @type {T} */ (body));
        dash.timings[path.split('?')[0] ?? path] = { drawnAt: Math.round(performance.now()), drawMs: Math.round(performance.now() - started) };
      })
      .catch((e) => errors.push(e));
  await Promise.all([
    metaLoad.then((meta) => domReady.then(() => !dash.meta && current() && onMeta(meta))).catch((e) => errors.push(e)),
    section(`/api/spend?${apiQuery('filters', { stack: state.stack, ...tz })}`, (/** @type {import('./state.js').Spend} */ spend) => {
      dash.data.spend = spend;
      drawSpendKpis(spend);
      drawSpend(spend, dash.data.budgets?.pace);
    }),
    section(`/api/budgets?${apiQuery('range', tz)}`, (/** @type {import('./state.js').Budgets} */ budgets) => {
      dash.data.budgets = budgets;
      drawBudgets(budgets);
      // The spend chart may have been drawn first: draw it again with the budget lines.
      if (dash.data.spend && budgets.pace) drawSpend(dash.data.spend, budgets.pace);
    }),
    section(`/api/limits`, (/** @type {import('./state.js').Limits} */ limits) => {
      dash.data.limits = limits;
      drawLimits(limits);
    }),
    section(`/api/alerts`, (/** @type {import('./state.js').Alerts} */ alerts) => {
      dash.data.alerts = alerts;
      drawAlerts(alerts);
    }),
    section(`/api/analytics?${apiQuery('filters', tz)}`, (/** @type {import('./state.js').Analytics} */ analytics) => {
      dash.data.analytics = analytics;
      drawAnalytics(analytics);
    }),
    section(`/api/bridge?${apiQuery('organization')}`, (/** @type {import('./state.js').Bridge} */ bridge) => {
      dash.data.bridge = bridge;
      drawBridge(bridge);
    }),
    section(`/api/allocation?${apiQuery('range', state.dim ? { dim: state.dim } : {})}`, (/** @type {import('./state.js').Allocation} */ allocation) => {
      dash.data.allocation = allocation;
      drawAllocation(allocation, (dim) => change({ dim }));
    }, loadAllocation),
    section(`/api/breakdown?${apiQuery('filters', tz)}`, (/** @type {import('./state.js').Breakdown} */ breakdown) => {
      dash.data.breakdown = breakdown;
      drawBars('chart-workspace', breakdown.workspace);
      drawBars('chart-model', breakdown.model);
      showBasisTag('workspace', breakdown.timezone, breakdown.day_basis?.workspace);
      showBasisTag('model', breakdown.timezone, breakdown.day_basis?.model);
      drawBars('chart-cost-type', breakdown.cost_type);
    }),
    section(`/api/keys?${apiQuery('filters', tz)}`, (/** @type {import('./state.js').Keys} */ keys) => {
      dash.data.keys = keys;
      drawKeys(keys);
      // Local days where usage was read hourly; the tag says UTC days where it was not.
      showBasisTag('keys', keys.timezone, keys.day_basis);
      table('table-keys', KEY_COLUMNS, keys.rows, { table: 'keys', query: apiQuery('filters', tz), page: keys.rowsPage });
    }),
    section(`/api/claude-code?${apiQuery('organization')}`, (/** @type {import('./state.js').ClaudeCode} */ cc) => {
      dash.data.claudeCode = cc;
      drawClaudeCode(cc);
      drawClaudeCodeKpis(cc);
      table('table-users', USER_COLUMNS, cc.users, { table: 'users', query: apiQuery('organization'), page: cc.usersPage });
    }),
    section(`/api/health?${apiQuery('range')}`, (/** @type {import('./state.js').Health} */ health) => {
      dash.data.health = health;
      drawHealth(health);
    }),
  ]);
  if (!current()) return;
  showErrors(errors, () => void refresh());
  dash.readyAt = performance.now();
  dash.ready = true;
  document.body.dataset.ready = String(dash.generation);
}

readUrl();
void refresh();
void domReady.then(() => {
  syncControls();
  bindControls();
});
