// @ts-check
/** The page's figures outside charts and tables: the KPI cards and the data health section. */
import { showBanner } from './banners.js';
import { escapeHtml, formatInt, formatPct, formatUsd } from './format.js';
import { $, dash, showBasisTag, state } from './state.js';

/**
 * @typedef {import('./state.js').Spend} Spend
 * @typedef {import('./state.js').ClaudeCode} ClaudeCode
 * @typedef {import('./state.js').Health} Health
 */

/** @param {string} id */
function labelOfWorkspace(id) {
  return dash.meta?.workspaces.find((x) => x.id === id)?.name ?? id;
}

/** The range label and the spend cards: total, month to date, the previous month to the same day, forecast. @param {Spend} spend */
export function drawSpendKpis(spend) {
  const m = spend.month;
  $('range-label').textContent = `${spend.filter.from} .. ${spend.filter.to}${state.workspace ? ` · workspace ${labelOfWorkspace(state.workspace)}` : ''}${state.model ? ` · ${state.model}` : ''}`;
  $('kpi-total').textContent = formatUsd(spend.total.usd);
  // The headline is API usage (cost_report); configured fees are shown beside it, labelled, never blended in.
  const fees = spend.fixedFees;
  const feeText = fees === null
    ? ' · configured fees not shown (workspace/model filter)'
    : fees.names.length
      ? ` · + fixed fees (configured: ${fees.names.join(', ')}) ${formatUsd(fees.usd)} = ${formatUsd(fees.withApiUsd)}`
      : ' · no fixed fees configured';
  $('kpi-total-sub').textContent = `${spend.total.days} days with spend${feeText}`;
  // With a time zone every card is in local days (each day the sum of its hours; UTC days where none are held).
  const zone = spend.timezone;
  $('kpi-mtd').textContent = formatUsd(m.current.usd);
  $('kpi-mtd-label').textContent = `Month to date (${m.current.from.slice(0, 7)}${zone ? `, ${zone}` : ''})`;
  $('kpi-mtd-sub').textContent = `${m.current.from} .. ${m.current.to}${zone ? ' (local days)' : ''}`;
  showBasisTag('total', zone, spend.basis);
  showBasisTag('month', zone, m.current.day_basis);
  showBasisTag('previous', zone, m.previous.day_basis);
  showBasisTag('forecast', zone, m.forecast?.day_basis);
  $('kpi-prev').textContent = formatUsd(m.previous.usd);
  $('kpi-prev-label').textContent = `Previous month to the same day`;
  const change = m.change === null ? '' : `${m.change >= 0 ? '▲' : '▼'} ${Math.abs(m.change * 100).toFixed(1)}% vs previous`;
  const trend = m.change !== null && m.change >= 0 ? 'up' : 'down';
  $('kpi-prev-sub').innerHTML = `${m.previous.from} .. ${m.previous.to}${change ? ` · <span class="${trend}">${change}</span>` : ''}`;
  const fc = m.forecast;
  $('kpi-forecast').textContent = fc ? formatUsd(fc.usd) : '–';
  // The one forecast (weekday/weekend rates × the recent level; docs/limits.md) and its interval.
  $('kpi-forecast-sub').textContent = fc ? `by ${fc.monthEnd}, likely ${formatUsd(fc.low)}–${formatUsd(fc.high)} (${fc.daysElapsed}/${fc.daysInMonth} days)` : 'no complete day yet';
}

/** @param {ClaudeCode} cc */
export function drawClaudeCodeKpis(cc) {
  const t = cc.totals;
  const kpis = [
    ['Active users', formatInt(t.active_users), `${formatInt(t.active_api_actors)} API keys`],
    ['Sessions', formatInt(t.sessions), ''],
    ['Lines added / removed', `+${formatInt(t.lines_added)}`, `−${formatInt(t.lines_removed)}`],
    ['Commits', formatInt(t.commits), ''],
    ['Pull requests', formatInt(t.pull_requests), ''],
    ['Tool acceptance', formatPct(t.tool_acceptance_rate), 'edit, multi-edit, write, notebook'],
    ['Estimated cost (estimate)', formatUsd(t.estimated_cost_usd_estimate), 'not billing data'],
  ];
  $('cc-kpis').innerHTML = kpis
    .map(([l, v, s], i) => `<div class="kpi"><div class="label">${escapeHtml(l)}</div><div class="value" id="cc-kpi-${i}">${escapeHtml(v)}</div><div class="sub">${escapeHtml(s)}</div></div>`)
    .join('');
}

/** Freshness, failed windows and the validation checks; a failed check raises the red banner. @param {Health} h */
export function drawHealth(h) {
  const lastRun = h.lastRuns[0];
  const facts = [
    ['Today (UTC)', h.today],
    ['Last complete day', h.lastCompleteDay || 'none yet'],
    ...h.streams.map((s) => [`  ${s.stream}`, s.lastCompleteDay || 'none yet']),
    ['Failed windows', String(h.failedWindows.length)],
    ['Last run', lastRun ? `${lastRun.command} ${lastRun.status} at ${lastRun.startedAt}` : 'none'],
  ];
  $('health-facts').innerHTML = facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  $('failed-windows').innerHTML = h.failedWindows
    .slice(0, 20)
    .map((w) => `<li>${escapeHtml(`${w.stream} ${w.from}..${w.to} ${w.status}${w.error ? `: ${w.error}` : ''}`)}</li>`)
    .join('');
  const v = h.validation;
  const pill = $('validation-status');
  pill.textContent = v ? v.status : 'no data';
  pill.className = `pill ${v ? v.status : ''}`;
  /** @param {{ action?: string | null }} r */
  const action = (r) => (r.action ? ` → <code>${escapeHtml(r.action)}</code>` : '');
  $('table-checks').innerHTML = v
    ? `<thead><tr><th>check</th><th>status</th><th>figure</th><th>what it means / what to do</th></tr></thead><tbody>${v.results
        .map(
          (r) =>
            `<tr><td>${escapeHtml(r.id)}</td><td class="status-${r.status}">${r.status}</td><td>${escapeHtml(r.figure)}</td><td class="wrap">${escapeHtml(r.detail)}${action(r)}</td></tr>`,
        )
        .join('')}</tbody>`
    : '';
  const failed = v ? v.results.filter((r) => r.status === 'FAIL') : [];
  showBanner(
    'banner-check',
    failed.length && h.range
      ? `<b>${failed.length} validation check${failed.length > 1 ? 's' : ''} FAILED</b> for ${escapeHtml(h.range.from)}..${escapeHtml(h.range.to)}: the figures below may be wrong.<ul>${failed
          .map((r) => `<li><b>${escapeHtml(r.id)}</b>: ${escapeHtml(r.figure)} — ${escapeHtml(r.detail)}${action(r)}</li>`)
          .join('')}</ul>`
      : '',
  );
}
