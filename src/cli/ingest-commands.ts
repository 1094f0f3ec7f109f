/** backfill, run and retry: the three commands that write data. */
import { apiClient, ingestEnvironment } from './api-runtime.js';
import { backfill, checkRange } from '../jobs/backfill.js';
import { checkLookback, dailyRun, DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS } from '../jobs/daily-run.js';
import type { IngestEnvironment, IngestOutcome } from '../jobs/ingest-run.js';
import { retryFailed } from '../jobs/retry.js';
import { loadConfig } from '../config/load.js';
import { allocateAfterIngest, allocationLine } from './allocate-command.js';
import { holdsAllocation } from '../reports/allocation/materialise.js';
import { allocationRulesOf } from './allocation-rules.js';
import { allocationRulesOfConfig } from '../config/allocation-rules.js';
import { syncFees } from './fee-sync.js';
import { parseStreams, STREAMS } from '../streams/index.js';
import { OPTIONAL_STREAM_NAMES, STREAM_NAMES } from '../streams/stream.js';
import type { StreamOptions } from '../streams/stream.js';
import { addDays, parseDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { failConfig, prepareAlerts, runAlerts, type PreparedAlerts } from './alerts-command.js';
import { parseTop, pushFromWarehouse, resolveOtlpTarget, type MetricsPush } from './metrics-command.js';
import { DEFAULT_TOP } from '../metrics/context.js';
import { EXIT } from './exit-codes.js';
import type { Program } from './program.js';
import { selectOrganizations } from './select-organizations.js';
import { configOption, ingestOrgOption } from './shared-options.js';
import { needsHourlyCost, resolveCalendar } from './calendar-option.js';
import { InputError } from '../util/errors.js';
import { type CliRuntime, type GlobalOptions } from './runtime.js';

function streamOptions(usageBucket = '1d', analyticsBucket = '1d'): StreamOptions {
  if (usageBucket !== '1d' && usageBucket !== '1h') {
    throw new InputError(`--usage-bucket ${usageBucket} is not supported: use 1d (default) or 1h`);
  }
  if (analyticsBucket !== '1d' && analyticsBucket !== '1h') {
    throw new InputError(`--analytics-bucket ${analyticsBucket} is not supported: use 1d (default) or 1h`);
  }
  return { usageBucket, analyticsBucket };
}

/** Which organizations to read: `--org NAME|ID` of those in claude-ingest.yaml (`--config`). */
interface Target {
  org?: string;
  config?: string;
}

/**
 * Validates input, opens the warehouse, runs the job for every organization at once (each with its
 * own client, governor and share of --concurrency; one's failure never stops another's), reports
 * each outcome and sets the exit code from the worst.
 */
interface IngestCall<Input> {
  target: Target;
  /** Everything the user typed, checked before the warehouse is opened or the API contacted. */
  validate: () => Input;
  job: (env: IngestEnvironment, input: Input) => Promise<IngestOutcome>;
  /** --usage-bucket and --analytics-bucket as typed (absent: daily). */
  buckets?: { usage?: string | undefined; analytics?: string | undefined };
  /** Runs on the same warehouse after a fully successful job (run --alerts). */
  after?: ((warehouse: Warehouse) => Promise<void>) | undefined;
  /** Runs on the same warehouse after the job, whatever its outcome (run --metrics: failures are what to publish). */
  afterAny?: ((warehouse: Warehouse) => Promise<void>) | undefined;
}

async function ingest<Input>(rt: CliRuntime, opts: GlobalOptions, call: IngestCall<Input>): Promise<void> {
  const { target, validate, job, after, afterAny } = call;
  let warehouse: Warehouse | undefined;
  try {
    const input = validate();
    const options = streamOptions(call.buckets?.usage, call.buckets?.analytics);
    const api = rt.apiSettings(target.config, opts);
    const loadedConfig = loadConfig(target.config, rt.io.env);
    const fixedCosts = loadedConfig.config.fixed_costs;
    const feeRules = fixedCosts ? allocationRulesOfConfig(loadedConfig.config, loadedConfig.path) : null;
    // Read (and checked) before anything is fetched: a bad rules file stops the command with nothing written.
    const allocationRules = allocationRulesOf(rt, target.config);
    warehouse = await rt.openWarehouse(opts);
    const wh = warehouse;
    const concurrency = rt.concurrency(opts);
    const keys = await selectOrganizations(api.keys, target.org, (k) => apiClient(rt, opts, { apiKey: k.apiKey, baseUrl: api.baseUrl }));
    const share = Math.max(1, Math.floor(concurrency / keys.length));
    const outcomes = await Promise.all(
      keys.map((k) => job(ingestEnvironment(rt, opts, wh, { apiKey: k.apiKey, baseUrl: api.baseUrl }, options, { share, sole: keys.length === 1 }), input)),
    );
    const reporter = rt.reporter(opts);
    reporter.done();
    let allOk = true;
    outcomes.forEach((outcome, i) => {
      const name = keys[i]!.name ?? outcome.organization?.name ?? outcome.organization?.id ?? `organization ${i + 1}`;
      // One organization reads exactly as before several existed; several say whose line it is.
      const label = keys.length > 1 ? `${name}: ` : '';
      const fields = { run_id: outcome.runId, ...(keys.length > 1 ? { organization: name, organization_id: outcome.organization?.id ?? null } : {}) };
      const summary = `${outcome.ok} of ${outcome.windows} windows written (${outcome.rows.toLocaleString('en-US')} rows, ${outcome.requests} requests, ${outcome.rateLimited} rate-limited) into ${wh.location}`;
      if (outcome.fatal) {
        reporter.error(`${label}stopped: ${outcome.fatal.message}`, fields);
        rt.exitCode = Math.max(rt.exitCode, outcome.fatal.config ? EXIT.usage : EXIT.failed);
        allOk = false;
      } else if (outcome.failed > 0) {
        reporter.error(`${label}${outcome.failed} window(s) failed; ${summary}. Fix the cause, then run: claude-ingest retry`, fields);
        rt.exitCode = Math.max(rt.exitCode, EXIT.failed);
        allOk = false;
      } else {
        reporter.info(`${label}${summary}`, { ...fields, windows: outcome.windows, rows: outcome.rows, requests: outcome.requests, rate_limited: outcome.rateLimited });
      }
    });
    if (keys.length > 1) {
      const failed = outcomes.filter((o) => o.fatal || o.failed > 0).length;
      const line = `${keys.length - failed} of ${keys.length} organizations completed`;
      if (failed > 0) reporter.error(`${line}; see the lines above for the others`);
      else reporter.info(line);
    }
    // Configured fees (fixed_costs) are written after the data, so a new organization's snapshot names them.
    if (fixedCosts) await syncFees(wh, fixedCosts, feeRules, rt.today());
    // The FOCUS view's Tags follow the rules: months whose facts, names or rules changed are allocated
    // again; with the rules gone from the config, the allocation they left is removed.
    if (allocationRules || (await holdsAllocation(wh))) {
      const r = await allocateAfterIngest(wh, allocationRules, 'allocate');
      rt.reporter(opts).info(allocationLine(r, allocationRules, wh.location), { rebuilt: r.rebuilt, current: r.current, rows: r.rows, rules_hash: allocationRules?.hash ?? null });
    }
    if (allOk) await after?.(wh);
    await afterAny?.(wh);
  } catch (err) {
    if (!failConfig(rt, opts, err)) rt.fail(opts, err);
  } finally {
    await warehouse?.close();
  }
}

const streamList = [...STREAM_NAMES, ...OPTIONAL_STREAM_NAMES].join(',');

/** The configured zone decides whether hourly billed cost is kept too (local days are summed from hours). */
const hourlyCost = (rt: CliRuntime, config: string | undefined) => ({ hourlyCost: needsHourlyCost(resolveCalendar(rt.io.env, { config })) });

export function registerIngestCommands(program: Program, rt: CliRuntime): void {
  program
    .command('backfill')
    .description('Fetch a range of days into the warehouse; days already complete in the ledger are skipped, so an interrupted backfill resumes.')
    .requiredOption('--from <day>', 'first UTC day, YYYY-MM-DD (inclusive)')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive); default today (UTC), whose partial data later runs replace')
    .option('--streams <list>', `comma-separated streams (${streamList})`)
    .option('--refresh', 'fetch again even days the ledger holds as complete')
    .option('--usage-bucket <width>', 'usage bucket width: 1d (default) or 1h (hourly, bucket_start column)')
    .option('--analytics-bucket <width>', 'Analytics API bucket width (analytics_cost, analytics_usage): 1d (default) or 1h (hourly, bucket_start column)')
    .addOption(ingestOrgOption())
    .addOption(configOption('organizations:, alerts:'))
    .addHelpText('after', '\nExamples:\n  $ claude-ingest backfill --from 2025-01-01\n  $ claude-ingest backfill --from 2025-06-01 --to 2025-06-30 --streams cost,usage --refresh')
    .action(async (o, cmd) => {
      await ingest(rt, cmd.optsWithGlobals(), {
        target: { org: o.org, config: o.config },
        validate: () => {
          const from = parseDay(o.from, '--from');
          const to = o.to ? parseDay(o.to, '--to') : rt.today();
          return { range: checkRange({ from, to }, rt.today()), streams: parseStreams(o.streams, hourlyCost(rt, o.config)), refresh: Boolean(o.refresh) };
        },
        job: (env, input) => backfill(env, input),
        buckets: { usage: o.usageBucket, analytics: o.analyticsBucket },
      });
    });

  program
    .command('run')
    .description('The scheduled daily job: re-read the last N days up to today and replace them, so late data and corrections land.')
    .option('--lookback <days>', `days to re-read before today (1-${MAX_LOOKBACK_DAYS})`, String(DEFAULT_LOOKBACK_DAYS))
    .option('--streams <list>', `comma-separated streams (${streamList})`)
    .option('--usage-bucket <width>', 'usage bucket width: 1d (default) or 1h')
    .option('--analytics-bucket <width>', 'Analytics API bucket width: 1d (default) or 1h')
    .option('--alerts', 'after a successful run, evaluate and send alerts (claude-ingest.yaml; see claude-ingest alerts --help)')
    .addOption(configOption('organizations:, alerts:'))
    .addOption(ingestOrgOption())
    .option('--dashboard-url <url>', 'link line in alert messages')
    .option('--metrics', 'after the run (failed or not), push the metrics over OTLP/HTTP (see claude-ingest metrics push --help)')
    .option('--otlp-endpoint <url>', 'with --metrics: OTLP/HTTP endpoint (env OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--otlp-headers <key=value>', 'with --metrics: a header to send (repeatable; env OTEL_EXPORTER_OTLP_HEADERS)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--top <n>', `with --metrics: series per breakdown, the top N by month-to-date spend plus "other" (default ${DEFAULT_TOP})`)
    .addHelpText('after', '\nExamples:\n  $ claude-ingest run\n  $ claude-ingest run --lookback 7 --json\n  $ claude-ingest run --alerts\n  $ claude-ingest run --metrics --otlp-endpoint http://127.0.0.1:4318')
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      let prepared: PreparedAlerts | undefined;
      let metrics: MetricsPush | undefined;
      await ingest(rt, g, {
        target: { org: o.org, config: o.config },
        validate: () => {
          const input = { streams: parseStreams(o.streams, hourlyCost(rt, o.config)), lookback: checkLookback(o.lookback) };
          // The config is checked with the other input: a bad file stops the run before anything is fetched.
          if (o.alerts) prepared = prepareAlerts(rt, o, g);
          if (o.metrics) {
            const target = resolveOtlpTarget(o.otlpEndpoint, o.otlpHeaders, rt.io.env);
            if (!target) throw new InputError('run --metrics needs --otlp-endpoint URL (or OTEL_EXPORTER_OTLP_ENDPOINT): e.g. --otlp-endpoint http://127.0.0.1:4318');
            metrics = { target, top: o.top === undefined ? DEFAULT_TOP : parseTop(o.top), ...(o.config !== undefined ? { config: o.config } : {}) };
          } else if (o.otlpEndpoint !== undefined || o.otlpHeaders !== undefined || o.top !== undefined) {
            throw new InputError('--otlp-endpoint, --otlp-headers and --top go with --metrics: add --metrics to push after the run');
          }
          return input;
        },
        job: async (env, input) => {
          const outcome = await dailyRun(env, input.streams, input.lookback);
          // rate_limit_headroom judges cached peaks: with the rule on, run --alerts reads yesterday's and today's.
          const headroom = prepared?.alerts.rate_limit_headroom;
          if (headroom !== undefined && headroom !== false && !outcome.fatal) {
            const peaks = await backfill(env, { range: { from: addDays(env.today, -1), to: env.today }, streams: [STREAMS.rate_limit_peaks], refresh: false });
            if (peaks.fatal || peaks.failed > 0) env.emit({ type: 'warning', message: `rate-limit headroom: ${peaks.fatal?.message ?? 'a day could not be read'}; rate_limit_headroom judges the days already cached` });
          }
          return outcome;
        },
        buckets: { usage: o.usageBucket, analytics: o.analyticsBucket },
        after: o.alerts ? async (wh) => void (await runAlerts(rt, g, prepared!, wh, false)) : undefined,
        afterAny: async (wh) => {
          if (!metrics) return;
          // The run's rows are committed whatever happens here: a failed push is one line and exit 1.
          try {
            await pushFromWarehouse(rt, g, wh, metrics);
          } catch (err) {
            const code = rt.exitCode;
            rt.fail(g, err);
            rt.exitCode = Math.max(code, rt.exitCode);
          }
        },
      });
    });

  program
    .command('retry')
    .description('Re-run every window the ledger records as failed (or left running by a killed process).')
    .addOption(ingestOrgOption())
    .addOption(configOption('organizations:, alerts:'))
    .addHelpText('after', '\nExample:\n  $ claude-ingest retry')
    .action(async (o, cmd) => {
      await ingest(rt, cmd.optsWithGlobals(), { target: { org: o.org, config: o.config }, validate: () => undefined, job: (env) => retryFailed(env) });
    });
}
