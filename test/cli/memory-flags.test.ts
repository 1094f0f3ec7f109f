/**
 * The CLI bounds its own memory, with no flag a user has to know: an ingest command (backfill, run,
 * retry) re-runs itself once with V8's old space capped, 8 MB semi-spaces and one malloc arena,
 * however the file is started (as a file, as npx or npm's shims run it, or as `node bin/…`, which
 * reads no shebang), and DuckDB's allocator purges freed memory at once. Other commands keep node's
 * defaults. Node's default heap limit on this machine is several GB, so a limit under 300 MB can only
 * come from the re-run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandOf, needsMemoryFlags } from '../../src/cli/memory-flags.js';
import { BIN, tempDir } from '../helpers/cli.js';
import { holdWriteLock } from '../helpers/lock-holder.js';
import { DUCKDB_JE_MALLOC_CONF } from '../../src/warehouse/duckdb/allocator.js';

const preload = resolve(import.meta.dirname, 'fixtures/print-heap-limit.mjs');
const env = { PATH: process.env.PATH, NODE_OPTIONS: `--import ${pathToFileURL(preload).href}` };

/** Each process's report of its limits (the preload prints one line per node process). */
function limits(stderr: string): Array<{ heapMb: number; arenas: string; mmapThreshold: string; trimThreshold: string; execArgv: string[] }> {
  return [...stderr.matchAll(/HEAP_LIMIT_MB=(\d+) MALLOC_ARENA_MAX=(\S+) MALLOC_MMAP_THRESHOLD_=(\S+) MALLOC_TRIM_THRESHOLD_=(\S+) EXEC_ARGV=(\S*)/g)].map((m) => ({
    heapMb: Number(m[1]),
    arenas: m[2]!,
    mmapThreshold: m[3]!,
    trimThreshold: m[4]!,
    execArgv: m[5]!.split(','),
  }));
}

describe('memory bounds of the ingest commands', () => {
  it.each([
    ['run as a file', (args: string[]) => spawnSync(BIN, args, { env, encoding: 'utf8' })],
    ['run as node bin/claude-ingest.js (no shebang read)', (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' })],
  ])('%s: backfill runs with a capped V8 heap, 8 MB semi-spaces, one malloc arena and DuckDB purging at once', (_label, start) => {
    const res = start(['backfill', '--help']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('Usage: claude-ingest backfill');
    const procs = limits(res.stderr);
    // The started process, then the one that does the work.
    expect(procs).toHaveLength(2);
    const worker = procs[1]!;
    // V8 adds its young generation to the old-space flag: 128 MB of old space is a limit of ~130-200 MB.
    expect(worker.heapMb).toBeGreaterThanOrEqual(128);
    expect(worker.heapMb).toBeLessThan(300);
    expect(worker.arenas).toBe('1');
    // glibc's thresholds fixed, so freed blocks leave its heap (memory-flags.ts, MALLOC_ENV).
    expect(worker.mmapThreshold).toBe('131072');
    expect(worker.trimThreshold).toBe('1048576');
    expect(worker.execArgv).toContain('--max-semi-space-size=8');
    // DuckDB's jemalloc purges freed pages at once (src/warehouse/duckdb/allocator.ts).
    expect(res.stderr).toContain(`DUCKDB_JE_MALLOC_CONF=${DUCKDB_JE_MALLOC_CONF}\n`);
  });

  it('run gets the same bounds but keeps DuckDB\'s default allocator decay (its closing checkpoint reuses blocks)', () => {
    const res = spawnSync(process.execPath, [BIN, 'run', '--help'], { env, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const procs = limits(res.stderr);
    expect(procs).toHaveLength(2);
    expect(procs[1]!.execArgv).toContain('--max-semi-space-size=8');
    expect(res.stderr).toContain('DUCKDB_JE_MALLOC_CONF=undefined\n');
    expect(res.stderr).not.toContain(`DUCKDB_JE_MALLOC_CONF=${DUCKDB_JE_MALLOC_CONF}`);
  });

  it("malloc settings the user chose are kept in the re-run", () => {
    const mine = { ...env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_TRIM_THRESHOLD_: '262144' };
    const res = spawnSync(process.execPath, [BIN, 'backfill', '--help'], { env: mine, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const procs = limits(res.stderr);
    expect(procs).toHaveLength(2);
    expect(procs[1]).toMatchObject({ arenas: '2', mmapThreshold: '65536', trimThreshold: '262144' });
  });

  it('other commands start once, with node defaults (the dashboard and reports hold whole answers)', () => {
    const res = spawnSync(process.execPath, [BIN, '--version'], { env, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const procs = limits(res.stderr);
    expect(procs).toHaveLength(1);
    expect(procs[0]!.heapMb).toBeGreaterThan(300);
  });

  it('a limit the user set is kept: no re-run', () => {
    const res = spawnSync(process.execPath, ['--max-old-space-size=200', BIN, 'run', '--help'], { env, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const procs = limits(res.stderr);
    expect(procs).toHaveLength(1);
    expect(procs[0]!.execArgv).toContain('--max-old-space-size=200');
  });

  it("passes the worker's exit code on", () => {
    const res = spawnSync(process.execPath, [BIN, 'backfill', '--from', 'not-a-day'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('is not a date');
  });

  it('a SIGKILL of the started process stops the worker too', async () => {
    // The worker waits for a write lock another process holds, as a long ingest would be under way.
    const dir = tempDir();
    const file = join(dir, 'held.duckdb');
    const pidFile = join(dir, 'pid');
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nif (process.env.CLAUDE_INGEST_MEMORY_FLAGS) writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\n`);
    const holder = await holdWriteLock(file);
    try {
      const child = spawn(process.execPath, [BIN, 'retry', '--lock-wait', '60', '--warehouse', `duckdb:${file}`], {
        // A key (and a loopback origin, never contacted): without one the worker would exit at once
        // over the missing key, not wait on the lock, and the test would pass only while start-up is slow.
        env: {
          PATH: process.env.PATH,
          NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`,
          ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-lock-wait-test-key',
          ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      let worker = 0;
      for (let i = 0; i < 200 && !worker; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (existsSync(pidFile)) worker = Number(readFileSync(pidFile, 'utf8'));
      }
      expect(worker).toBeGreaterThan(0);
      // It says it waits on the lock, so it is waiting, not starting up or failing.
      for (let i = 0; i < 400 && !stderr.includes('--lock-wait'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toContain('is in use by');
      expect(alive(worker), stderr).toBe(true);
      child.kill('SIGKILL');
      for (let i = 0; i < 100 && alive(worker); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(worker)).toBe(false);
    } finally {
      await holder.release();
    }
  }, 30_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('which commands re-run', () => {
  it('finds the command after global options and their values', () => {
    expect(commandOf(['--warehouse', 'duckdb:run.duckdb', 'report'])).toBe('report');
    expect(commandOf(['--json', '--concurrency', '2', 'backfill', '--from', '2026-01-01'])).toBe('backfill');
    expect(commandOf(['--warehouse=duckdb:x', 'run'])).toBe('run');
    expect(commandOf(['--version'])).toBeUndefined();
  });

  it('re-runs backfill, run and retry only, once, and never over a limit the user set', () => {
    expect(needsMemoryFlags(['backfill'], {}, [])).toBe(true);
    expect(needsMemoryFlags(['--json', 'run'], {}, [])).toBe(true);
    expect(needsMemoryFlags(['retry'], {}, [])).toBe(true);
    expect(needsMemoryFlags(['dashboard'], {}, [])).toBe(false);
    expect(needsMemoryFlags(['report', '--by', 'day'], {}, [])).toBe(false);
    expect(needsMemoryFlags(['run'], { CLAUDE_INGEST_MEMORY_FLAGS: '1' }, [])).toBe(false);
    expect(needsMemoryFlags(['run'], { NODE_OPTIONS: '--max-old-space-size=512' }, [])).toBe(false);
    expect(needsMemoryFlags(['run'], {}, ['--max-old-space-size=512'])).toBe(false);
  });
});
