/** `metrics serve` (a Prometheus endpoint) and `metrics push` (OTLP/HTTP); `run --metrics` pushes after a run. */
import { resolveWarehouseUrl, type Env } from '../config/env.js';
import { loadAllocationRules } from '../config/allocation-rules.js';
import { loadConfig } from '../config/load.js';
import { collectMetrics } from '../metrics/collect.js';
import { DEFAULT_TOP } from '../metrics/context.js';
import { FAMILIES } from '../metrics/families.js';
import { otlpTarget, pushMetrics, type OtlpTarget } from '../metrics/otlp.js';
import { DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, isLoopbackHost, startMetricsServer } from '../metrics/server.js';
import { dayStartMs } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Program } from './program.js';
import { InputError } from '../util/errors.js';
import { configOption } from './shared-options.js';
import { parsePositive, toolVersion, untilStopped, type CliRuntime, type GlobalOptions } from './runtime.js';

const collectList = (value: string, previous: string[] = []) => [...previous, value];

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InputError(`--port ${value} is not a port number from 0 to 65535 (0: any free port)`);
  return n;
}

export function parseTop(value: string): number {
  return parsePositive(value, '--top', 10_000);
}

/** The endpoint: --otlp-endpoint, else the OpenTelemetry variables (the metrics one as is; the base one + /v1/metrics). */
export function resolveOtlpTarget(endpoint: string | undefined, headers: string[] | undefined, env: Env): OtlpTarget | null {
  const fromEnv = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/metrics` : undefined);
  const url = endpoint ?? fromEnv;
  if (!url) return null;
  const envHeaders = [env.OTEL_EXPORTER_OTLP_HEADERS, env.OTEL_EXPORTER_OTLP_METRICS_HEADERS].filter((h): h is string => Boolean(h));
  return otlpTarget(url, [...envHeaders, ...(headers ?? [])]);
}

/**
 * The clock ages (data freshness) are measured with: the real one, or with CLAUDE_INGEST_TODAY
 * (demos and tests) the same time of day on that day, so ages agree with the pinned today.
 */
export function metricsClock(rt: CliRuntime): () => number {
  if (!rt.io.env.CLAUDE_INGEST_TODAY) return () => Date.now();
  const day = rt.today();
  return () => dayStartMs(day) + (Date.now() % 86_400_000);
}

/** Budgets for the usage ratios: alerts.budgets of claude-ingest.yaml, when there is one, and the allocation rules a team budget is counted by. */
function budgetsOf(rt: CliRuntime, config: string | undefined) {
  const loaded = loadConfig(config, rt.io.env);
  return { budgets: loaded.config.alerts?.budgets ?? [], allocation: loadAllocationRules(loaded.config.allocation, loaded.path) };
}

export interface MetricsPush {
  target: OtlpTarget;
  top: number;
  config?: string;
}

/** Collects from an open warehouse and pushes; one line saying what was sent. */
export async function pushFromWarehouse(rt: CliRuntime, g: GlobalOptions, wh: Warehouse, p: MetricsPush): Promise<void> {
  const reporter = rt.reporter(g);
  if (p.target.cleartextRemote && Object.keys(p.target.headers).length > 0) {
    reporter.warn(`pushing to ${new URL(p.target.url).host} over plain http: the --headers (often a token) cross the network unencrypted; use https`);
  }
  const snapshot = await collectMetrics(wh, { today: rt.today(), top: p.top, ...budgetsOf(rt, p.config) });
  const points = await pushMetrics(snapshot, { target: p.target, serviceVersion: toolVersion(), nowMs: metricsClock(rt)() });
  const u = new URL(p.target.url);
  reporter.info(`pushed ${points} data points of ${snapshot.families.filter((f) => f.samples.length > 0).length} metrics to ${u.origin}${u.pathname}`, { data_points: points });
}

export function registerMetricsCommand(program: Program, rt: CliRuntime): void {
  const metrics = program
    .command('metrics')
    .description('Publish billed cost and data health as metrics: a Prometheus endpoint (serve) or an OTLP/HTTP push (push).')
    .addHelpText(
      'after',
      `
Every metric, label and unit, and the shipped Prometheus rules and Grafana dashboard: docs/metrics.md.

Examples:
  $ claude-ingest metrics serve                                   # http://127.0.0.1:9464/metrics
  $ claude-ingest metrics push --otlp-endpoint http://127.0.0.1:4318
  $ claude-ingest run --metrics --otlp-endpoint http://127.0.0.1:4318`,
    );

  metrics
    .command('serve')
    .description(`Serve Prometheus metrics on http://${DEFAULT_METRICS_HOST}:${DEFAULT_METRICS_PORT}/metrics, read from the warehouse (see docs/metrics.md).`)
    .option('--port <port>', 'port to listen on (0: any free port)', String(DEFAULT_METRICS_PORT))
    .option('--host <host>', 'address to listen on (loopback by default; another address needs --allow-remote)', DEFAULT_METRICS_HOST)
    .option('--allow-remote', 'allow a --host other than loopback: anyone who reaches it reads the spend figures')
    .option('--top <n>', 'series per breakdown (workspace, model, product, API key): the top N by month-to-date spend, plus "other"', String(DEFAULT_TOP))
    .addOption(configOption('alerts.budgets become usage ratios'))
    .addHelpText(
      'after',
      `
The warehouse is opened read-only for a moment when it changed (for DuckDB a stat tells), never held:
an ingest can run while Prometheus scrapes. Scrapes in between are answered from memory.

Examples:
  $ claude-ingest metrics serve --warehouse duckdb:./claude-usage.duckdb
  $ claude-ingest metrics serve --port 9464 --top 20
  $ claude-ingest metrics serve --host 0.0.0.0 --allow-remote   # in a container, behind your network policy`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const port = parsePort(o.port);
        const host = o.host.trim();
        if (!host) throw new InputError('--host is empty: use e.g. 127.0.0.1');
        const top = parseTop(o.top);
        const remote = !isLoopbackHost(host.replace(/^\[(.*)\]$/, '$1'));
        if (remote && !o.allowRemote) {
          throw new InputError(
            `--host ${host} would publish billed cost per organization, workspace, model, product, API key and person (names and email addresses included), token counts, budgets, spend limits, rate-limit headroom and data health to anyone who can reach it, without a login: add --allow-remote if that is intended`,
          );
        }
        const { budgets, allocation } = budgetsOf(rt, o.config);
        const reporter = rt.reporter(g);
        const server = await startMetricsServer({
          warehouseUrl: resolveWarehouseUrl(g.warehouse, rt.io.env),
          host,
          port,
          top,
          budgets,
          allocation,
          today: () => rt.today(),
          now: metricsClock(rt),
          log: (line) => reporter.error(line),
        });
        if (remote) reporter.warn(`listening on ${host}: billed cost by organization, workspace, model, product, API key and person (with email addresses), tokens, budgets, spend limits, rate-limit headroom and data health are readable there without a login`);
        rt.io.stdout.write(`Metrics: ${server.url} (${FAMILIES.length} metric families; press Ctrl-C to stop)\n`);
        await untilStopped();
        await server.close();
      } catch (err) {
        rt.fail(g, err);
      }
    });

  metrics
    .command('push')
    .description('Send the metrics once over OTLP/HTTP (JSON) with the OpenTelemetry SDK, e.g. to a collector after a scheduled run.')
    .option('--otlp-endpoint <url>', 'OTLP/HTTP endpoint: a base URL gets /v1/metrics (env OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--headers <key=value>', 'a header to send, e.g. authorization=Bearer… (repeatable; also env OTEL_EXPORTER_OTLP_HEADERS)', collectList)
    .option('--top <n>', 'series per breakdown: the top N by month-to-date spend, plus "other"', String(DEFAULT_TOP))
    .addOption(configOption('alerts.budgets become usage ratios'))
    .addHelpText(
      'after',
      `
Examples:
  $ claude-ingest metrics push --otlp-endpoint http://127.0.0.1:4318
  $ claude-ingest metrics push --otlp-endpoint https://otlp.example.com/v1/metrics --headers authorization=Bearer…`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const target = resolveOtlpTarget(o.otlpEndpoint, o.headers, rt.io.env);
        if (!target) throw new InputError('metrics push needs --otlp-endpoint URL (or OTEL_EXPORTER_OTLP_ENDPOINT): e.g. --otlp-endpoint http://127.0.0.1:4318');
        const top = parseTop(o.top);
        budgetsOf(rt, o.config); // a bad config file is one line before the warehouse is opened
        const wh = await rt.openWarehouse(g, true);
        try {
          await pushFromWarehouse(rt, g, wh, { target, top, ...(o.config !== undefined ? { config: o.config } : {}) });
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
