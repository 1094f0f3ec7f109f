/**
 * `metrics push` and `run --metrics`: the same families as the Prometheus endpoint, sent once over
 * OTLP/HTTP (JSON) with the official OpenTelemetry JS SDK, so a scheduled job (Cloud Run) can push
 * after each run to a collector or any OTLP backend. One collection, one export: a reader that only
 * collects when asked, and the SDK's exporter (which retries a busy collector itself).
 */
import type { ExportResult } from '@opentelemetry/core';
import { AppError, EXIT, HTTP, InputError } from '../util/errors.js';
import { sampleValue, type MetricsSnapshot } from './model.js';
import { isLoopbackHost } from './server.js';

/** The collector refused or could not be reached. */
export class MetricsPushError extends AppError {
  readonly exitCode = EXIT.failed;
  readonly httpStatus = HTTP.unavailable;
}

export interface OtlpTarget {
  /** The full metrics URL (…/v1/metrics). */
  url: string;
  headers: Record<string, string>;
  /** Plain http to another machine: headers (often a token) cross the network in clear. */
  cleartextRemote: boolean;
}

/**
 * The endpoint as given: a URL with a path is used as is (like OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
 * a bare origin gets /v1/metrics (like OTEL_EXPORTER_OTLP_ENDPOINT). Checked before anything is read.
 */
export function otlpTarget(endpoint: string, headerArgs: readonly string[] = []): OtlpTarget {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new InputError(`--otlp-endpoint ${endpoint} is not a URL: use e.g. http://127.0.0.1:4318 or https://otlp.example.com/v1/metrics`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`--otlp-endpoint ${endpoint}: OTLP/HTTP needs an http:// or https:// URL`);
  if (url.username || url.password) throw new InputError('--otlp-endpoint must not carry credentials in the URL: pass them with --headers (e.g. --headers authorization=Bearer…)');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/metrics';
  const headers: Record<string, string> = {};
  for (const h of headerArgs) {
    for (const part of h.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) throw new InputError(`--headers ${part.split('=')[0]}=…: expected KEY=VALUE with a header name as KEY`);
      headers[key] = decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { url: url.toString(), headers, cleartextRemote: url.protocol === 'http:' && !isLoopbackHost(host) };
}

/**
 * The SDK, loaded when a push happens: its modules take about 0.2 s to load, which every other
 * command (validate, the dashboard, a daily run without --metrics) would otherwise pay at start.
 */
async function loadSdk() {
  const [{ ExportResultCode }, { OTLPMetricExporter }, { resourceFromAttributes }, { MeterProvider, MetricReader }] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-metrics'),
  ]);
  /** Collects only when asked: the push is one export, not a timer. */
  class OneShotReader extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  return { ExportResultCode, OTLPMetricExporter, resourceFromAttributes, MeterProvider, OneShotReader };
}

export interface PushOptions {
  target: OtlpTarget;
  serviceVersion: string;
  timeoutMs?: number;
  /** When the ages are taken (ms since the epoch; default now). */
  nowMs?: number;
}

/** Sends the snapshot; resolves with the number of data points sent, or throws MetricsPushError. */
export async function pushMetrics(snapshot: MetricsSnapshot, o: PushOptions): Promise<number> {
  const { ExportResultCode, OTLPMetricExporter, resourceFromAttributes, MeterProvider, OneShotReader } = await loadSdk();
  const reader = new OneShotReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'claude-ingest', 'service.version': o.serviceVersion }),
    readers: [reader],
  });
  const meter = provider.getMeter('claude-ingest', o.serviceVersion);
  const nowMs = o.nowMs ?? Date.now();
  let points = 0;
  for (const { def, samples } of snapshot.families) {
    if (samples.length === 0) continue;
    const gauge = meter.createObservableGauge(def.otelName, { description: def.help, unit: def.otelUnit });
    gauge.addCallback((result) => {
      for (const s of samples) result.observe(sampleValue(s.value, nowMs), s.labels);
    });
    points += samples.length;
  }
  const exporter = new OTLPMetricExporter({ url: o.target.url, headers: o.target.headers, timeoutMillis: o.timeoutMs ?? 10_000 });
  try {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new MetricsPushError(`metrics could not be collected: ${String(errors[0])}`);
    const result = await new Promise<ExportResult>((resolve) => exporter.export(resourceMetrics, resolve));
    if (result.code !== ExportResultCode.SUCCESS) {
      throw new MetricsPushError(`OTLP push to ${redactUrl(o.target.url)} failed: ${result.error?.message ?? 'unknown error'}`);
    }
    return points;
  } finally {
    await exporter.shutdown().catch(() => undefined);
    await provider.shutdown().catch(() => undefined);
  }
}

/** The URL without its query (which may carry a token). */
function redactUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
