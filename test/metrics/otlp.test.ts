/**
 * `metrics push` and `run --metrics` send the metrics over OTLP/HTTP to a receiver on loopback, which
 * decodes the OTLP JSON the OpenTelemetry SDK's exporter sends: the figures agree with `report` to the
 * cent, headers arrive, every published family is there under its OpenTelemetry name and unit, a run
 * whose window failed still pushes (with the failure counted), and a refused push is one line, exit 1.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src/metrics/families.js';
import { runCli } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { report, sum } from '../dashboard/helpers.js';

const TODAY = '2026-03-15';

interface OtlpValue { stringValue?: string; doubleValue?: number; intValue?: string }
interface OtlpPoint { attributes: Array<{ key: string; value: OtlpValue }>; asDouble?: number; asInt?: string }
interface OtlpMetric { name: string; unit: string; description: string; gauge?: { dataPoints: OtlpPoint[] } }
interface OtlpRequest {
  resourceMetrics: Array<{ resource: { attributes: Array<{ key: string; value: OtlpValue }> }; scopeMetrics: Array<{ scope: { name: string }; metrics: OtlpMetric[] }> }>;
}

interface Received { path: string; headers: IncomingHttpHeaders; body: OtlpRequest }

/** An OTLP/HTTP receiver on 127.0.0.1: records each export, answers `status`. */
async function receiver(status = 200): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.headers['content-type']?.startsWith('application/json')) got.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(text) as OtlpRequest });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"code":3,"message":"refused by test"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Every data point of a metric, with its attributes as a plain record. */
function points(req: OtlpRequest, name: string): Array<{ attrs: Record<string, string>; value: number; metric: OtlpMetric }> {
  const metrics = req.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).filter((m) => m.name === name);
  return metrics.flatMap((m) =>
    (m.gauge?.dataPoints ?? []).map((p) => ({
      attrs: Object.fromEntries(p.attributes.map((a) => [a.key, a.value.stringValue ?? String(a.value.doubleValue ?? a.value.intValue)])),
      value: p.asDouble ?? Number(p.asInt),
      metric: m,
    })),
  );
}

const cents = (v: number | string) => new Decimal(v).toDecimalPlaces(2).toFixed(2);

let w: FilledWarehouse;
beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-02-20', seed: 11, name: 'otlp.duckdb' });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

describe('metrics push', () => {
  it('sends every family once, named and unit-ed for OpenTelemetry, with figures equal to report to the cent', async () => {
    const rx = await receiver();
    try {
      const res = await w.cli(['metrics', 'push', '--otlp-endpoint', rx.url, '--headers', 'x-scope-orgid=team-a', '--headers', 'authorization=Bearer test-token']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/pushed \d+ data points of \d+ metrics to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics/);
      expect(rx.got.length).toBe(1);
      const [req] = rx.got;
      expect(req!.path).toBe('/v1/metrics');
      expect(req!.headers['x-scope-orgid']).toBe('team-a');
      expect(req!.headers.authorization).toBe('Bearer test-token');
      const resource = Object.fromEntries(req!.body.resourceMetrics[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]));
      expect(resource['service.name']).toBe('claude-ingest');

      const billed = points(req!.body, 'claude_ingest.billed_cost');
      expect(billed[0]!.metric.unit).toBe('USD');
      const byPeriod = new Map(billed.map((p) => [p.attrs.period, p]));
      const day = async (from: string, to: string) => sum((await report(w, 'day', ['--from', from, '--to', to])).map((r) => r.cost_usd));
      expect(cents(byPeriod.get('month_to_date')!.value)).toBe(cents(await day('2026-03-01', TODAY)));
      expect(cents(byPeriod.get('yesterday')!.value)).toBe(cents(await day('2026-03-14', '2026-03-14')));
      expect(cents(byPeriod.get('today')!.value)).toBe(cents(await day(TODAY, TODAY)));
      expect(byPeriod.get('today')!.attrs.source).toBe('provider');
      expect(Object.keys(byPeriod.get('today')!.attrs).sort()).toEqual(['organization', 'period', 'source']);

      const ws = points(req!.body, 'claude_ingest.billed_cost.by_workspace').filter((p) => p.attrs.period === 'month_to_date');
      const byWs = await report(w, 'workspace', ['--from', '2026-03-01', '--to', TODAY]);
      for (const r of byWs) {
        const p = ws.find((x) => x.attrs.workspace === String(r.workspace_id ?? 'default'));
        expect(cents(p!.value), String(r.name)).toBe(cents(String(r.cost_usd)));
      }
      // Every family with samples is there, with the unit the catalogue gives it.
      const names = new Set(req!.body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => `${m.name} ${m.unit}`))));
      for (const f of FAMILIES.filter((x) => !x.def.name.startsWith('claude_ingest_budget'))) expect(names, f.def.otelName).toContain(`${f.def.otelName} ${f.def.otelUnit}`);
      expect(points(req!.body, 'claude_ingest.validate.check_status').length).toBeGreaterThan(5);
    } finally {
      await rx.close();
    }
  });

  it('a collector that refuses the push: one line naming it, exit 1, no key', async () => {
    const rx = await receiver(400);
    try {
      const res = await w.cli(['metrics', 'push', '--otlp-endpoint', `${rx.url}/v1/metrics?token=secret-in-query`]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/OTLP push to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics failed/);
      expect(res.stderr).not.toContain('secret-in-query');
      expect(res.stderr).not.toContain(w.env.ANTHROPIC_ADMIN_KEY);
      expect(res.stderr.trim().split('\n').length).toBe(1);
    } finally {
      await rx.close();
    }
  });

  it('the endpoint can come from OTEL_EXPORTER_OTLP_ENDPOINT (a base URL gets /v1/metrics), headers from OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const rx = await receiver();
    try {
      const res = await runCli(['metrics', 'push', '--warehouse', w.url], { ...w.env, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-env-header=from%20env' });
      expect(res.code, res.stderr).toBe(0);
      expect(rx.got.map((g) => g.path)).toEqual(['/v1/metrics']);
      expect(rx.got[0]!.headers['x-env-header']).toBe('from env');
    } finally {
      await rx.close();
    }
  });

  it('bad input is one line and exit 2, before the warehouse is opened or anything is sent', async () => {
    const missing = join(w.dir, 'never-created.duckdb');
    const cases: Array<[string[], RegExp]> = [
      [['metrics', 'push'], /needs --otlp-endpoint/],
      [['metrics', 'push', '--otlp-endpoint', 'ftp://127.0.0.1/x'], /http:\/\/ or https:\/\//],
      [['metrics', 'push', '--otlp-endpoint', 'not a url'], /is not a URL/],
      [['metrics', 'push', '--otlp-endpoint', 'http://user:pw@127.0.0.1:4318'], /credentials/],
      [['metrics', 'push', '--otlp-endpoint', 'http://127.0.0.1:4318', '--headers', 'no-equals-sign'], /KEY=VALUE/],
      [['metrics', 'push', '--otlp-endpoint', 'http://127.0.0.1:4318', '--top', '0'], /--top 0 is not a whole number/],
      [['run', '--otlp-endpoint', 'http://127.0.0.1:4318'], /go with --metrics/],
      [['run', '--metrics'], /run --metrics needs --otlp-endpoint/],
    ];
    for (const [args, message] of cases) {
      const res = await runCli([...args, '--warehouse', `duckdb:${missing}`], { ...w.env, OTEL_EXPORTER_OTLP_ENDPOINT: undefined });
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stderr.trim().split('\n').length, args.join(' ')).toBe(1);
      expect(existsSync(missing)).toBe(false);
    }
  });
});

describe('run --metrics', () => {
  it('pushes after the run, and after a run whose window failed too, counting the failure', async () => {
    const rx = await receiver();
    try {
      const ok = await w.cli(['run', '--lookback', '1', '--streams', 'cost', '--metrics', '--otlp-endpoint', rx.url]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(rx.got.length).toBe(1);
      expect(points(rx.got[0]!.body, 'claude_ingest.failed_windows').every((p) => p.value === 0)).toBe(true);

      w.emu.setFaultRules([{ kind: '500', path: 'cost_report' }]);
      const failed = await runCli(['run', '--lookback', '1', '--streams', 'cost', '--metrics', '--otlp-endpoint', rx.url, '--max-attempts', '1', '--warehouse', w.url], w.env);
      w.emu.setFaultRules([]);
      expect(failed.code).toBe(1);
      expect(rx.got.length).toBe(2);
      const cost = points(rx.got[1]!.body, 'claude_ingest.failed_windows').find((p) => p.attrs.stream === 'cost');
      expect(cost!.value).toBeGreaterThan(0);
      const gate = points(rx.got[1]!.body, 'claude_ingest.validate.check_status').find((p) => p.attrs.check === 'failed-windows');
      expect(gate!.value).toBe(2);
    } finally {
      await rx.close();
    }
  });
});
