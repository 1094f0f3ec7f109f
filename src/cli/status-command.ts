import { warehouseStatus, type StreamStatus, type WarehouseStatus } from '../ledger/status.js';
import { printableLines } from '../util/terminal-text.js';
import { organizationIdsOf, organizationLabel, selectWarehouseOrganizations } from '../reports/organizations.js';
import type { RunRecord, WindowRecord } from '../warehouse/warehouse.js';
import { formatTable } from '../util/table-format.js';
import type { Program } from './program.js';
import type { CliRuntime } from './runtime.js';
import { configOption, warehouseOrgOption } from './shared-options.js';
import { hourlyUsageDays } from '../ledger/queries.js';
import { needsHourlyCost, resolveCalendar, tzOption } from './calendar-option.js';
import { describeCalendar, isUtc, type Calendar } from '../util/calendar.js';
import { ANALYTICS_FIRST_DAY } from '../source/analytics-floor.js';

function summarizeDays(days: string[]): string {
  if (days.length === 0) return 'none';
  const shown = days.slice(0, 8).join(', ');
  return days.length > 8 ? `${shown} … (${days.length} days)` : shown;
}

function streamLines(streams: StreamStatus[]): string[] {
  const out = [
    formatTable(
      ['stream', 'first day', 'last day', 'days present', 'missing days', 'last success'],
      streams.map((st) => [st.stream, st.firstDay ?? '-', st.lastDay ?? '-', String(st.daysPresent), summarizeDays(st.missingDays), st.lastSuccess ?? '-']),
    ),
  ];
  for (const st of streams) {
    if (st.notServedBefore) out.push(`  ${st.stream}: days before ${st.notServedBefore} are not served by the Analytics API (the legacy streams hold them); not missing`);
    if (st.dataRefreshedAt) out.push(`  ${st.stream}: the Analytics API's data was complete up to ${st.dataRefreshedAt} when last read (data_refreshed_at)`);
    if (st.unavailable) out.push(`  ${st.stream}: unavailable for this organization since ${st.unavailable.since} (${st.unavailable.error ?? '403/404'}); asked again by the next run`);
  }
  return out;
}

function runLines(runs: RunRecord[], failed: WindowRecord[], retry: string): string[] {
  const out = [runs.length === 0 ? 'Runs: none yet' : 'Last runs:'];
  for (const r of runs) {
    out.push(`  ${r.startedAt}  ${r.command.padEnd(8)} ${r.status.padEnd(7)} ${r.windowsOk} ok, ${r.windowsFailed} failed  (${r.runId})`);
  }
  out.push('');
  if (failed.length === 0) out.push('Failed windows: none');
  else {
    out.push(`Failed windows: ${failed.length} — run: ${retry}`);
    for (const w of failed) out.push(`  ${w.stream} ${w.windowStart}..${w.windowEnd} (${w.status}): ${w.error ?? 'interrupted'}`);
  }
  return out;
}

/** What status says about the configured calendar: whether hourly billed cost is kept for its local days. */
export interface CalendarStatus {
  timezone: string;
  /** Kept by backfill and run for exact local days (any zone but UTC). */
  hourly_cost: boolean;
  /** First and last UTC day the hourly stream holds as complete, null before it ran. */
  hourly_cost_days: { first: string; last: string; days: number } | null;
  /** UTC days whose token usage is held per hour (read with --usage-bucket 1h): tokens are local there. */
  hourly_usage_days: { first: string; last: string; days: number } | null;
  note: string;
  /** The same for token usage, which a zone does not make backfill keep hourly (docs/time-zones.md). */
  tokens_note: string | null;
}

export function calendarStatus(cal: Calendar, s: WarehouseStatus, usageHours: ReadonlySet<string> = new Set()): CalendarStatus {
  const usage = [...usageHours].sort();
  const usageDays = usage.length > 0 ? { first: usage[0]!, last: usage[usage.length - 1]!, days: usage.length } : null;
  const hourly = s.streams.find((st) => st.stream === 'analytics_cost_hourly');
  const days = hourly && hourly.firstDay && hourly.lastDay ? { first: hourly.firstDay, last: hourly.lastDay, days: hourly.daysPresent } : null;
  const on = needsHourlyCost(cal);
  const note = !on
    ? 'Time zone: UTC (days are the API\'s UTC days)'
    : hourly?.unavailable && !days
      ? `Time zone: ${describeCalendar(cal)}; the Analytics API is not available to this organization (since ${hourly.unavailable.since}), so there is no hourly billed cost: reports show UTC days, labelled "UTC days"`
      : days
      ? `Time zone: ${describeCalendar(cal)}; hourly billed cost is kept (analytics_cost_hourly, ${days.days} days from ${days.first} to ${days.last}), so local days are exact there; other days are reported as UTC days`
      : `Time zone: ${describeCalendar(cal)}; backfill and run keep hourly billed cost (analytics_cost_hourly) for exact local days, but none is held yet: run claude-ingest backfill --from ${ANALYTICS_FIRST_DAY} or later; until then reports show UTC days`;
  const tokensNote = !on
    ? null
    : usageDays
      ? `Token usage: hourly for ${usageDays.days} days from ${usageDays.first} to ${usageDays.last} (read with --usage-bucket 1h), so tokens are in local days there; other days are UTC days`
      : 'Token usage: daily only, so tokens are reported as UTC days; backfill --usage-bucket 1h keeps hourly usage (about 3× the rows) for tokens in local days';
  return { timezone: cal.timeZone, hourly_cost: on, hourly_cost_days: days, hourly_usage_days: usageDays, note, tokens_note: tokensNote };
}

export function renderStatus(s: WarehouseStatus, cal?: CalendarStatus): string {
  const several = (s.organizations?.length ?? 0) > 1;
  const org = several
    ? `${s.organizations!.length} (${s.organizations!.map((o) => organizationLabel(o)).join(', ')})`
    : s.organization
      ? `${s.organization.name ?? '(no name)'} (${s.organization.id})`
      : 'unknown (no run has read GET /v1/organizations/me yet)';
  const out: string[] = [`Warehouse: ${s.location}`, `${several ? 'Organizations' : 'Organization'}: ${org}`, ...(cal ? [cal.note, ...(cal.tokens_note ? [cal.tokens_note] : [])] : []), ''];
  out.push(
    formatTable(
      ['table', 'rows', 'first day', 'last day', 'days with rows'],
      s.tables.map((t) => [t.table, t.rows.toLocaleString('en-US'), t.firstDay ?? '-', t.lastDay ?? '-', t.firstDay ? String(t.daysWithRows) : '-']),
      ['left', 'right', 'left', 'left', 'right'],
    ),
  );
  if (!several) {
    out.push('', ...streamLines(s.streams), '', ...runLines(s.lastRuns, s.failedWindows, 'claude-ingest retry'));
    return out.join('\n');
  }
  // Each organization's days are its own: one's windows never fill another's gaps.
  for (const o of s.organizations!) {
    const retry = o.id === null ? 'claude-ingest retry' : `claude-ingest retry --org ${o.id}`;
    out.push('', `== ${organizationLabel(o)} ==`, '', ...streamLines(o.streams), '', ...runLines(o.lastRuns, o.failedWindows, retry));
  }
  return out.join('\n');
}

export function registerStatusCommand(program: Program, rt: CliRuntime): void {
  program
    .command('status')
    .description('Per table and stream: days held, missing days, rows; the last runs; failed windows.')
    .addOption(warehouseOrgOption('each organization separately'))
    .addOption(configOption('timezone:'))
    .addOption(tzOption())
    .addHelpText('after', '\nExamples:\n  $ claude-ingest status\n  $ claude-ingest status --org Production\n  $ claude-ingest status --json | jq .streams')
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const cal = resolveCalendar(rt.io.env, o);
        const wh = await rt.openWarehouse(g, true);
        try {
          const chosen = await selectWarehouseOrganizations(wh, o.org);
          // One organization reads exactly as before several existed.
          const status = await warehouseStatus(wh, rt.today(), o.org !== undefined || chosen.length > 1 ? chosen : undefined);
          const usageHours = isUtc(cal) ? new Set<string>() : await hourlyUsageDays(wh, o.org !== undefined ? organizationIdsOf(chosen) : undefined);
          const calendar = calendarStatus(cal, status, usageHours);
          rt.reporter(g).print(g.json ? JSON.stringify({ ...status, calendar }, null, 2) : printableLines(renderStatus(status, calendar)));
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
