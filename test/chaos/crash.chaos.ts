/**
 * The crash loop: SIGKILL a backfill (and the daily run) at seeded random points — after k committed
 * windows, after t ms, or a few ms after a big window started (so the kill lands while it stages or
 * commits and DuckDB must recover from its write-ahead log) — then run it again and require the
 * warehouse to equal a clean run exactly. Seed: CHAOS_SEED (printed, so a failure can be replayed).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { Rng } from '../../src/emulator/prng.js';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { queryWarehouse, snapshotTables } from '../helpers/warehouse-snapshot.js';
import { envFor, TODAY } from '../reliability/helpers.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20260510);
const FROM = '2026-03-25'; // 47 days: two 31-day cost and usage windows and the Claude Code windows
const BACKFILL_ITERATIONS = 12;
const RUN_ITERATIONS = 6;

type KillPoint =
  | { kind: 'after-windows'; k: number }
  | { kind: 'after-ms'; ms: number }
  | { kind: 'after-big-window-start'; nth: number; delayMs: number };

function describeKill(p: KillPoint): string {
  if (p.kind === 'after-windows') return `after ${p.k} committed windows`;
  if (p.kind === 'after-ms') return `after ${p.ms} ms`;
  return `${p.delayMs} ms after the big-window report request #${p.nth}`;
}

function pickKill(rand: () => number, i: number, maxWindows: number, maxMs: number, maxBig: number): KillPoint {
  // Rotate through the three kinds so every kind is exercised whatever the seed.
  const kind = i % 3;
  if (kind === 0) return { kind: 'after-windows', k: 1 + Math.floor(rand() * (maxWindows - 1)) };
  if (kind === 1) return { kind: 'after-ms', ms: 150 + Math.floor(rand() * maxMs) };
  return { kind: 'after-big-window-start', nth: 1 + Math.floor(rand() * maxBig), delayMs: Math.floor(rand() * 40) };
}

interface KillOutcome {
  killed: boolean;
  walPresent: boolean;
}

/** Requests the emulator has received for the two big-window streams (cost and usage reports). */
function bigRequests(): number {
  const by = emu.stats().byEndpoint;
  return (by.cost_report ?? 0) + (by['usage_report/messages'] ?? 0);
}

/** Spawns the CLI, kills it at `point`; resolves once it has exited (it may finish first). */
function runAndKill(args: string[], env: Record<string, string | undefined>, file: string, point: KillPoint): Promise<KillOutcome> {
  const child = spawnCli([...args, '--json'], env);
  let committed = 0;
  let buffered = '';
  let fired = false;
  const timers: NodeJS.Timeout[] = [];
  const fire = (delay = 0) => {
    if (fired) return;
    fired = true;
    timers.push(setTimeout(() => child.kill('SIGKILL'), delay));
  };
  if (point.kind === 'after-ms') timers.push(setTimeout(() => fire(), point.ms));
  if (point.kind === 'after-big-window-start') {
    // window_start is a DEBUG event the JSON log leaves out, so watch the other side: the emulator
    // sees the window's first report request right after window_start; the kill then lands while
    // that window fetches, stages or commits.
    const baseline = bigRequests();
    const poll = setInterval(() => {
      if (bigRequests() - baseline >= point.nth) {
        clearInterval(poll);
        fire(point.delayMs);
      }
    }, 1);
    timers.push(poll);
  }
  child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"event":"window_ok"')) committed++;
      if (point.kind === 'after-windows' && committed >= point.k) fire();
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ killed: signal === 'SIGKILL', walPresent: existsSync(`${file}.wal`) });
    });
  });
}

/** Windows a clean run of this warehouse wrote, so "after k windows" always lands before the end. */
async function windowCount(file: string): Promise<number> {
  const [r] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM ingest_windows');
  return Number(r!.n);
}

let emu: Emulator;
let dir: string;
const env = () => envFor(emu);
// The emulator's seeded generator: the same seed picks the same kill points on every run.
const rng = new Rng(SEED);
const rand = (): number => rng.next();

beforeAll(async () => {
  // A little latency so kills land mid-request, mid-staging and mid-commit rather than between runs.
  emu = await startEmulator({ seed: 71, today: TODAY, org: 'small', historyDays: 60, latencyMs: 15 });
  dir = tempDir('claude-ingest-chaos-');
  console.log(`chaos seed ${SEED} (set CHAOS_SEED to replay)`);
});
afterAll(async () => {
  await emu?.close();
});

describe('SIGKILL at random points, then run again: equal to a clean run', () => {
  it(`backfill, ${BACKFILL_ITERATIONS} kill points`, async () => {
    const clean = join(dir, 'backfill-clean.duckdb');
    // The clean run is spawned as the killed ones are, so its time (process start included) bounds
    // the "after t ms" kills: drawn within it, they land before the run ends. (Drawn within twice an
    // in-process run, a quarter of them came after the end once the CLI started faster.)
    const t0 = Date.now();
    const cleanRun = await runAndKill(['backfill', '--from', FROM, '--warehouse', `duckdb:${clean}`], env(), clean, { kind: 'after-windows', k: Number.MAX_SAFE_INTEGER });
    expect(cleanRun.killed).toBe(false);
    const cleanMs = Date.now() - t0;
    const expected = await snapshotTables(clean);
    const windows = await windowCount(clean);
    expect(windows).toBeGreaterThan(4); // the clean run wrote its windows
    const seen = new Set<string>();
    let killed = 0;
    let walRecoveries = 0;
    for (let i = 0; i < BACKFILL_ITERATIONS; i++) {
      const file = join(dir, `backfill-${i}.duckdb`);
      const w = ['--warehouse', `duckdb:${file}`];
      // 4 big windows (2 cost, 2 usage) of 2 report requests each.
      const point = pickKill(rand, i, windows, Math.max(300, Math.round(cleanMs * 0.85) - 150), 7);
      seen.add(JSON.stringify(point));
      const first = await runAndKill(['backfill', '--from', FROM, ...w], env(), file, point);
      if (first.killed) killed++;
      if (first.killed && first.walPresent) walRecoveries++;
      // Sometimes the resumed run is killed too, before the last, uninterrupted one.
      if (rand() < 0.3) await runAndKill(['backfill', '--from', FROM, ...w], env(), file, { kind: 'after-ms', ms: 300 + Math.floor(rand() * 800) });
      const resumed = await runCli(['backfill', '--from', FROM, ...w], env());
      expect(resumed.code, `iteration ${i} (${describeKill(point)}): ${resumed.stderr}`).toBe(0);
      expect(await snapshotTables(file), `iteration ${i} (${describeKill(point)})`).toEqual(expected);
      const status = JSON.parse((await runCli(['status', '--json', ...w], env())).stdout) as { streams: Array<{ missingDays: string[] }>; failedWindows: unknown[] };
      for (const s of status.streams) expect(s.missingDays, `iteration ${i}`).toEqual([]);
      expect(status.failedWindows, `iteration ${i}`).toEqual([]);
    }
    console.log(`backfill: ${killed}/${BACKFILL_ITERATIONS} killed mid-run, ${walRecoveries} with a write-ahead log to recover, ${seen.size} distinct kill points`);
    expect(seen.size).toBeGreaterThanOrEqual(10);
    expect(killed).toBeGreaterThanOrEqual(BACKFILL_ITERATIONS - 2);
    expect(walRecoveries).toBeGreaterThan(0);
  });

  it(`daily run on a backfilled warehouse, ${RUN_ITERATIONS} kill points`, async () => {
    const base = join(dir, 'run-base.duckdb');
    expect((await runCli(['backfill', '--from', FROM, '--warehouse', `duckdb:${base}`], env())).code).toBe(0);
    const reference = join(dir, 'run-reference.duckdb');
    copyFileSync(base, reference);
    const t0 = Date.now();
    expect((await runCli(['run', '--lookback', '7', '--warehouse', `duckdb:${reference}`], env())).code).toBe(0);
    const runMs = Date.now() - t0;
    const expected = await snapshotTables(reference);
    const windows = (await windowCount(reference)) - (await windowCount(base));
    let killed = 0;
    for (let i = 0; i < RUN_ITERATIONS; i++) {
      const file = join(dir, `run-${i}.duckdb`);
      copyFileSync(base, file);
      const w = ['--warehouse', `duckdb:${file}`];
      // One cost and one usage window (2 report requests each).
      const point = pickKill(rand, i, windows, Math.max(300, Math.round(runMs * 0.7)), 4);
      const first = await runAndKill(['run', '--lookback', '7', ...w], env(), file, point);
      if (first.killed) killed++;
      const again = await runCli(['run', '--lookback', '7', ...w], env());
      expect(again.code, `run iteration ${i} (${describeKill(point)}): ${again.stderr}`).toBe(0);
      expect(await snapshotTables(file), `run iteration ${i} (${describeKill(point)})`).toEqual(expected);
    }
    console.log(`run: ${killed}/${RUN_ITERATIONS} killed mid-run`);
    expect(killed).toBeGreaterThanOrEqual(RUN_ITERATIONS - 2);
  });
});
