// @ts-check
/**
 * "Who pays" (issue 25): with allocation rules in the config, billed cost per day stacked by one
 * allocation dimension (the selector: the dimensions the rules declare), the chargeback totals per
 * value and the value of Claude Code per value, with its flags (people with activity but no billed
 * cost, billed cost with no activity) spelled out. Hidden without rules. The figures are the API's,
 * computed as `report --by <dimension>` and `chargeback` compute them.
 */
import { dailyShape, dayTooltip, plot, series } from './charts.js';
import { compactUsd, escapeHtml, formatInt, formatUsd } from './format.js';
import { $, dash } from './state.js';
import { table } from './tables.js';

/**
 * @typedef {import('./state.js').Allocation} Allocation
 * @typedef {import('./tables.js').Column} Column
 */

/** The flags of a value's Claude Code row, in words; '' when there is nothing to flag. @param {Record<string, unknown>} r */
export function flagsOf(r) {
  const activityOnly = Number(r.activity_without_billed_cost ?? 0);
  const billedOnly = Number(r.billed_cost_without_activity ?? 0);
  const flags = [];
  if (activityOnly > 0) flags.push(`${activityOnly} with activity but no billed cost (subscription seat?)`);
  if (billedOnly > 0) flags.push(`${billedOnly} with billed cost but no activity`);
  return flags.join('; ');
}

/**
 * @param {Allocation} a
 * @param {(dim: string) => void} onDim the reader chose another dimension
 */
export function drawAllocation(a, onDim) {
  $('allocation-section').hidden = !a.configured;
  if (!a.configured || a.dim === null) return;
  const dim = a.dim;
  const select = /** @type {HTMLSelectElement} */ ($('allocation-dim'));
  select.innerHTML = a.dimensions.map((d) => `<option value="${escapeHtml(d)}">${escapeHtml(d)}</option>`).join('');
  select.value = dim;
  select.onchange = () => onDim(select.value);
  // Configured fees are shown apart (never as API data) only when the range has any.
  const withFees = Number(a.feesUsd ?? 0) !== 0;
  const fees = withFees ? ` (of which fixed fees, configured: ${formatUsd(a.feesUsd)})` : '';
  $('allocation-range').textContent = `${a.from} .. ${a.to} · total ${formatUsd(a.totalUsd)}${fees} · ${a.totalIncludes ?? 'billed API usage'} · rules ${a.rulesHash}`;

  const days = a.days.map((d) => d.day);
  const shape = dailyShape(days.length);
  const exactOf = (/** @type {number} */ s, /** @type {number} */ i) => a.days[i]?.values[a.values[s] ?? ''] ?? null;
  plot(
    'chart-allocation',
    {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: dayTooltip(exactOf), confine: true },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 60, right: 20, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
      series: a.values.map((v) => series({ name: v, stack: 'allocation', ...shape, data: a.days.map((d) => Number(d.values[v] ?? 0)) })),
    },
    { points: days.length, dim, days, series: a.values.map((v) => ({ name: v, usd: a.days.map((d) => d.values[v] ?? null) })) },
  );

  /** @type {Column[]} */
  const chargebackColumns = withFees
    ? [
        { key: 'value', label: dim, kind: 'text' },
        { key: 'billed_usd', label: 'billed + fees', kind: 'usd' },
        { key: 'list_usd', label: 'list + fees', kind: 'usd' },
        { key: 'fixed_fees_configured_usd', label: 'fixed fees (configured)', kind: 'usd' },
        { key: 'share', label: 'share of total', kind: 'text' },
      ]
    : [
        { key: 'value', label: dim, kind: 'text' },
        { key: 'billed_usd', label: 'billed', kind: 'usd' },
        { key: 'list_usd', label: 'list', kind: 'usd' },
        { key: 'share', label: 'share of billed', kind: 'text' },
      ];
  table('table-chargeback', chargebackColumns, a.chargeback.map((c) => ({ ...c, share: `${c.share_pct.toFixed(2)} %` })));

  /** @type {Column[]} */
  const valueColumns = [
    { key: dim, label: dim, kind: 'text' },
    { key: 'claude_code_billed_usd', label: 'Claude Code billed', kind: 'usd' },
    { key: 'sessions', label: 'sessions', kind: 'int' },
    { key: 'commits', label: 'commits', kind: 'int' },
    { key: 'pull_requests', label: 'PRs', kind: 'int' },
    { key: 'usd_per_session', label: 'per session', kind: 'usd' },
    { key: 'usd_per_commit', label: 'per commit', kind: 'usd' },
    { key: 'usd_per_pull_request', label: 'per PR', kind: 'usd' },
    { key: 'people', label: 'people', kind: 'int' },
    { key: 'flags', label: 'flags', kind: 'text' },
  ];
  /** @type {Array<Record<string, unknown> & { flags: string }>} */
  const valueRows = a.claudeCode.map((r) => ({ ...r, flags: flagsOf(r) }));
  table('table-cc-value', valueColumns, valueRows);
  const flagged = valueRows.filter((r) => r.flags).length;
  $('cc-value-flags').textContent = flagged ? `${formatInt(flagged)} ${dim} value${flagged > 1 ? 's' : ''} flagged` : 'nothing flagged';
  dash.plotted['allocation'] = { points: a.chargeback.length, dim, chargeback: a.chargeback, claudeCode: valueRows.map((r) => ({ value: r[dim], flags: r.flags })) };
}
