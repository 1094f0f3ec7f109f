// @ts-check
/**
 * Budgets (from claude-ingest.yaml, judged as `claude-ingest alerts` judges them) and the alert
 * history (alert_events). Each section shows only when there is something in it.
 */
import { escapeHtml, formatUsd } from './format.js';
import { $, dash, showBasisTag } from './state.js';
import { table } from './tables.js';

/**
 * @typedef {import('./state.js').Budgets} Budgets
 * @typedef {import('./state.js').Alerts} Alerts
 * @typedef {import('./state.js').Limits} Limits
 */

/** "60.12 %" from the API's exact percent text. @param {string | null} pct */
const percent = (pct) => (pct === null ? '–' : `${pct} %`);

/** @param {Budgets} b */
export function drawBudgets(b) {
  $('budgets-section').hidden = b.budgets.length === 0;
  if (b.budgets.length === 0) return;
  $('budgets-month').textContent = `${b.from} .. ${b.today} (today partial), month ends ${b.monthEnd}${b.timezone ? `, local days in ${b.timezone}` : ''}`;
  // A budget scoped to a key or an allocation dimension has no hours: its row says UTC days.
  const bases = b.budgets.map((r) => r.day_basis);
  showBasisTag('budgets', b.timezone, bases.includes('UTC days') ? (bases.every((x) => x === 'UTC days') ? 'UTC days' : 'mixed') : bases.find((x) => x === 'mixed') ?? bases[0]);
  const head = ['budget', 'scope', 'monthly', 'spent', '%', 'forecast', 'forecast %', 'threshold reached']
    .map((h, i) => `<th class="${i >= 2 ? 'num' : ''}">${escapeHtml(h)}</th>`)
    .join('');
  const rows = b.budgets
    .map((r) => {
      const over = r.crossed_pct !== null && r.crossed_pct >= 100 ? 'status-FAIL' : r.crossed_pct !== null ? 'status-WARN' : '';
      const fcOver = r.forecast_percent !== null && Number(r.forecast_percent) >= 100 ? 'status-WARN' : '';
      const scope = `${r.scope}${r.estimated_per_key ? ' (per-key spend estimated from token shares)' : ''}${r.unknown.length ? ` — not in the warehouse yet: ${r.unknown.join(', ')}` : ''}`;
      const utcDays = b.timezone && r.day_basis === 'UTC days' ? ' <span class="utc-days" title="No hourly cost for this scope: UTC days (docs/time-zones.md)">UTC days</span>' : '';
      return `<tr data-budget="${escapeHtml(r.name)}"><td>${escapeHtml(r.name)}${utcDays}</td><td class="wrap">${escapeHtml(scope)}</td><td class="num">${formatUsd(r.monthly_usd)}</td><td class="num">${formatUsd(r.spent_usd)}</td><td class="num ${over}">${escapeHtml(percent(r.percent))}</td><td class="num">${r.forecast_usd === null ? '–' : formatUsd(r.forecast_usd)}</td><td class="num ${fcOver}">${escapeHtml(percent(r.forecast_percent))}</td><td class="num">${r.crossed_pct === null ? '–' : `${r.crossed_pct} %`}</td></tr>`;
    })
    .join('');
  $('table-budgets').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${rows}</tbody>`;
  dash.plotted['table-budgets'] = { points: b.budgets.length, rows: b.budgets.map((r) => ({ name: r.name, spent_usd: r.spent_usd, percent: r.percent, forecast_usd: r.forecast_usd, day_basis: r.day_basis })), timezone: b.timezone };
}

/** @type {import('./tables.js').Column[]} */
const ALERT_COLUMNS = [
  { key: 'first_attempt_at', label: 'when', kind: 'text' },
  { key: 'title', label: 'alert', kind: 'text' },
  { key: 'channel', label: 'channel', kind: 'text' },
  { key: 'status', label: 'delivery', kind: 'text' },
  { key: 'attempts', label: 'attempts', kind: 'int' },
  { key: 'sent_at', label: 'sent at', kind: 'text' },
];

/** @param {Alerts} a */
export function drawAlerts(a) {
  $('alerts-section').hidden = a.total === 0;
  if (a.total === 0) return;
  $('alerts-count').textContent = a.total > a.events.length ? `(latest ${a.events.length} of ${a.total})` : `(${a.total})`;
  table('table-alerts', ALERT_COLUMNS, a.events);
}

/** @type {import('./tables.js').Column[]} */
const SPEND_LIMIT_COLUMNS = [
  { key: 'limit', label: 'limit', kind: 'text' },
  { key: 'period', label: 'period', kind: 'text' },
  { key: 'amount_usd', label: 'amount', kind: 'usd' },
  { key: 'spent_usd', label: 'spent', kind: 'usd' },
  { key: 'share', label: 'share', kind: 'text' },
  { key: 'forecast_usd', label: 'forecast', kind: 'usd' },
  { key: 'forecast_range', label: 'likely range', kind: 'text' },
  { key: 'reached_on', label: 'reached on (current rate)', kind: 'text' },
];

/** @type {import('./tables.js').Column[]} */
const HEADROOM_COLUMNS = [
  { key: 'model_group', label: 'model group', kind: 'text' },
  { key: 'limiter', label: 'limiter', kind: 'text' },
  { key: 'day', label: 'busiest day', kind: 'text' },
  { key: 'peak', label: 'peak minute', kind: 'int' },
  { key: 'limit', label: 'limit', kind: 'int' },
  { key: 'share', label: 'share', kind: 'text' },
  { key: 'peak_minute', label: 'at', kind: 'text' },
  { key: 'workspace', label: 'workspace', kind: 'text' },
];

/** Spend limits (with forecast and runway) and rate-limit headroom; hidden when neither has rows. @param {Limits} l */
export function drawLimits(l) {
  $('limits-section').hidden = l.spend_limits.length === 0 && l.headroom.length === 0;
  $('limits-spend').hidden = l.spend_limits.length === 0;
  $('limits-headroom').hidden = l.headroom.length === 0;
  if (l.spend_limits.length > 0) table('table-spend-limits', SPEND_LIMIT_COLUMNS, l.spend_limits);
  if (l.headroom.length > 0) table('table-headroom', HEADROOM_COLUMNS, l.headroom);
}
