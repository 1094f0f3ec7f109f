/**
 * `claude-ingest metrics serve` as a user runs it (its own process, stopped with a signal): it prints
 * its URL, answers /metrics in the Prometheus text format, refuses other methods and hosts, and a
 * --host other than loopback is refused without --allow-remote, saying what it would expose.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/metrics/server.js';
import { runCli } from '../helpers/cli.js';
import { holdWriteLock } from '../helpers/lock-holder.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { ROOT } from './prometheus-server.js';

const TODAY = '2026-03-15';
let w: FilledWarehouse;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-03-01', seed: 3, name: 'serve.duckdb' });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

/** A GET with a chosen Host header (fetch does not let a test set it). */
function get(url: string, host?: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics serve', () => {
  it('starts, serves /metrics, refuses other methods, paths and host names, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/dashboard/fixtures/cli.ts'), 'metrics', 'serve', '--port', '0', '--warehouse', w.url], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...w.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (c) => reject(new Error(`metrics serve exited ${c}: ${out}${err}`)));
      });
      const ok = await get(url);
      expect(ok.status).toBe(200);
      expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(ok.body).toMatch(/^claude_ingest_billed_cost_usd\{organization="[^"]+",period="month_to_date",source="provider"\} \d+\.\d+$/m);
      expect((await get(url, 'attacker.example:80')).status).toBe(403);
      expect((await get(url, undefined, 'POST')).status).toBe(405);
      expect((await get(url.replace('/metrics', '/other'))).status).toBe(404);
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(err).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a host other than loopback needs --allow-remote, and the refusal says what would be exposed', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const res = await runCli(['metrics', 'serve', '--host', host, '--port', '0', '--warehouse', w.url], w.env);
      expect(res.code, host).toBe(2);
      expect(res.stderr).toContain('--allow-remote');
      expect(res.stderr).toMatch(/billed cost per organization, workspace, model, product, API key and person \(names and email addresses included\)/);
      expect(res.stderr.trim().split('\n').length).toBe(1);
    }
  });

  it('bad flags and a missing warehouse are one line, non-zero, nothing served', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--port', '70000'], 2, /--port 70000 is not a port number/],
      [['--top', 'many'], 2, /--top many is not a whole number/],
      [['--host', ' '], 2, /--host is empty/],
      [['--warehouse', `duckdb:${join(w.dir, 'missing.duckdb')}`], 2, /./],
    ];
    for (const [args, code, message] of cases) {
      const res = await runCli(['metrics', 'serve', '--port', '0', '--warehouse', w.url, ...args], w.env);
      expect(res.code, args.join(' ')).toBe(code);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stderr.trim().split('\n').length, args.join(' ')).toBe(1);
    }
  });
});

describe('while another process writes the warehouse', () => {
  it('the kept figures are served; a server with nothing kept yet answers 503 until the writer is gone', async () => {
    const billed = (text: string) => text.split('\n').filter((l) => l.startsWith('claude_ingest_billed_cost'));
    const first = await startMetricsServer({ warehouseUrl: w.url, port: 0, today: () => TODAY, warmIntervalMs: 0, log: () => {} });
    const before = await (await fetch(first.url)).text();
    const lock = await holdWriteLock(w.file);
    let second: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
    try {
      const during = await fetch(first.url);
      expect(during.status).toBe(200);
      expect(billed(await during.text())).toEqual(billed(before));
      second = await startMetricsServer({ warehouseUrl: w.url, port: 0, today: () => TODAY, warmIntervalMs: 0, log: () => {} });
      const busy = await fetch(second.url);
      expect(busy.status).toBe(503);
      expect(await busy.text()).toMatch(/^the warehouse could not be read: .*in use by another process/);
    } finally {
      await lock.release();
    }
    const after = await fetch(second!.url);
    expect(after.status).toBe(200);
    expect(billed(await after.text())).toEqual(billed(before));
    await second!.close();
    await first.close();
  });

  it('a budget scoped to a team reads the cost the allocation rules give the team (as alerts and the dashboard count it), not $0', async () => {
    const config = join(w.dir, 'team-budget.yaml');
    writeFileSync(
      config,
      [
        'allocation:',
        '  dimensions: [team]',
        '  rules:',
        '    - { match: { api_key: "prod-*" }, set: { team: Platform } }',
        'alerts:',
        '  budgets:',
        '    - { name: Platform team, monthly_usd: 100, scope: { team: Platform } }',
      ].join('\n'),
    );
    const report = await w.cli(['report', '--by', 'team', '--config', config, '--from', '2026-03-01', '--to', TODAY, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const platform = (JSON.parse(report.stdout) as { rows: Array<{ team: string; billed_usd: string }> }).rows.find((r) => r.team === 'Platform')!.billed_usd;
    expect(Number(platform)).toBeGreaterThan(1);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/dashboard/fixtures/cli.ts'), 'metrics', 'serve', '--port', '0', '--warehouse', w.url, '--config', config], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...w.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (c) => reject(new Error(`metrics serve exited ${c}: ${out}`)));
      });
      const body = (await get(url)).body;
      const spent = /^claude_ingest_budget_usage_ratio\{budget="Platform team",kind="spent",source="provider"\} (\S+)$/m.exec(body);
      expect(spent, body.slice(0, 2000)).not.toBeNull();
      expect(Number(spent![1])).toBeCloseTo(Number(platform) / 100, 8);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
