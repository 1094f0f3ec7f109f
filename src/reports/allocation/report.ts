/**
 * `report --by team` (any allocation dimension, or several with fact columns: `--by team,product`):
 * billed cost, list cost and share per combination, as a ReportResult, so table, json and csv render
 * through the same code as every other report.
 */
import type { QueryRow, Warehouse } from '../../warehouse/warehouse.js';
import { ReportInputError, type ReportFilter } from '../filter.js';
import type { ReportColumn } from '../queries.js';
import type { ReportResult } from '../registry.js';
import { allocate, type AllocatedLine } from './engine.js';
import type { AllocationFact } from './facts.js';
import { allocatedLines } from './materialised-lines.js';
import type { AllocationRules } from './rules.js';
import { FACT_COLUMNS, feesOf, groupLines, sharePct, totalIncludes, totalOf, usdOf } from './summary.js';

/** Whether `--by a,b` asks for an allocation report: at least one dimension, the rest dimensions or fact columns. */
export function isAllocationBy(rules: AllocationRules | null, by: readonly string[]): boolean {
  return rules !== null && by.some((b) => rules.dimensions.includes(b));
}

export function checkAllocationBy(rules: AllocationRules, by: readonly string[]): void {
  const allowed = [...rules.dimensions, ...FACT_COLUMNS];
  const bad = by.filter((b) => !allowed.includes(b));
  if (bad.length > 0) throw new ReportInputError(`--by ${bad.join(',')}: combine allocation dimensions (${rules.dimensions.join(', ')}) with ${FACT_COLUMNS.join(', ')}`);
  if (new Set(by).size !== by.length) throw new ReportInputError(`--by ${by.join(',')} names a column twice`);
}

export function allocationReportOf(rules: AllocationRules, facts: readonly AllocationFact[], by: readonly string[], filter: ReportFilter, title?: string): ReportResult {
  checkAllocationBy(rules, by);
  return allocationReportOfLines(rules, allocate(rules, facts).lines, by, filter, title);
}

/** The report of lines already allocated (by the engine, or kept: materialised-lines.ts). */
export function allocationReportOfLines(rules: AllocationRules, lines: readonly AllocatedLine[], by: readonly string[], filter: ReportFilter, title?: string): ReportResult {
  checkAllocationBy(rules, by);
  const total = totalOf(lines).billed;
  const fees = feesOf(lines);
  // Configured fees get their own column, never folded into the API's billed figure; total_usd adds them.
  const withFees = fees !== 0n;
  const columns: ReportColumn[] = [
    ...by.map((b): ReportColumn => ({ name: b, header: b, kind: 'text' })),
    { name: 'billed_usd', header: 'billed_usd', kind: 'usd' },
    { name: 'list_usd', header: 'list_usd', kind: 'usd' },
    ...(withFees
      ? [
          { name: 'fixed_fees_usd', header: 'fixed_fees_usd (configured)', kind: 'usd' } as ReportColumn,
          { name: 'total_usd', header: 'total_usd', kind: 'usd' } as ReportColumn,
        ]
      : []),
    { name: 'share_pct', header: 'share_pct', kind: 'pct' },
  ];
  const rows: QueryRow[] = groupLines(rules, lines, by).map((g) => ({
    ...Object.fromEntries(by.map((b, k) => [b, g.keys[k]!])),
    billed_usd: usdOf(g.billed - g.fees),
    list_usd: usdOf(g.list - g.fees),
    ...(withFees ? { fixed_fees_usd: usdOf(g.fees), total_usd: usdOf(g.billed) } : {}),
    share_pct: sharePct(g.billed, total),
  }));
  const feeNote = withFees ? `; total_usd = ${totalIncludes(fees)}, share of it` : '';
  return {
    report: 'allocation',
    title: title ?? `Billed cost by ${by.join(' × ')} (allocation rules ${rules.hash}; Analytics API days at key/person/product grain, cost_report days by workspace/model/cost type${feeNote})`,
    filter,
    columns,
    rows,
  };
}

/** `report --by`: from the kept lines when they answer exactly, else from the engine (`slow` is told why). */
export async function allocationReport(wh: Warehouse, rules: AllocationRules, by: readonly string[], filter: ReportFilter, slow?: (reason: string) => void): Promise<ReportResult> {
  checkAllocationBy(rules, by);
  return allocationReportOfLines(rules, await allocatedLines(wh, rules, filter, by, slow), by, filter);
}
