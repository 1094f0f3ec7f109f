// @ts-check
/**
 * How the page shows figures. Money arrives as exact decimal strings and is only ever formatted:
 * tooltips and tables show formatUsd() of the exact string, shared with the CLI; charts plot Number()
 * of it, so only axis labels (compactUsd) see a float.
 */
// The server maps /util/format-usd.js to src/util/format-usd.js; seen from the page at the root
// (a URL cannot climb above "/"), this path names it, and the type checker finds the same file.
export { formatUsd } from '../../util/format-usd.js';

/** @param {number | string} n */
export const formatInt = (n) => Number(n).toLocaleString('en-US');

/** @param {number | null | undefined} r a ratio, 0.123 → "12.3%" */
export const formatPct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);

/** @param {number} v dollars for an axis label: "$12k", "$3.4k", "$950" */
export const compactUsd = (v) => (Math.abs(v) >= 1000 ? `$${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : `$${Math.round(v)}`);

/** @param {number} v a count for an axis label: "1.2B", "3.4M", "56k" */
export const compactInt = (v) => (v >= 1e9 ? `${(v / 1e9).toFixed(1)}B` : v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(0)}k` : String(v));

/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for innerHTML: every name and message from the data goes through here. @param {unknown} s */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
