/** Shared by the dashboard tests: `claude-ingest report --format json` rows, exact sums, a planted defect, a writer holding the lock. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Decimal } from 'decimal.js';
import { runCli } from '../helpers/cli.js';
import type { FilledWarehouse } from '../helpers/fill-warehouse.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export type ReportRow = Record<string, string | number | null>;

/** The rows of `claude-ingest report --by <by> --format json` (run in-process through the real CLI). */
export async function report(w: FilledWarehouse, by: string, args: string[] = [], file = w.file): Promise<ReportRow[]> {
  const res = await runCli(['report', '--by', by, '--format', 'json', ...args, '--warehouse', `duckdb:${file}`], w.env);
  if (res.code !== 0) throw new Error(`report --by ${by} ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return (JSON.parse(res.stdout) as { rows: ReportRow[] }).rows;
}

/** Exact sum of decimal strings, canonical text. */
export function sum(values: Array<string | number | null | undefined>): string {
  return values.reduce<Decimal>((a, v) => a.plus(v === null || v === undefined ? 0 : String(v)), new Decimal(0)).toFixed();
}

export function canon(v: string | number | null | undefined): string {
  return new Decimal(v === null || v === undefined ? 0 : String(v)).toFixed();
}

export { plantedCopy } from '../helpers/fill-warehouse.js';

export { holdWriteLock } from '../helpers/lock-holder.js';

/** JSON answers and page state, checked field by field against the CLI's output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/**
 * Claude Code sessions per actor (every actor with productivity or estimated-cost rows in the range),
 * by SQL straight on the two tables: what the page's per-user table must show. (`report --by user`
 * now reports billed cost per person from the Analytics API, a different table.)
 */
export async function claudeCodeActors(file: string, from: string, to: string): Promise<Array<{ actor: string; sessions: number }>> {
  const { queryWarehouse } = await import('../helpers/warehouse-snapshot.js');
  const rows = await queryWarehouse(
    file,
    `SELECT actor_type || '|' || actor_id AS actor, CAST(COALESCE(SUM(s), 0) AS BIGINT) AS sessions FROM (
       SELECT actor_type, actor_id, num_sessions AS s FROM claude_code_productivity WHERE activity_date BETWEEN ? AND ?
       UNION ALL SELECT actor_type, actor_id, NULL FROM claude_code_model_usage WHERE activity_date BETWEEN ? AND ?) x GROUP BY 1`,
    [from, to, from, to],
  );
  return rows.map((r) => ({ actor: String(r.actor), sessions: Number(r.sessions) }));
}

/** `claude-ingest dashboard …` as its own process (the real command, signals and all), once it printed its URL. */
export async function spawnDashboard(args: string[], env: Record<string, string | undefined>): Promise<{ url: string; stderr(): string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/dashboard/fixtures/cli.ts'), 'dashboard', '--port', '0', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (c) => reject(new Error(`dashboard exited ${c}: ${out}${err}`)));
    });
    return { url, stderr: () => err, stop };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}
