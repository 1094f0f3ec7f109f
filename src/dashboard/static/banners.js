// @ts-check
/** The banners above the page: a busy warehouse (retried by itself), errors, and failed checks. */
import { escapeHtml } from './format.js';
import { $, dash } from './state.js';

/**
 * Shows the banner with this HTML, or hides it for ''.
 * @param {string} id
 * @param {string} html built with escapeHtml() around everything from the data
 */
export function showBanner(id, html) {
  const el = $(id);
  if (html) {
    el.innerHTML = html;
    el.hidden = false;
  } else {
    el.hidden = true;
    el.innerHTML = '';
  }
}

/** @type {number | null} */
let retryTimer = null;

/**
 * Reports a refresh's failures: a busy warehouse retries the whole view in 3 s; anything else stays
 * on the page, each message once.
 * @param {unknown[]} errors
 * @param {() => void} retry
 */
export function showErrors(errors, retry) {
  const list = errors.map((e) => ({
    status: e && typeof e === 'object' && 'status' in e && typeof e.status === 'number' ? e.status : 0,
    message: e instanceof Error ? e.message : String(e),
    busy: Boolean(e && typeof e === 'object' && 'busy' in e && e.busy),
  }));
  dash.errors = list.map(({ status, message }) => ({ status, message }));
  const busy = list.find((e) => e.busy);
  const messages = [...new Set(list.filter((e) => !e.busy).map((e) => escapeHtml(e.message)))];
  showBanner('banner-busy', busy ? `${escapeHtml(busy.message)} — retrying in 3 s…` : '');
  showBanner('banner-error', messages.join('<br>'));
  if (busy && retryTimer === null) {
    retryTimer = window.setTimeout(() => {
      retryTimer = null;
      retry();
    }, 3000);
  }
}
