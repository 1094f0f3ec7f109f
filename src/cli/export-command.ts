import { existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { exportSql, REPORT_ALIASES, REPORT_NAMES, reportQuery, resolveReportName, runReport, WITH_FIXED_FEES, type ReportResult } from '../reports/registry.js';
import { FIXED_FEES_LABEL } from '../reports/fixed-fee-days.js';
import { TABLES, type TableName } from '../warehouse/tables.js';
import { type ExportFormat, type Warehouse } from '../warehouse/warehouse.js';
import { selectWarehouseOrganizations } from '../reports/organizations.js';
import { reportFilter, resolveCliRange } from './report-command.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { type CliRuntime } from './runtime.js';
import { warehouseOrgOption } from './shared-options.js';
import { resolveCalendar, tzOption } from './calendar-option.js';
import { runCalendarReportHeld } from './report-command.js';
import { calendarReport } from '../reports/calendar-report.js';
import { openExportFile } from '../warehouse/export-file.js';
import type { Calendar, PeriodKind } from '../util/calendar.js';

const FORMATS: ExportFormat[] = ['csv', 'parquet', 'json'];
const BY_EXTENSION: Record<string, ExportFormat> = { '.csv': 'csv', '.parquet': 'parquet', '.json': 'json', '.ndjson': 'json', '.jsonl': 'json' };

function exportFormat(option: string | undefined, out: string): ExportFormat {
  if (option !== undefined) {
    const format = FORMATS.find((f) => f === option);
    if (!format) throw new InputError(`--format ${option} is not one of ${FORMATS.join(', ')}`);
    return format;
  }
  return BY_EXTENSION[extname(out).toLowerCase()] ?? 'csv';
}

const isTableName = (name: string): name is TableName => Object.hasOwn(TABLES, name);

function outputPath(out: string): string {
  if (out.includes('\0')) throw new InputError('--out contains a NUL character');
  const path = resolve(out);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--out ${out}: the directory ${dir} does not exist`);
  return path;
}

/** The SELECT for one table: every column TABLES defines, optionally limited to days and to one organization. */
async function tableSelect(wh: Warehouse, table: TableName, o: { from?: string; to?: string }, organizationId?: string): Promise<{ sql: string; params: unknown[] }> {
  const d = wh.dialect;
  const def = TABLES[table];
  const cols = def.columns.map((c) => d.ident(c.name)).join(', ');
  const dated = def.columns.some((c) => c.name === 'activity_date');
  if (organizationId !== undefined && !def.columns.some((c) => c.name === 'organization_id')) throw new InputError(`${table} has no organization: drop --org to export it`);
  const org = organizationId !== undefined ? { sql: ` AND ${d.ident('organization_id')} = ?`, params: [organizationId] } : { sql: '', params: [] };
  if (!dated) {
    if (o.from !== undefined || o.to !== undefined) throw new InputError(`${table} has no days: drop --from/--to to export it`);
    return { sql: `SELECT ${cols} FROM ${d.table(table)}${org.sql ? ` WHERE TRUE${org.sql}` : ''}`, params: org.params };
  }
  if (o.from === undefined && o.to === undefined) {
    return { sql: `SELECT ${cols} FROM ${d.table(table)} WHERE ${d.allDays(d.ident('activity_date'))}${org.sql} ORDER BY ${d.ident('activity_date')}`, params: org.params };
  }
  const range = await resolveCliRange(wh, o);
  return {
    sql: `SELECT ${cols} FROM ${d.table(table)} WHERE ${d.ident('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql} ORDER BY ${d.ident('activity_date')}`,
    params: [range.from, range.to, ...org.params],
  };
}

export function registerExportCommand(program: Program, rt: CliRuntime): void {
  const reports = [...Object.keys(REPORT_ALIASES), ...REPORT_NAMES];
  program
    .command('export <what>')
    .description('Write a table or a report to a CSV, Parquet or JSON-lines file with the warehouse\'s own exporter (exact decimals kept).')
    .requiredOption('--out <file>', 'file to write (replaced if it exists)')
    .option('--format <format>', 'csv, parquet or json (one object per line); default from --out\'s extension, else csv')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD (tables: default all days; reports: first day in the warehouse)')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD')
    .option('--workspace <ids>', 'reports only: only these workspace ids (default = the default workspace)')
    .option('--model <ids>', 'reports only: only these models')
    .addOption(warehouseOrgOption('every organization (organization_id is a column)'))
    .option('--raw-csv', "csv: keep text that starts like a spreadsheet formula (= + - @) as it is; by default it gets a leading ' (CSV injection)")
    .addOption(tzOption())
    .option('--config <file>', 'config file (timezone:, fiscal_year_start_month, week_start); default ./claude-ingest.yaml')
    .addHelpText(
      'after',
      `
The spend-over-time reports (day, week, month, quarter, fiscal_year) follow the configured calendar:
with a zone other than UTC they are written as csv or json with a day_basis column (docs/time-zones.md).

<what> is a table (${Object.keys(TABLES).join(', ')})
or a report (${reports.join(', ')}).

Examples:
  $ claude-ingest export claude_costs --out costs.parquet --from 2025-06-01 --to 2025-06-30
  $ claude-ingest export workspace --out spend-by-workspace.csv
  $ claude-ingest export claude_focus_costs --out focus.parquet
  $ claude-ingest export claude_costs --org Production --out production-costs.csv`,
    )
    .action(async (what, o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const file = outputPath(o.out);
        const format = exportFormat(o.format, file);
        const cal = resolveCalendar(rt.io.env, o);
        const kind = calendarReport(cal, what);
        if (!kind && !resolveReportName(what) && !(what in TABLES) && what !== 'claude_focus_costs') {
          throw new InputError(`"${what}" is neither a table nor a report: use one of ${[...Object.keys(TABLES), 'claude_focus_costs', ...reports].join(', ')}`);
        }
        if (kind && format === 'parquet') throw new InputError(`export ${what} in ${cal.timeZone} is written as csv or json (its days are computed, not a warehouse query): use --format csv or json, or --tz UTC`);
        const wh = await rt.openWarehouse(g, true);
        try {
          if (kind) {
            await exportCalendarReport(wh, cal, kind, o, file, format === 'json' ? 'json' : 'csv', Boolean(o.rawCsv));
            rt.reporter(g).info(`wrote ${file} (${format})`);
            return;
          }
          const withFees = await reportWithFees(wh, what, o);
          if (withFees) {
            if (format === 'parquet') throw new InputError(`export ${what} carries configured fees (prorated by days in code, not a warehouse query): use --format csv or json`);
            await writeReport(withFees, file, format, Boolean(o.rawCsv));
            rt.reporter(g).info(`wrote ${file} (${format}, with fixed fees (configured))`);
            return;
          }
          const q = await exportSelect(wh, what, o);
          await wh.exportQuery(q.sql, q.params, file, format, { rawCsv: Boolean(o.rawCsv) });
          rt.reporter(g).info(`wrote ${file} (${format})`);
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}

/**
 * `export day|week|month|workspace|organization` when configured fees fall in the range: the same
 * rows and fee columns `report` shows (fixed-fee-days.ts), written by the shared csv/json writer;
 * null without fees (the report is then exported by the warehouse's own query, as before).
 */
async function reportWithFees(wh: Warehouse, what: string, o: ExportSelectOptions): Promise<ReportResult | null> {
  const report = resolveReportName(what);
  if (!report || !WITH_FIXED_FEES.has(report)) return null;
  const orgId = o.org === undefined ? undefined : (await selectWarehouseOrganizations(wh, o.org))[0]!.id!;
  const range = await resolveCliRange(wh, o);
  const r = await runReport(wh, report, reportFilter(range, o, orgId === undefined ? undefined : [orgId]));
  return r.totals?.includes.includes(FIXED_FEES_LABEL) ? r : null;
}

async function writeReport(r: ReportResult, file: string, format: 'csv' | 'json', raw: boolean): Promise<void> {
  const headers = r.columns.map((c) => c.header);
  const rows = r.rows.map((row) => Object.fromEntries(r.columns.map((c) => [c.header, row[c.name] ?? null])));
  const out = openExportFile(file, format, { raw });
  try {
    await out.write(headers, rows);
    await out.commit(headers);
  } catch (err) {
    await out.abort();
    throw err;
  }
}

/** A spend-over-time report in a calendar other than plain UTC, through the shared csv/json writer. */
async function exportCalendarReport(wh: Warehouse, cal: Calendar, kind: PeriodKind, o: ExportSelectOptions, file: string, format: 'csv' | 'json', raw: boolean): Promise<void> {
  const orgId = o.org === undefined ? undefined : (await selectWarehouseOrganizations(wh, o.org))[0]!.id!;
  const range = await resolveCliRange(wh, o);
  await writeReport(await runCalendarReportHeld(wh, cal, kind, reportFilter(range, o, orgId === undefined ? undefined : [orgId])), file, format, raw);
}

export interface ExportSelectOptions {
  from?: string;
  to?: string;
  workspace?: string;
  model?: string;
  /** --org NAME|ID: one organization's rows only. */
  org?: string;
}

/** The SELECT `export <what>` runs: a table, the FOCUS view or a report, in the warehouse's dialect. */
export async function exportSelect(wh: Warehouse, what: string, o: ExportSelectOptions): Promise<{ sql: string; params: unknown[] }> {
  const report = resolveReportName(what);
  const orgId = o.org === undefined ? undefined : (await selectWarehouseOrganizations(wh, o.org))[0]!.id!;
  if (report) {
    const range = await resolveCliRange(wh, o);
    const rq = reportQuery(wh.dialect, report, reportFilter(range, o, orgId === undefined ? undefined : [orgId]));
    return { sql: exportSql(wh.dialect, rq), params: rq.params };
  }
  if (what === 'claude_focus_costs') return focusSelect(wh, o, orgId);
  if (!isTableName(what)) throw new InputError(`"${what}" is neither a table nor a report`);
  if (o.workspace !== undefined || o.model !== undefined) throw new InputError('--workspace and --model apply to reports, not tables');
  return tableSelect(wh, what, o, orgId);
}

async function focusSelect(wh: Warehouse, o: { from?: string; to?: string }, organizationId?: string): Promise<{ sql: string; params: unknown[] }> {
  const d = wh.dialect;
  // The FOCUS billing account is the organization.
  const org = organizationId !== undefined ? { sql: `${d.ident('BillingAccountId')} = ?`, params: [organizationId] } : null;
  // A stable row order (the view joins, so its own order varies between runs): the same data, the same file.
  const order = ` ORDER BY ${['x_ActivityDate', 'BillingAccountId', 'x_Source', 'SubAccountId', 'ResourceId', 'SkuId', 'ChargeDescription', 'BilledCost', 'ListCost'].map((c) => `${d.ident(c)} NULLS FIRST`).join(', ')}`;
  if (o.from === undefined && o.to === undefined) {
    return { sql: `SELECT * FROM ${d.table('claude_focus_costs')}${org ? ` WHERE ${org.sql}` : ''}${order}`, params: org?.params ?? [] };
  }
  const range = await resolveCliRange(wh, o);
  return {
    sql: `SELECT * FROM ${d.table('claude_focus_costs')} WHERE ${d.ident('x_ActivityDate')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org ? ` AND ${org.sql}` : ''}${order}`,
    params: [range.from, range.to, ...(org?.params ?? [])],
  };
}
