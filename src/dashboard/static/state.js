// @ts-check
/**
 * The view (range, filters, stacking) and the URL that holds it, so a shared URL reopens the same
 * view; and window.__dashboard, which exposes what was loaded and plotted (for the browser tests and
 * for anyone curious in the console).
 */
import { formatUsd } from './format.js';

/**
 * @typedef {import('../api.js').MetaAnswer} Meta
 * @typedef {import('../api.js').SpendAnswer} Spend
 * @typedef {import('../api.js').BreakdownAnswer} Breakdown
 * @typedef {import('../api.js').KeysAnswer} Keys
 * @typedef {import('../api.js').ClaudeCodeAnswer} ClaudeCode
 * @typedef {import('../api.js').HealthAnswer} Health
 * @typedef {import('../api.js').BudgetsAnswer} Budgets
 * @typedef {import('../api.js').AlertsAnswer} Alerts
 * @typedef {import('../api.js').LimitsAnswer} Limits
 * @typedef {import('../api.js').AnalyticsAnswer} Analytics
 * @typedef {import('../api.js').BridgeAnswer} Bridge
 * @typedef {import('../api.js').AllocationAnswer} Allocation
 */

/** @typedef {'workspace' | 'model'} Stack */

/**
 * @typedef {object} View
 * @property {string} from
 * @property {string} to
 * @property {string} workspace
 * @property {string} model
 * @property {string} organization an organization id; '' = every organization, summed
 * @property {Stack} stack
 * @property {string} dim the allocation dimension the "who pays" section stacks by; '' = the rules' first
 * @property {boolean} [utc] the UTC toggle: UTC days even when a time zone is configured (issue 27)
 */

/**
 * @typedef {object} DashboardState
 * @property {View} state
 * @property {Meta | null} meta
 * @property {{ spend?: Spend, breakdown?: Breakdown, keys?: Keys, claudeCode?: ClaudeCode, health?: Health, budgets?: Budgets, alerts?: Alerts, limits?: Limits, analytics?: Analytics, bridge?: Bridge, allocation?: Allocation }} data
 * @property {Record<string, { points: number } & Record<string, unknown>>} plotted what each chart and table shows, by element id
 * @property {Array<{ status: number, message: string }>} errors
 * @property {boolean} ready the current view is loaded and drawn
 * @property {number} generation counts refreshes; an answer for an older one is dropped
 * @property {Record<string, { drawnAt: number, drawMs: number }>} timings by API path
 * @property {number} [readyAt]
 * @property {(amount: string | number) => string} formatUsd
 */

/** @type {View} */
export const state = { from: '', to: '', workspace: '', model: '', organization: '', stack: 'workspace', dim: '' };

/** @type {DashboardState} */
export const dash = { state, meta: null, data: {}, plotted: {}, errors: [], ready: false, generation: 0, timings: {}, formatUsd };
window.__dashboard = dash;

/** @type {readonly ['from', 'to', 'workspace', 'model', 'organization', 'dim']} */
const URL_KEYS = ['from', 'to', 'workspace', 'model', 'organization', 'dim'];

export function readUrl() {
  const q = new URLSearchParams(window.location.search);
  for (const k of URL_KEYS) state[k] = q.get(k) || '';
  state.stack = q.get('stack') === 'model' ? 'model' : 'workspace';
  state.utc = q.get('tz') === 'utc';
}

/** @param {boolean} push a new history entry (a change the back button undoes) rather than replacing this one */
export function writeUrl(push) {
  const q = new URLSearchParams();
  for (const k of URL_KEYS) if (state[k]) q.set(k, state[k]);
  if (state.stack !== 'workspace') q.set('stack', state.stack);
  if (state.utc) q.set('tz', 'utc');
  const url = `${window.location.pathname}?${q.toString()}`;
  if (push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

/**
 * The query string of an API call for the current view; without from/to (first visit) the API
 * defaults to the whole span of the data, like `report`.
 * @param {'filters' | 'organization' | 'range'} scope every filter; the organization only (Claude
 *   Code has no workspace or model); the range only (health, budgets)
 * @param {Record<string, string>} [extra]
 */
export function apiQuery(scope, extra = {}) {
  const q = new URLSearchParams();
  if (state.from) q.set('from', state.from);
  if (state.to) q.set('to', state.to);
  if (scope === 'filters') {
    if (state.workspace) q.set('workspace', state.workspace);
    if (state.model) q.set('model', state.model);
  }
  if (scope !== 'range' && state.organization) q.set('organization', state.organization);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

/**
 * An element the page's HTML declares; a missing one is a bug in index.html, not a state to handle.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return /** @type {T} */ (el);
}

/**
 * The "UTC days" tag of a figure that can be local (issue 27), from its answer: hidden without a
 * zone, and where every day is a local day; "UTC days" when the answer is on UTC days (the UTC toggle,
 * or no hours held); "partly UTC days" where it holds UTC days beside local ones ("mixed"). A range
 * whose edge day lacks hours that were never read ("local, partial") holds no UTC day: no tag.
 * @param {string} name the tag's data-basis-tag
 * @param {string | null} timezone the answer's zone (null: UTC days)
 * @param {string | null | undefined} basis the answer's day_basis for the figure
 */
export function showBasisTag(name, timezone, basis) {
  const el = /** @type {HTMLElement | null} */ (document.querySelector(`[data-basis-tag="${name}"]`));
  if (!el) throw new Error(`the page has no basis tag ${name}`);
  const zone = dash.meta?.timezone ?? 'UTC';
  const text = zone === 'UTC' ? null : timezone === null || basis === 'UTC days' ? 'UTC days' : basis === 'mixed' ? 'partly UTC days' : null;
  el.hidden = text === null;
  if (text !== null) el.textContent = text;
}
