/** Behaviour across processes: DuckDB's file lock, and atomicity when a writer is SIGKILLed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { WarehouseLockedError } from '../../src/warehouse/warehouse.js';
import { holdWriteLock } from '../helpers/lock-holder.js';
import { ledger, tempDir, usageRow } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = tempDir();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => tmp.cleanup());

function spawnChild(args: string[], env: Record<string, string> = {}): { child: ChildProcess; lines: string[]; waitFor: (line: string) => Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.line === line)) w.resolve();
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const waitFor = (line: string) =>
    lines.includes(line)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiters.push({ line, resolve });
          void exited.then(() => reject(new Error(`child exited before "${line}": ${stderr}`)));
        });
  return { child, lines, waitFor, exited };
}

describe('file lock', () => {
  it('reports the holder, and a SIGKILLed holder leaves no stale lock', async () => {
    const path = tmp.file('locked.duckdb');
    const holder = await holdWriteLock(path);
    children.push(holder.child);

    const err = await openDuckDbWarehouse(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseLockedError);
    expect((err as Error).message).toBe(
      `the warehouse ${path} is in use by another process (pid ${holder.child.pid}): wait for the running claude-ingest to finish or use another --warehouse`,
    );
    await expect(openDuckDbWarehouse(path, { readOnly: true })).rejects.toThrow(WarehouseLockedError);

    // With lockWaitMs the open waits for the holder to go away, here by SIGKILL.
    const started = Date.now();
    setTimeout(() => holder.child.kill('SIGKILL'), 400);
    const wh = await openDuckDbWarehouse(path, { lockWaitMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await wh.init();
    await wh.close();

    // close() releases the lock at once: another process can take it.
    const next = await holdWriteLock(path);
    children.push(next.child);
    await next.release();
  });
});

describe('SIGKILL during a write', () => {
  const OLD_ROWS = 7_000;
  const NEW_ROWS = 100_000;

  async function seed(path: string): Promise<void> {
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: { from: '2024-12-31', to: '2024-12-31' }, ledger: ledger({ runId: 'outside', windowStart: '2024-12-31', windowEnd: '2024-12-31' }) }, (sink) =>
      sink.append('claude_usage_keys', [usageRow('2024-12-31', 1)]),
    );
    await wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: { from: '2025-01-01', to: '2025-01-07' }, ledger: ledger({ runId: 'old' }) }, (sink) =>
      sink.append('claude_usage_keys', Array.from({ length: OLD_ROWS }, (_, i) => usageRow(`2025-01-0${1 + (i % 7)}`, i))),
    );
    await wh.close();
  }

  /** Either the old window or the new one, whole, with a matching ledger; never both, never half. */
  async function inspect(path: string): Promise<'old' | 'new'> {
    const wh = await openDuckDbWarehouse(path);
    try {
      await wh.init();
      const byRun = await wh.query('SELECT run_id, count(*) AS n, count(DISTINCT activity_date) AS days FROM claude_usage_keys GROUP BY run_id ORDER BY run_id');
      const inWindow = byRun.filter((r) => r.run_id !== 'outside');
      expect(byRun.find((r) => r.run_id === 'outside')).toEqual({ run_id: 'outside', n: 1, days: 1 });
      expect(inWindow).toHaveLength(1);
      const [only] = inWindow;
      const state = only!.run_id as 'old' | 'new';
      expect(only).toEqual({ run_id: state, n: state === 'old' ? OLD_ROWS : NEW_ROWS, days: 7 });
      const windows = await wh.listWindows({ stream: 'usage' });
      const latest = windows.find((w) => w.windowStart === '2025-01-01');
      expect(latest).toMatchObject({ runId: state, status: 'ok', rows: state === 'old' ? OLD_ROWS : NEW_ROWS });
      return state;
    } finally {
      await wh.close();
    }
  }

  const CHILD = ['--import', 'tsx', 'test/warehouse/fixtures/writer-child.ts'];

  it('keeps the old window when killed mid-fill, and one whole window when killed as the commit starts', async () => {
    const outcomes: string[] = [];
    for (const [i, when] of (['FILLING', 'FILLED', 'FILLED+60'] as const).entries()) {
      const path = tmp.file(`kill-${i}.duckdb`);
      await seed(path);
      const writer = spawnChild([...CHILD, path, 'new', String(NEW_ROWS)]);
      const [line, delay] = when.split('+') as [string, string | undefined];
      await writer.waitFor(line);
      if (delay) await new Promise((r) => setTimeout(r, Number(delay)));
      writer.child.kill('SIGKILL');
      await writer.exited;
      const state = await inspect(path);
      if (when === 'FILLING') expect(state).toBe('old');
      outcomes.push(`${when}:${state}${writer.lines.includes('COMMITTED') ? '(committed)' : ''}`);
    }
    console.log(`outcomes after SIGKILL: ${outcomes.join(', ')}`);
  });

  it('shows the new window when the writer finishes', async () => {
    const path = tmp.file('finish.duckdb');
    await seed(path);
    const writer = spawnChild([...CHILD, path, 'new', String(NEW_ROWS)]);
    await writer.exited;
    expect(writer.lines).toContain('COMMITTED');
    expect(await inspect(path)).toBe('new');
  });
});
