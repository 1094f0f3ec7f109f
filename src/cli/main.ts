/** The claude-ingest command line: one module per command, registered here. */
import { CommanderError } from '@commander-js/extra-typings';
import { EXIT } from './exit-codes.js';
import { commandOf } from './memory-flags.js';
import { rootProgram, type Program } from './program.js';
import { CliRuntime, toolVersion, type CliIo } from './runtime.js';
import { mayReadConfigFile, preloadConfigSchema } from '../config/load.js';

type Register = (program: Program, rt: CliRuntime) => void;

/**
 * Every command's module, in the order help lists them, loaded when the command line names one of
 * its commands (all of them for the program's help, --version or a word that is no command, so
 * commander can list or suggest them). A command then loads only what it runs: validate no longer
 * paid for the emulator, the dashboard, the ingest's sources and their zod schemas (0.35 s of CPU at
 * every start; docs/performance.md, Round 13c). `--version` alone loads none.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [['backfill', 'run', 'retry'], async () => (await import('./ingest-commands.js')).registerIngestCommands],
  [['status'], async () => (await import('./status-command.js')).registerStatusCommand],
  [['validate'], async () => (await import('./validate-command.js')).registerValidateCommand],
  [['report'], async () => (await import('./report-command.js')).registerReportCommand],
  [['chargeback'], async () => (await import('./chargeback-command.js')).registerChargebackCommand],
  [['allocate'], async () => (await import('./allocate-command.js')).registerAllocateCommand],
  [['export'], async () => (await import('./export-command.js')).registerExportCommand],
  [['dashboard'], async () => (await import('./dashboard-command.js')).registerDashboardCommand],
  [['alerts'], async () => (await import('./alerts-command.js')).registerAlertsCommand],
  [['reconcile'], async () => (await import('./reconcile-command.js')).registerReconcileCommand],
  [['metrics'], async () => (await import('./metrics-command.js')).registerMetricsCommand],
  [['emulator'], async () => (await import('./emulator-command.js')).registerEmulatorCommand],
  [['demo'], async () => (await import('./demo-command.js')).registerDemoCommand],
];

/** The program with the command `args` names (every command when `args` is absent or names none). */
export async function buildProgram(rt: CliRuntime, args?: readonly string[]): Promise<Program> {
  const named = args === undefined ? undefined : commandOf(args);
  const only = COMMANDS.find(([names]) => named !== undefined && names.includes(named));
  const versionOnly = named === undefined && args !== undefined && args.some((a) => a === '--version' || a === '-V');
  const registers = await Promise.all((only ? [only] : versionOnly ? [] : COMMANDS).map(([, load]) => load()));
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
  for (const register of registers) register(program, rt);
  return program;
}

export async function main(argv: string[], io: CliIo = { env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const rt = new CliRuntime(io);
  const program = await buildProgram(rt, argv.slice(2));
  // The config schema (zod) is loaded only when a file may be read (config/load.ts says why).
  if (mayReadConfigFile(argv.slice(2), io.env)) await preloadConfigSchema();
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
