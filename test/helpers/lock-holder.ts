/** Another process holding a DuckDB file's write lock, as a running ingest does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The instance is kept reachable: a garbage-collected instance closes its database and lets the lock
// go (seen in CI). The collection is forced before "locked", so a holder that would lose its lock
// fails every run, not one in many.
const HOLD_LOCK = `const { DuckDBInstance } = await import('@duckdb/node-api');
const db = await DuckDBInstance.create(process.env.LOCK_FILE);
const conn = await db.connect();
await conn.run('SELECT 1');
globalThis.heldLock = [db, conn];
setTimeout(() => {
  globalThis.gc();
  process.stdout.write('locked\\n');
}, 0);
setInterval(() => {}, 1000);`;

/** Resolves once the child holds the lock; release() SIGKILLs it and waits for it to be gone. */
export async function holdWriteLock(file: string): Promise<{ child: ChildProcess; release(): Promise<void> }> {
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', HOLD_LOCK], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOCK_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((ok, fail) => {
    let err = '';
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && ok());
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (c) => fail(new Error(`lock holder exited ${c}: ${err}`)));
  });
  return {
    child,
    release: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGKILL');
      }),
  };
}
