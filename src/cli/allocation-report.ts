/** `report --by <allocation dimensions>` (and `--product claude_code`: the value of Claude Code per team or person). */
import { organizationIdsOf, selectWarehouseOrganizations } from '../reports/organizations.js';
import { allocationReport, allocationReportOf, checkAllocationBy } from '../reports/allocation/report.js';
import { readProductFacts } from '../reports/allocation/facts.js';
import { slowAllocationNote } from '../reports/allocation/materialised-lines.js';
import { claudeCodeValue } from '../reports/allocation/claude-code-value.js';
import { renderReportCsv, renderReportTable, reportJson } from '../reports/render.js';
import { InputError } from '../util/errors.js';
import { printableLines } from '../util/terminal-text.js';
import { requireAllocationRules } from './allocation-rules.js';
import type { GlobalOptions } from './program.js';
import type { DayRange } from '../util/dates.js';
import type { ReportFilter } from '../reports/filter.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { CliRuntime } from './runtime.js';

const FORMATS = ['table', 'json', 'csv'] as const;

export interface AllocationReportOptions {
  by: string;
  from?: string;
  to?: string;
  config?: string;
  format: string;
  workspace?: string;
  model?: string;
  org?: string;
  product?: string;
  rawCsv?: boolean;
}

/** report-command's own helpers, handed in so the two modules do not import each other. */
export interface ReportHelpers {
  listOption(value: string | undefined): string[] | undefined;
  resolveCliRange(wh: Warehouse, o: { from?: string; to?: string }): Promise<DayRange>;
  reportFilter(range: DayRange, o: { workspace?: string; model?: string }, organizationIds?: string[]): ReportFilter;
}

export async function allocationReportCommand(rt: CliRuntime, g: GlobalOptions, o: AllocationReportOptions, h: ReportHelpers): Promise<void> {
  const { listOption, resolveCliRange, reportFilter } = h;
  const format = FORMATS.find((f) => f === (g.json ? 'json' : o.format));
  if (!format) throw new InputError(`--format ${o.format} is not one of ${FORMATS.join(', ')}`);
  const by = listOption(o.by) ?? [];
  const rules = requireAllocationRules(rt, o.config, `--by ${o.by}`);
  checkAllocationBy(rules, by);
  const wh = await rt.openWarehouse(g, true);
  try {
    const range = await resolveCliRange(wh, o);
    const chosen = o.org === undefined ? undefined : await selectWarehouseOrganizations(wh, o.org);
    const filter = reportFilter(range, o, organizationIdsOf(chosen));
    // Only what the rules and --by (and the Claude Code value's people) can tell apart; --product only that product's usage.
    const slow = (why: string) => rt.reporter(g).info(slowAllocationNote(why));
    let result;
    if (o.product === undefined) result = await allocationReport(wh, rules, by, filter, slow);
    else if (o.product === 'claude_code') result = await claudeCodeValue(wh, rules, by, filter, slow);
    else result = allocationReportOf(rules, await readProductFacts(wh, filter, rules, o.product, [...by, 'person']), by, filter, `Billed ${o.product} cost by ${by.join(' × ')} (allocation rules ${rules.hash})`);
    const text = format === 'json' ? JSON.stringify({ rules_hash: rules.hash, ...reportJson(result) }, null, 2) : format === 'csv' ? renderReportCsv(result, { raw: Boolean(o.rawCsv) }) : printableLines(renderReportTable(result));
    rt.reporter(g).print(text);
  } finally {
    await wh.close();
  }
}
