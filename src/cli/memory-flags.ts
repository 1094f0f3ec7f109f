/**
 * The memory bounds of the commands that ingest (backfill, run, retry): V8's old space capped at
 * 128 MB (it otherwise lets garbage pile up to GBs), its young generation's semi-spaces at 8 MB
 * instead of 16 (-40 MB peak for the Analytics API streams) and one malloc arena (each further arena
 * keeps tens of MB of freed memory). Measured in docs/performance.md.
 *
 * They used to come from the bin's shebang (`#!/usr/bin/env -S … node --max-old-space-size=128`):
 * that bound only a run of the file itself, not `node bin/claude-ingest.js …` (410 MB peak on the
 * one-year large backfill), and only where env knows -S. So the bin re-runs itself for an ingest
 * command, once, with the flags, unless they are already there (the marker below, or a heap limit
 * the user chose in NODE_OPTIONS or on node's command line). Other commands (the dashboard, reports)
 * keep node's defaults: they hold whole answers in memory, and a re-run costs them start-up time.
 *
 * This module must not import DuckDB (the bin runs it before DuckDB's allocator settings are set).
 */
import { spawn } from 'node:child_process';

export const INGEST_COMMANDS = new Set(['backfill', 'run', 'retry']);
export const MEMORY_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=8'] as const;
/**
 * glibc malloc's settings for the re-run process; a value the user set wins. One arena (see above).
 * DuckDB's buffers go through its own jemalloc (allocator.ts), but everything else it allocates with
 * C++'s `new` (compression and commit state, vectors, strings) and Node's own buffers come from glibc's
 * one arena, the brk heap. glibc raises its mmap and trim thresholds as large blocks are freed (up to
 * 32 and 64 MB), after which freed memory stays in that heap: on the one-year large backfill with a
 * time zone it held 54-78 MB. Fixed thresholds turn that off: blocks of 128 KB and more are mapped and
 * unmapped on their own, and the heap's free top is returned past 1 MB (docs/performance.md, Round 14).
 */
export const MALLOC_ENV = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '1048576' } as const;
/** Set in the re-run process, so it never re-runs again. */
export const MEMORY_FLAGS_MARKER = 'CLAUDE_INGEST_MEMORY_FLAGS';

/** Global options that take a value (program.ts): their value is not the command. */
const VALUE_OPTIONS = new Set(['--warehouse', '--concurrency', '--max-attempts', '--lock-wait']);

/** The command named on the command line (the first word that is neither an option nor an option's value). */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Whether this process should re-run itself with the memory flags. */
export function needsMemoryFlags(args: readonly string[], env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  const command = commandOf(args);
  if (!command || !INGEST_COMMANDS.has(command)) return false;
  if (env[MEMORY_FLAGS_MARKER]) return false;
  // A limit the user set (NODE_OPTIONS, or node's own command line) is theirs to keep.
  const set = (flag: string) => execArgv.some((a) => a.startsWith(flag)) || (env.NODE_OPTIONS ?? '').includes(flag);
  return !set('--max-old-space-size');
}

/**
 * Re-runs the script with the memory flags and glibc malloc's settings (MALLOC_ENV), stdio shared, and resolves with the
 * child's exit code. A signal sent to this process (a container's stop, a supervisor's TERM) is passed
 * on; a child killed by a signal is reported as that signal's exit code (128 + n), as a shell does.
 */
export function rerunWithMemoryFlags(script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const childEnv: NodeJS.ProcessEnv = { ...env, [MEMORY_FLAGS_MARKER]: '1' };
  for (const [name, value] of Object.entries(MALLOC_ENV)) childEnv[name] = env[name] ?? value;
  // An IPC channel beside the shared stdio: it closes when this process dies, however it dies (see dieWithParent).
  const child = spawn(process.execPath, [...process.execArgv, ...MEMORY_NODE_FLAGS, script, ...args], { env: childEnv, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 1));
    });
  });
}

/**
 * In the re-run process: die at once when the process that started it is gone (its IPC channel
 * closes), so a SIGKILL of the command a supervisor started stops the ingest too, as it did before
 * the re-run (a kill between commits leaves the warehouse as it was: every window is one transaction).
 */
export function dieWithParent(): void {
  if (!process.env[MEMORY_FLAGS_MARKER] || !process.channel) return;
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}
