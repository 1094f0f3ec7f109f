/**
 * The reading side on a one-year warehouse (docs/performance.md, "reading"): `validate` with no kept
 * proofs, then over the year with every day kept, a daily `run` and the `validate` after it, and the
 * dashboard's cold start (every answer of the default view after the first page request) with the
 * size of each answer. Each step is a child process of the built CLI, measured from outside.
 *
 * Standalone, on a warehouse of your own (it is changed: proofs kept, a daily run written):
 *   node dist/bench/reading.js FILE.duckdb [EMULATOR_URL]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMULATOR_ADMIN_KEY } from '../src/emulator/index.js';
import { DEFAULT_VIEW } from '../src/dashboard/server.js';
import { dayPrintsFile } from '../src/warehouse/duckdb/day-prints.js';
import { keptAnswersFile } from '../src/dashboard/kept-answers.js';
import { runMeasured, type ChildResult } from './child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(resolve(HERE, '../..'), 'bin/claude-ingest.js');

export interface ReadingResult {
  /** validate over the year with no day fingerprints kept (every day's rows hashed; proofs the file holds are reused). */
  validateFirstS: number;
  /** validate over the year again: every day's proof kept. */
  validateYearS: number;
  /** A daily run (emulator without latency), then validate: only the rewritten days proved. */
  dailyRunS: number | null;
  validateDailyS: number | null;
  /** validate --full after it: every day proved again (the cost the kept proofs save). */
  validateFullS: number;
  /** Dashboard: from the first page request until every default-view answer arrived, and each answer. */
  dashboardColdS: number;
  answers: Array<{ path: string; ms: number; bytes: number }>;
  /** The dashboard started again on the unchanged file: the default view's answers kept beside it. */
  dashboardAgainS: number;
  exitCodes: number[];
}

function seconds(r: ChildResult): number {
  return r.wallMs / 1000;
}

/** The `dashboard` command as a child process on a free loopback port. */
export function startDashboardProcess(file: string, env: Record<string, string>, cwd: string, extra: string[] = []): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [BIN, 'dashboard', '--warehouse', `duckdb:${file}`, '--port', '0', ...extra], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`the dashboard exited (${code}) before listening: ${out}`)));
    const look = (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        child.removeAllListeners('exit');
        ok({ url: m[1]!, stop: () => child.kill() });
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
  });
}

/** The page as a browser loads it: the HTML, then every default-view answer at once. */
async function coldStart(url: string): Promise<{ totalS: number; answers: ReadingResult['answers'] }> {
  const started = performance.now();
  await (await fetch(`${url}/`)).text();
  const answers = await Promise.all(
    DEFAULT_VIEW.map(async (path) => {
      const res = await fetch(`${url}${path}`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
      return { path, ms: performance.now() - started, bytes: Buffer.byteLength(text) };
    }),
  );
  return { totalS: (performance.now() - started) / 1000, answers };
}

/** extra: arguments every step gets (e.g. `--config` with `timezone:`, so the daily run keeps hourly cost and the dashboard answers in local days). */
export async function measureReading(file: string, env: Record<string, string>, dir: string, dailyRunEnv: Record<string, string> | null, extra: string[] = []): Promise<ReadingResult> {
  const cli = (args: string[], e = env) => runMeasured([BIN, ...args, '--warehouse', `duckdb:${file}`, ...extra], e, dir);
  const codes: number[] = [];
  const step = async (args: string[], e = env) => {
    const r = await cli(args, e);
    codes.push(r.code);
    if (r.code > 1) process.stdout.write(`    ${args[0]} exit ${r.code}: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
    return seconds(r);
  };
  // The first validate hashes every day's rows: no fingerprints kept from an earlier bench on this file.
  rmSync(dayPrintsFile(file), { force: true });
  const validateFirstS = await step(['validate', '--json']);
  const validateYearS = await step(['validate', '--json']);
  let dailyRunS: number | null = null;
  let validateDailyS: number | null = null;
  if (dailyRunEnv) {
    dailyRunS = await step(['run', '--json'], dailyRunEnv);
    validateDailyS = await step(['validate', '--json']);
  }
  const validateFullS = await step(['validate', '--json', '--full']);
  // The first start after the writes above computes every answer (none kept from an earlier bench).
  rmSync(keptAnswersFile(file), { force: true });
  const started = async () => {
    const dash = await startDashboardProcess(file, env, dir, extra);
    try {
      return await coldStart(dash.url);
    } finally {
      await new Promise<void>((done) => {
        dash.stop();
        setTimeout(done, 300);
      });
    }
  };
  const cold = await started();
  const again = await started();
  return { validateFirstS, validateYearS, dailyRunS, validateDailyS, validateFullS, dashboardColdS: cold.totalS, answers: cold.answers, dashboardAgainS: again.totalS, exitCodes: codes };
}

const f2 = (n: number | null) => (n === null ? 'n/a' : n.toFixed(2));

/** Each figure beside its target. */
export function readingReport(r: ReadingResult, label: string): string {
  const biggest = r.answers.reduce((a, b) => (b.bytes > a.bytes ? b : a), r.answers[0]!);
  const row = (what: string, value: string, target: string, met: boolean | null) => `  ${what.padEnd(58)} ${value.padStart(10)}   target ${target.padEnd(8)} ${met === null ? '' : met ? 'met' : 'NOT met'}`;
  return [
    `Reading on the ${label} warehouse (each step a child process of the CLI)`,
    row('validate, no fingerprints kept (every row hashed)', `${f2(r.validateFirstS)} s`, '-', null),
    row('validate over one year, proofs kept', `${f2(r.validateYearS)} s`, '≤ 2 s', r.validateYearS <= 2),
    row('daily run (emulator without latency)', `${f2(r.dailyRunS)} s`, '< 5 s', r.dailyRunS === null ? null : r.dailyRunS < 5),
    row('validate after the daily run (rewritten days proved)', `${f2(r.validateDailyS)} s`, '≤ 1 s', r.validateDailyS === null ? null : r.validateDailyS <= 1),
    row('validate --full (every day proved again)', `${f2(r.validateFullS)} s`, '-', null),
    row(`  kept proofs: year ÷ full ${f2(r.validateYearS / r.validateFullS)}, daily ÷ full ${r.validateDailyS === null ? 'n/a' : f2(r.validateDailyS / r.validateFullS)}`, '', '', null),
    row('dashboard cold start: every default-view answer', `${f2(r.dashboardColdS)} s`, '≤ 1 s', r.dashboardColdS <= 1),
    ...r.answers.map((a) => row(`  ${a.path}`, `${(a.ms / 1000).toFixed(2)} s`, '', null) + ` ${(a.bytes / 1024).toFixed(0).padStart(5)} KB`),
    row('dashboard started again, file unchanged (answers kept)', `${f2(r.dashboardAgainS)} s`, '≤ 1 s', r.dashboardAgainS <= 1),
    row(`largest default-view answer (${biggest.path})`, `${(biggest.bytes / 1024).toFixed(0)} KB`, '≤ 300 KB', biggest.bytes <= 300 * 1024),
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, emulatorUrl] = process.argv.slice(2);
  if (!file) throw new Error('usage: node dist/bench/reading.js FILE.duckdb [EMULATOR_URL]');
  const dir = mkdtempSync(join(tmpdir(), 'claude-ingest-reading-'));
  const today = process.env.CLAUDE_INGEST_TODAY ?? '2026-06-30';
  const env = { CLAUDE_INGEST_TODAY: today };
  const runEnv = emulatorUrl ? { ...env, ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY, ANTHROPIC_BASE_URL: emulatorUrl } : null;
  try {
    process.stdout.write(`${readingReport(await measureReading(resolve(file), env, dir, runEnv), file)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
