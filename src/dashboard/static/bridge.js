// @ts-check
/**
 * "From cost_report to the bill": per month, a waterfall from cost_report's total through the
 * Analytics API's products outside it to billed usage, plus configured fees (claude-ingest.yaml,
 * never API data) to the expected bill, and the reconciled invoice when `reconcile` recorded one.
 */
import { plot, usdTooltip } from './charts.js';
import { compactUsd, escapeHtml, formatUsd } from './format.js';
import { $, dash } from './state.js';

/** @typedef {import('./state.js').Bridge} Bridge */

/** @param {Bridge} b */
export function drawBridge(b) {
  const months = b.months.filter((m) => m.daysHeld > 0 || m.fixed.length > 0);
  $('bridge-section').hidden = months.length === 0;
  if (months.length === 0) return;
  /** @type {string[]} */
  const categories = [];
  /** @type {Array<{ value: number }>} */
  const base = [];
  /** @type {Array<{ value: number, exact: string, itemStyle?: { color: string } }>} */
  const bars = [];
  /** @param {string} label @param {number} from @param {string} exact @param {string} color */
  const step = (label, from, exact, color) => {
    const v = Number(exact);
    categories.push(label);
    // A negative step (a credit) hangs down from the running total.
    base.push({ value: v < 0 ? from + v : from });
    bars.push({ value: Math.abs(v), exact, itemStyle: { color } });
  };
  for (const m of months) {
    const report = Number(m.costReportUsd);
    const billed = Number(m.billedUsd);
    step(`${m.month}\ncost_report`, 0, m.costReportUsd, '#4e79a7');
    step(`${m.month}\n+ outside`, report, m.outsideUsd, '#f28e2b');
    step(`${m.month}\n= billed`, 0, m.billedUsd, '#59a14f');
    step(`${m.month}\n+ configured`, billed, m.fixedUsd, '#b07aa1');
    step(`${m.month}\n= expected`, 0, m.expectedUsd, '#76b7b2');
    if (m.invoice) step(`${m.month}\ninvoice`, 0, m.invoice.usd, m.invoice.within ? '#59a14f' : '#e15759');
  }
  plot(
    'chart-bridge',
    {
      tooltip: { trigger: 'item', formatter: usdTooltip, confine: true },
      grid: { left: 60, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: 'value', axisLabel: { formatter: compactUsd } },
      series: [
        { type: 'bar', stack: 'w', silent: true, itemStyle: { color: 'transparent' }, data: base },
        { type: 'bar', stack: 'w', name: 'amount', data: bars },
      ],
    },
    { points: bars.length, months },
  );
  const head = ['month', 'days held', 'cost_report (API usage)', '+ outside cost_report (subscription products)', '= billed usage', '+ configured fees (claude-ingest.yaml)', '= expected', 'invoice (reconcile)'];
  const rows = months.map((m) => [
    m.month,
    `${m.daysHeld}/${m.daysInMonth}`,
    formatUsd(m.costReportUsd),
    formatUsd(m.outsideUsd),
    formatUsd(m.billedUsd),
    m.fixed.length ? `${formatUsd(m.fixedUsd)} (${m.fixed.map((f) => `${f.name} ${formatUsd(f.usd)}, configured`).join('; ')})` : formatUsd('0'),
    formatUsd(m.expectedUsd),
    m.invoice ? `${formatUsd(m.invoice.usd)} ${m.invoice.id} (${m.invoice.within ? 'within tolerance' : 'OUTSIDE tolerance'})` : '–',
  ]);
  $('table-bridge').innerHTML = `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i > 1 && i < 7 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody>`;
  dash.plotted['table-bridge'] = { points: rows.length, months };
}
