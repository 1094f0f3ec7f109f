/** The validation table and summary people read. */
import { formatTable } from '../util/table-format.js';
import { eachDay } from '../util/dates.js';
import { formatUsd } from '../util/money.js';
import type { ValidationReport } from './index.js';

export function renderValidation(v: ValidationReport): string {
  const s = v.summary;
  const span = eachDay(s.range.from, s.range.to).length;
  const lines = [
    `Validation ${s.range.from}..${s.range.to} (${span} days, ${s.days} with costs)`,
    `Total cost: ${formatUsd(s.totalUsd)} (exact: ${s.totalUsd} USD)`,
    `Rows: ${Object.entries(s.rows).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}`,
    '',
    formatTable(
      ['check', 'status', 'figure', 'what it means / what to do'],
      v.results.map((r) => [r.id, r.status, r.figure, r.action ? `${r.detail} → ${r.action}` : r.detail]),
    ),
    '',
    v.status === 'PASS'
      ? 'All checks passed.'
      : `${v.results.filter((r) => r.status === 'FAIL').length} failed, ${v.results.filter((r) => r.status === 'WARN').length} warning(s).`,
  ];
  return lines.join('\n');
}
