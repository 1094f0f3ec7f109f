/** Report output: aligned tables for people, JSON and CSV for pipes. Money stays exact outside tables. */
import { formatTable, type Align } from '../util/table-format.js';
import { csvField, type CsvOptions } from '../util/csv.js';
import { formatUsd } from '../util/money.js';
import type { QueryRow } from '../warehouse/warehouse.js';
import type { ReportColumn } from './queries.js';
import type { ReportResult } from './registry.js';
import type { ReportTotals } from './fixed-fee-days.js';

function tableCell(c: ReportColumn, v: QueryRow[string] | undefined): string {
  if (v === null || v === undefined) return c.kind === 'text' ? '' : '-';
  switch (c.kind) {
    case 'usd':
      return formatUsd(String(v));
    case 'int':
      return Number(v).toLocaleString('en-US');
    case 'ratio':
      return `${(Number(v) * 100).toFixed(1)}%`;
    case 'pct':
      return `${Number(v).toFixed(2)} %`;
    default:
      return String(v);
  }
}

export function renderReportTable(r: ReportResult): string {
  const align: Align[] = r.columns.map((c) => (c.kind === 'usd' || c.kind === 'int' || c.kind === 'ratio' || c.kind === 'pct' ? 'right' : 'left'));
  const body = formatTable(
    r.columns.map((c) => c.header),
    r.rows.map((row) => r.columns.map((c) => tableCell(c, row[c.name]))),
    align,
  );
  return `${r.title}, ${r.filter.from}..${r.filter.to}\n\n${body}${r.rows.length === 0 ? '\n(no data in range)' : ''}${r.totals ? `\n\n${totalsLine(r.totals)}` : ''}`;
}

/** One line saying what the total is made of: API data and configured fees are never blurred. */
export function totalsLine(t: ReportTotals): string {
  const fees = t.includes.length > 1 ? ` + fixed fees (configured) ${formatUsd(t.fixed_fees_configured_usd)}` : '';
  return `Total ${formatUsd(t.total_usd)} = API usage (cost_report) ${formatUsd(t.cost_report_usd)}${fees}; not included: ${t.excludes.join('; ')}`;
}

/** Dollars stay exact decimal strings (JSON numbers would become binary floats in most readers). */
function jsonValue(c: ReportColumn, v: QueryRow[string] | undefined): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (c.kind === 'usd') return String(v);
  if (c.kind === 'int' || c.kind === 'ratio' || c.kind === 'pct') return typeof v === 'number' ? v : Number(v);
  return v;
}

export function reportJson(r: ReportResult): Record<string, unknown> {
  return {
    report: r.report,
    title: r.title,
    from: r.filter.from,
    to: r.filter.to,
    filter: { workspaceIds: r.filter.workspaceIds ?? [], models: r.filter.models ?? [], organizationIds: r.filter.organizationIds ?? [] },
    columns: r.columns.map((c) => c.header),
    rows: r.rows.map((row) => Object.fromEntries(r.columns.map((c) => [c.header, jsonValue(c, row[c.name])]))),
    ...(r.totals ? { totals: r.totals } : {}),
  };
}

/** Through the one CSV writer, so a report's CSV follows the same quoting and NULL rule as `export`. */
export function renderReportCsv(r: ReportResult, options: CsvOptions = {}): string {
  const lines = [r.columns.map((c) => csvField(c.header, options)).join(',')];
  for (const row of r.rows) lines.push(r.columns.map((c) => csvField(row[c.name], options)).join(','));
  return lines.join('\n');
}
