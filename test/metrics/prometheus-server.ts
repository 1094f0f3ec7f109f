/**
 * A real Prometheus server (Debian's `prometheus` package, installed by .ci/run) for the metrics tests:
 * started on a free loopback port with a generated config that scrapes one target every second and
 * loads the shipped rules, queried through its HTTP API. Nothing listens or connects beyond loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RULES = join(ROOT, 'deploy/prometheus/claude-ingest.rules.yml');

/** promtool with stdin; its exit code and output. */
export function promtool(args: string[], input?: string, cwd = ROOT): { code: number; out: string } {
  const r = spawnSync('promtool', args, { input, cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool could not run (${r.error.message}): install Debian's prometheus package (.ci/run does)`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

export interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  url: string;
  /** An instant query; throws on a query error. */
  query(expr: string): Promise<PromResult[]>;
  /** Polls until `expr` returns at least one series (the first scrape and rule evaluation take a moment). */
  waitFor(expr: string, timeoutMs?: number): Promise<PromResult[]>;
  get(path: string): Promise<{ status: string; data: unknown }>;
  close(): Promise<void>;
}

export async function startPrometheus(dir: string, target: string): Promise<Prometheus> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  copyFileSync(RULES, join(dir, 'rules.yml'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: claude-ingest
    static_configs:
      - targets: ['${target}']
`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string) => (await (await fetch(`${url}${path}`)).json()) as { status: string; data: unknown; error?: string };
  const query = async (expr: string) => {
    const r = await get(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (r.status !== 'success') throw new Error(`query ${expr}: ${r.error ?? JSON.stringify(r)}`);
    return (r.data as { result: PromResult[] }).result;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok).catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    query,
    get,
    async waitFor(expr, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await query(expr);
        if (r.length > 0) return r;
        if (Date.now() > until) throw new Error(`no series for ${expr} after ${timeoutMs} ms: ${log}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    },
    close: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}
