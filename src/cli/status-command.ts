import { warehouseStatus, type WarehouseStatus } from '../jobs/status.js';
import { formatTable } from '../util/table-format.js';
import type { Program } from './program.js';
import type { CliRuntime } from './runtime.js';

function summarizeDays(days: string[]): string {
  if (days.length === 0) return 'none';
  const shown = days.slice(0, 8).join(', ');
  return days.length > 8 ? `${shown} … (${days.length} days)` : shown;
}

export function renderStatus(s: WarehouseStatus): string {
  const org = s.organization ? `${s.organization.name ?? '(no name)'} (${s.organization.id})` : 'unknown (no run has read GET /v1/organizations/me yet)';
  const out: string[] = [`Warehouse: ${s.location}`, `Organization: ${org}`, ''];
  out.push(
    formatTable(
      ['table', 'rows', 'first day', 'last day', 'days with rows'],
      s.tables.map((t) => [t.table, t.rows.toLocaleString('en-US'), t.firstDay ?? '-', t.lastDay ?? '-', t.firstDay ? String(t.daysWithRows) : '-']),
      ['left', 'right', 'left', 'left', 'right'],
    ),
  );
  out.push('');
  out.push(
    formatTable(
      ['stream', 'first day', 'last day', 'days present', 'missing days', 'last success'],
      s.streams.map((st) => [st.stream, st.firstDay ?? '-', st.lastDay ?? '-', String(st.daysPresent), summarizeDays(st.missingDays), st.lastSuccess ?? '-']),
    ),
  );
  for (const st of s.streams) {
    if (st.notServedBefore) out.push(`  ${st.stream}: days before ${st.notServedBefore} are not served by the Analytics API (the legacy streams hold them); not missing`);
    if (st.unavailable) out.push(`  ${st.stream}: unavailable for this organization since ${st.unavailable.since} (${st.unavailable.error ?? '403/404'}); asked again by the next run`);
  }
  out.push('');
  out.push(s.lastRuns.length === 0 ? 'Runs: none yet' : 'Last runs:');
  for (const r of s.lastRuns) {
    out.push(`  ${r.startedAt}  ${r.command.padEnd(8)} ${r.status.padEnd(7)} ${r.windowsOk} ok, ${r.windowsFailed} failed  (${r.runId})`);
  }
  out.push('');
  if (s.failedWindows.length === 0) out.push('Failed windows: none');
  else {
    out.push(`Failed windows: ${s.failedWindows.length} — run: claude-ingest retry`);
    for (const w of s.failedWindows) out.push(`  ${w.stream} ${w.windowStart}..${w.windowEnd} (${w.status}): ${w.error ?? 'interrupted'}`);
  }
  return out.join('\n');
}

export function registerStatusCommand(program: Program, rt: CliRuntime): void {
  program
    .command('status')
    .description('Per table and stream: days held, missing days, rows; the last runs; failed windows.')
    .addHelpText('after', '\nExamples:\n  $ claude-ingest status\n  $ claude-ingest status --json | jq .streams')
    .action(async (_o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const wh = await rt.openWarehouse(g, true);
        try {
          const status = await warehouseStatus(wh, rt.today());
          rt.reporter(g).print(g.json ? JSON.stringify(status, null, 2) : renderStatus(status));
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
