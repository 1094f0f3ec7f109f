/** `claude-ingest alerts`: evaluate budgets, anomalies and data health; send what is new. Also `run --alerts`. */
import { allocationRulesOfConfig } from '../config/allocation-rules.js';
import { printableLines } from '../util/terminal-text.js';
import { createChannel } from '../alerts/channels.js';
import { dispatch, type Delivery } from '../alerts/dispatch.js';
import { evaluateAlerts } from '../alerts/evaluate.js';
import { renderText } from '../alerts/render.js';
import { ConfigFileError, loadConfig, type LoadedConfig } from '../config/load.js';
import { alertsSchema, type AlertsConfig } from '../config/schema.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { EXIT } from './exit-codes.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { parseNonNegative, toolVersion, type CliRuntime, type GlobalOptions } from './runtime.js';
import { configOption } from './shared-options.js';
import { tzOption } from './calendar-option.js';
import { isUtc, localToday, makeCalendar, type Calendar } from '../util/calendar.js';

export interface AlertsOptions {
  config?: string;
  /** --tz: the zone whose days and months budgets and anomalies judge (default timezone:, else UTC). */
  tz?: string;
  dryRun?: boolean;
  dashboardUrl?: string;
}

export interface PreparedAlerts {
  loaded: LoadedConfig;
  alerts: AlertsConfig;
  dashboardUrl?: string;
  calendar: Calendar;
}

/** Reads and checks the config before anything is opened, so a bad file changes nothing (exit 2). */
export function prepareAlerts(rt: CliRuntime, o: AlertsOptions, g: GlobalOptions = {}): PreparedAlerts {
  const loaded = loadConfig(o.config, rt.io.env);
  rt.configWarnings(g, loaded.warnings);
  if (!loaded.config.alerts) {
    throw new ConfigFileError([`${loaded.path ?? 'claude-ingest.yaml'}: alerts: no alerts section: add one (see docs/alerts.md) or pass --config FILE`]);
  }
  let dashboardUrl = o.dashboardUrl ?? loaded.config.alerts.dashboard_url;
  if (o.dashboardUrl !== undefined) {
    const ok = alertsSchema.shape.dashboard_url.safeParse(o.dashboardUrl);
    if (!ok.success) throw new InputError(`--dashboard-url "${o.dashboardUrl}" is not a URL: use e.g. http://127.0.0.1:8080/`);
    dashboardUrl = o.dashboardUrl;
  }
  const file = loaded.config;
  const calendar = makeCalendar({ timezone: o.tz ?? file.timezone, fiscal_year_start_month: file.fiscal_year_start_month, week_start: file.week_start }, o.tz !== undefined ? '--tz' : 'timezone');
  return { loaded, alerts: loaded.config.alerts, dashboardUrl, calendar };
}

function tuning(rt: CliRuntime) {
  const env = rt.io.env;
  const num = (name: string, dflt: number) => (env[name] === undefined ? dflt : parseNonNegative(env[name]!, name));
  return { attempts: 4, baseMs: num('CLAUDE_INGEST_RETRY_BASE_MS', 1000), timeoutMs: num('CLAUDE_INGEST_TIMEOUT_MS', 10_000) };
}

/** Evaluates and delivers on an open warehouse; sets exit code 1 when a delivery failed. */
export async function runAlerts(rt: CliRuntime, g: GlobalOptions, p: PreparedAlerts, wh: Warehouse, dryRun: boolean): Promise<Delivery[]> {
  const reporter = rt.reporter(g);
  const secretsOut = (text: string) => p.loaded.secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
  const utcToday = rt.today();
  // The local day; a pinned CLAUDE_INGEST_TODAY is taken as the local day already.
  const today = isUtc(p.calendar) || rt.io.env.CLAUDE_INGEST_TODAY ? utcToday : localToday(p.calendar);
  const { events } = await evaluateAlerts(wh, p.alerts, today, { calendar: p.calendar, utcToday, allocation: allocationRulesOfConfig(p.loaded.config, p.loaded.path) });
  const channels = p.alerts.notify.map((n) => createChannel(n, tuning(rt)));
  const render = { dashboardUrl: p.dashboardUrl, toolVersion: toolVersion(), warehouse: wh.location };
  const deliveries = await dispatch(wh, events, channels, { dryRun, render, secrets: p.loaded.secrets });
  if (g.json) {
    reporter.print(secretsOut(JSON.stringify({ today, dry_run: dryRun, events, deliveries: deliveries.map((d) => ({ event_key: d.event.key, channel: d.channel, status: d.status, error: d.error ?? null })) }, null, 2)));
  } else {
    const lines: string[] = [];
    for (const e of events) {
      lines.push(renderText(e, render));
      for (const d of deliveries.filter((x) => x.event.key === e.key)) lines.push(`  → ${d.channel}: ${d.status.replace('_', ' ')}${d.error ? ` (${d.error})` : ''}`);
      lines.push('');
    }
    for (const d of deliveries.filter((x) => !events.some((e) => e.key === x.event.key))) {
      lines.push(`retry of ${d.event.key} → ${d.channel}: ${d.status.replace('_', ' ')}${d.error ? ` (${d.error})` : ''}`);
    }
    const count = (s: Delivery['status']) => deliveries.filter((d) => d.status === s).length;
    const summary = dryRun
      ? `${events.length} alert(s) found on ${today}; dry run: ${count('would_send')} would be sent, ${count('already_sent')} already sent, nothing recorded`
      : `${events.length} alert(s) found on ${today}: ${count('sent')} sent, ${count('failed')} failed, ${count('already_sent')} already sent, ${count('superseded')} superseded${count('uncertain') + count('unconfirmed') ? `, ${count('uncertain') + count('unconfirmed')} may not have been delivered` : ''}`;
    lines.push(channels.length === 0 ? `${summary} (no notify channels configured)` : summary);
    reporter.print(secretsOut(printableLines(lines.join('\n'))));
  }
  const uncertain = deliveries.filter((d) => d.status === 'uncertain');
  if (uncertain.length > 0) {
    reporter.error(secretsOut(`${uncertain.length} alert(s) may not have been delivered (an earlier attempt was cut short; not sent again): ${[...new Set(uncertain.map((u) => `${u.channel}: ${u.event.title}`))].join('; ')}`));
    rt.exitCode = EXIT.failed;
  }
  const failed = deliveries.filter((d) => d.status === 'failed');
  if (failed.length > 0) {
    reporter.error(secretsOut(`${failed.length} alert delivery(ies) failed (recorded; the next run retries them): ${[...new Set(failed.map((f) => `${f.channel}: ${f.error}`))].join('; ')}`));
    rt.exitCode = EXIT.failed;
  }
  return deliveries;
}

/** Bad config: each problem on its own line, exit 2. */
export function failConfig(rt: CliRuntime, g: GlobalOptions, err: unknown): boolean {
  if (!(err instanceof ConfigFileError)) return false;
  const reporter = rt.reporter(g);
  for (const line of err.problems) reporter.error(line);
  rt.exitCode = EXIT.usage;
  return true;
}

export function registerAlertsCommand(program: Program, rt: CliRuntime): void {
  program
    .command('alerts')
    .description('Evaluate budgets, spend anomalies and data health on the warehouse and send the alerts not sent before (claude-ingest.yaml).')
    .addOption(configOption('alerts:'))
    .addOption(tzOption())
    .option('--dry-run', 'show what would be sent; send and record nothing')
    .option('--dashboard-url <url>', 'link line in every message')
    .addHelpText(
      'after',
      `
Exit code 1 when a delivery failed (it is recorded and retried by the next run), 2 for a bad config.
See docs/alerts.md.

Examples:
  $ claude-ingest alerts --dry-run
  $ SLACK_WEBHOOK_URL=https://hooks.slack.com/... claude-ingest alerts --config ./claude-ingest.yaml
  $ claude-ingest run --alerts        # the daily job: ingest, then alerts`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      let wh: Warehouse | undefined;
      try {
        const prepared = prepareAlerts(rt, o, g);
        wh = await rt.openWarehouse(g, Boolean(o.dryRun));
        await runAlerts(rt, g, prepared, wh, Boolean(o.dryRun));
      } catch (err) {
        if (!failConfig(rt, g, err)) rt.fail(g, err);
      } finally {
        await wh?.close();
      }
    });
}
