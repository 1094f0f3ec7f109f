import { printableLines } from '../util/terminal-text.js';
import { organizationOf } from '../ledger/status.js';
import { organizationIdsOf, organizationLabel, selectWarehouseOrganizations, warehouseOrganizations } from '../reports/organizations.js';
import { LIMIT_REPORT_NAMES, type LimitReportName } from '../reports/limit-reports.js';
import { REPORT_NAMES, resolveReportName, runReport } from '../reports/registry.js';
// The limit reports (which bring the ingest: jobs, streams, the API's zod schemas) and the allocation
// report (the allocation engine) are loaded when asked for: a spend report does not pay some 0.2 s of
// CPU at start for them (docs/performance.md, Round 15).
import { renderReportCsv, renderReportTable, reportJson } from '../reports/render.js';
import { type DayRange, type IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { resolveCliRange } from './cli-range.js';
import { type CliRuntime } from './runtime.js';
import { fromDayOption, toDayOption, warehouseOrgOption } from './shared-options.js';
import { hourlyUsageDays } from '../ledger/queries.js';
import { hourlyCostDays, resolveCalendar, tzOption } from './calendar-option.js';
import { isUtc, type Calendar, type PeriodKind } from '../util/calendar.js';
import type { ReportResult } from '../reports/registry.js';
import type { ReportFilter } from '../reports/filter.js';
import { calendarReport, runCalendarReport } from '../reports/calendar-report.js';

export { resolveCliRange };

/** "a,b" → ['a','b']; absent → undefined. */
export function listOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

export function reportFilter(range: DayRange, o: { workspace?: string; model?: string }, organizationIds?: string[]): ReportFilter {
  const f: ReportFilter = { ...range };
  if (organizationIds && organizationIds.length > 0) f.organizationIds = organizationIds;
  const ws = listOption(o.workspace);
  const models = listOption(o.model);
  if (ws) f.workspaceIds = ws;
  if (models) f.models = models;
  return f;
}

const FORMATS = ['table', 'json', 'csv'] as const;

/** The calendar report with the hours the warehouse holds for its organizations (read from the ledger). */
export async function runCalendarReportHeld(wh: Warehouse, cal: Calendar, kind: PeriodKind, f: ReportFilter): Promise<ReportResult> {
  // In UTC every day is the API's own: no hours needed, every row is a UTC day.
  if (isUtc(cal)) return runCalendarReport(wh, cal, kind, f, { cost: new Set<IsoDay>(), usage: new Set<IsoDay>() });
  // Both read the ledger: once (on the one-year large warehouse it is some 60 ms of DuckDB a read).
  const ledger = wh.listWindows();
  const held = { listWindows: () => ledger, listRuns: (limit: number) => wh.listRuns(limit) };
  const [cost, usage] = await Promise.all([hourlyCostDays(held, f.organizationIds), hourlyUsageDays(held, f.organizationIds)]);
  return runCalendarReport(wh, cal, kind, f, { cost, usage });
}

export function registerReportCommand(program: Program, rt: CliRuntime): void {
  program
    .command('report')
    .description('Spend over time or by workspace/model/cost type, tokens by API key, Claude Code per user: names instead of ids, exact dollars.')
    .addOption(fromDayOption())
    .addOption(toDayOption())
    .option('--by <what>', `${[...REPORT_NAMES, 'quarter', 'fiscal_year', ...LIMIT_REPORT_NAMES].join('|')}, or allocation dimensions (team, or team,product …: docs/allocation.md)`, 'day')
    .option('--product <name>', 'with an allocation --by: claude_code shows the value of Claude Code (cost beside sessions, commits, pull requests)')
    .addOption(tzOption())
    .option('--config <file>', 'config file with organizations: (rate_limit reads with their keys)')
    .option('--format <format>', 'table, json or csv (global --json = json)', 'table')
    .option('--workspace <ids>', 'only these workspace ids, comma-separated (default = the default workspace)')
    .option('--model <ids>', 'only these models, comma-separated')
    .addOption(warehouseOrgOption('every organization, summed'))
    .option('--raw-csv', "csv: keep text that starts like a spreadsheet formula (= + - @) as it is; by default it gets a leading ' (CSV injection)")
    .addHelpText(
      'after',
      `
Money: dollars-with-cents in tables, exact decimal dollars in json and csv. The Claude Code
estimated cost (--by user) is an estimate, never part of the billed totals.

Examples:
  $ claude-ingest report --by month
  $ claude-ingest report --by day --tz America/Los_Angeles --format csv
  $ claude-ingest report --by fiscal_year   # fiscal_year_start_month in claude-ingest.yaml
  $ claude-ingest report --by workspace --from 2025-06-01 --to 2025-06-30
  $ claude-ingest report --by api_key --format csv > keys.csv
  $ claude-ingest report --by user --format json | jq '.rows[0]'
  $ claude-ingest report --by organization
  $ claude-ingest report --by month --org Production
  $ claude-ingest report --by spend_limit
  $ claude-ingest report --by rate_limit --from 2026-03-01 --to 2026-03-07 --format json
  $ claude-ingest report --by team --config claude-ingest.yaml
  $ claude-ingest report --by team,product --format csv
  $ claude-ingest report --by team --product claude_code

--by rate_limit reads 1-minute usage for the days asked that are not cached yet (at most 31; default
the last 7) with the admin key; requests per minute cannot be read from the usage report and are
shown without a peak. See docs/limits.md.`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        if ((LIMIT_REPORT_NAMES as readonly string[]).includes(o.by)) {
          const format = FORMATS.find((f) => f === (g.json ? 'json' : o.format));
          if (!format) throw new InputError(`--format ${o.format} is not one of ${FORMATS.join(', ')}`);
          const { limitReport } = await import('./limit-report.js');
          const result = await limitReport(rt, g, o.by as LimitReportName, o);
          rt.reporter(g).print(format === 'json' ? JSON.stringify(reportJson(result), null, 2) : format === 'csv' ? renderReportCsv(result) : renderReportTable(result));
          return;
        }
        const cal = resolveCalendar(rt.io.env, o);
        const kind = calendarReport(cal, o.by);
        const name = resolveReportName(o.by);
        if (!name && !kind) {
          // Not a report of its own: allocation dimensions (docs/allocation.md), which say so if not one either.
          const { allocationReportCommand } = await import('./allocation-report.js');
          await allocationReportCommand(rt, g, o, { listOption, resolveCliRange, reportFilter });
          return;
        }
        const format = FORMATS.find((f) => f === (g.json ? 'json' : o.format));
        if (!format) throw new InputError(`--format ${o.format} is not one of ${FORMATS.join(', ')}`);
        const wh = await rt.openWarehouse(g, true);
        try {
          const range = await resolveCliRange(wh, o);
          const held = await warehouseOrganizations(wh);
          const chosen = o.org === undefined ? undefined : await selectWarehouseOrganizations(wh, o.org);
          const filter = reportFilter(range, o, organizationIdsOf(chosen));
          const result = kind ? await runCalendarReportHeld(wh, cal, kind, filter) : await runReport(wh, name!, filter);
          // Which organizations the figures cover: the one chosen, the only one, or all of them summed.
          const org = format === 'csv' ? null : chosen ? { id: chosen[0]!.id!, name: chosen[0]!.name } : held.length <= 1 ? await organizationOf(wh, await wh.listRuns(5)) : null;
          const heading = org ? `Organization: ${org.name ?? org.id}\n` : held.length > 1 && format === 'table' ? `Organizations: all ${held.length}, summed (${held.map(organizationLabel).join(', ')}); --org NAME|ID for one\n` : '';
          const text =
            format === 'json'
              ? JSON.stringify({ organization: org, ...(held.length > 1 && !chosen ? { organizations: held } : {}), ...reportJson(result) }, null, 2)
              : format === 'csv'
                ? renderReportCsv(result, { raw: Boolean(o.rawCsv) })
                : printableLines(`${heading}${renderReportTable(result)}`);
          rt.reporter(g).print(text);
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
