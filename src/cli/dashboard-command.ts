import { allocationRulesOfConfig } from '../config/allocation-rules.js';
import { resolveWarehouseUrl } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { DEFAULT_HOST, DEFAULT_PORT, startDashboard } from '../dashboard/server.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { untilStopped, type CliRuntime } from './runtime.js';
import { configOption } from './shared-options.js';
import { resolveCalendar, tzOption } from './calendar-option.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InputError(`--port ${value} is not a port number from 0 to 65535 (0: any free port)`);
  }
  return n;
}

export function registerDashboardCommand(program: Program, rt: CliRuntime): void {
  program
    .command('dashboard')
    .description('Serve a web dashboard of the warehouse (spend, tokens, Claude Code, data health) on 127.0.0.1.')
    .option('--port <port>', `port to listen on (0: any free port)`, String(DEFAULT_PORT))
    .option('--host <host>', `address to listen on; anything but loopback exposes your cost data to the network`, DEFAULT_HOST)
    .option('--allowed-host <names>', 'host names the page may be opened under besides loopback, IP addresses and --host, comma-separated (e.g. a DNS name pointing at this machine); other Host headers get 403 (DNS rebinding)')
    .addOption(configOption('its alerts.budgets are shown; timezone: for local days'))
    .addOption(tzOption())
    .addHelpText(
      'after',
      `
The page reads the warehouse read-only, per request, so an ingest can run while it is open (the page
says so and retries while the ingest writes). Figures are the same as \`claude-ingest report\`.

Examples:
  $ claude-ingest dashboard --warehouse duckdb:./demo.duckdb
  $ claude-ingest dashboard --port 9000
  $ claude-ingest dashboard --config ./claude-ingest.yaml   # budget lines and table from alerts.budgets`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const port = parsePort(o.port);
        const host = o.host.trim();
        if (!host) throw new InputError('--host is empty: use e.g. 127.0.0.1');
        // Read before listening, so a bad file is one line and exit 2; without one the page has no budgets.
        const config = loadConfig(o.config, rt.io.env);
        rt.configWarnings(g, config.warnings);
        const dashboard = await startDashboard({
          warehouseUrl: resolveWarehouseUrl(g.warehouse, rt.io.env),
          host,
          port,
          today: () => rt.today(),
          log: (line) => rt.reporter(g).error(line),
          alerts: config.config.alerts ?? null,
          allocation: allocationRulesOfConfig(config.config, config.path),
          calendar: resolveCalendar(rt.io.env, o),
          allowedHosts: (o.allowedHost ?? '').split(',').map((h) => h.trim()).filter(Boolean),
        });
        const reporter = rt.reporter(g);
        if (host !== DEFAULT_HOST && host !== 'localhost' && host !== '::1') {
          reporter.warn(`listening on ${host}: anyone who can reach this address can read the cost data (there is no login)`);
        }
        rt.io.stdout.write(`Dashboard: ${dashboard.url} (press Ctrl-C to stop)\n`);
        await untilStopped();
        await dashboard.close();
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
