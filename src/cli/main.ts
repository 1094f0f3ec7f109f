/** The claude-ingest command line: one module per command, registered here. */
import { CommanderError } from '@commander-js/extra-typings';
import { registerDemoCommand } from './demo-command.js';
import { registerEmulatorCommand } from './emulator-command.js';
import { EXIT } from './exit-codes.js';
import { registerIngestCommands } from './ingest-commands.js';
import { rootProgram, type Program } from './program.js';
import { CliRuntime, toolVersion, type CliIo } from './runtime.js';
import { registerStatusCommand } from './status-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerReportCommand } from './report-command.js';
import { registerChargebackCommand } from './chargeback-command.js';
import { registerAllocateCommand } from './allocate-command.js';
import { registerExportCommand } from './export-command.js';
import { registerDashboardCommand } from './dashboard-command.js';
import { registerAlertsCommand } from './alerts-command.js';
import { registerReconcileCommand } from './reconcile-command.js';
import { registerMetricsCommand } from './metrics-command.js';

export function buildProgram(rt: CliRuntime): Program {
  const program = rootProgram(toolVersion())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Environment:
  ANTHROPIC_ADMIN_KEY        Admin API key (sk-ant-admin…) or another key the API accepts; also ANTHROPIC_ADMIN_API_KEY, or ANTHROPIC_ADMIN_KEY_FILE
  ANTHROPIC_BASE_URL         default https://api.anthropic.com (http only to 127.0.0.1/localhost)
  CLAUDE_INGEST_WAREHOUSE    default for --warehouse

Examples:
  $ npm run demo
  $ ANTHROPIC_ADMIN_KEY=sk-ant-admin... claude-ingest backfill --from 2025-01-01
  $ claude-ingest run          # once a day
  $ claude-ingest status`,
    );
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => void rt.io.stdout.write(s),
    writeErr: (s) => void rt.io.stderr.write(s),
    // Help is as wide as the terminal it is written to (80 columns when that is not a terminal), so
    // the same build prints the same help into a pipe or a test.
    getOutHelpWidth: () => (rt.io.stdout.isTTY ? rt.io.stdout.columns : undefined) ?? 80,
    getErrHelpWidth: () => (rt.io.stderr.isTTY ? rt.io.stderr.columns : undefined) ?? 80,
  });
  registerIngestCommands(program, rt);
  registerStatusCommand(program, rt);
  registerValidateCommand(program, rt);
  registerReportCommand(program, rt);
  registerChargebackCommand(program, rt);
  registerAllocateCommand(program, rt);
  registerExportCommand(program, rt);
  registerDashboardCommand(program, rt);
  registerAlertsCommand(program, rt);
  registerReconcileCommand(program, rt);
  registerMetricsCommand(program, rt);
  registerEmulatorCommand(program, rt);
  registerDemoCommand(program, rt);
  return program;
}

export async function main(argv: string[], io: CliIo = { env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const rt = new CliRuntime(io);
  const program = buildProgram(rt);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, successfully.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    rt.fail({}, err);
  }
  return rt.exitCode;
}
