/**
 * Opening a DuckDB file: error translation (lock held, not a DuckDB file, unwritable path), waiting
 * for a lock, and one shared instance per file per process.
 *
 * DuckDB's file lock is a POSIX lock, which is per process: a second DuckDBInstance on the same file
 * in the same process would not be stopped by it and the two would corrupt each other. So instances
 * are shared by resolved path and reference-counted, and all writers of a file share one mutex.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from './driver.js';
import { WarehouseError, WarehouseLockedError } from '../warehouse.js';
import { compactRowGroups, ROW_GROUP_ROWS } from './compaction.js';
import { Mutex } from './mutex.js';
import { DayPrintFile } from './day-prints.js';

export interface OpenOptions {
  readOnly?: boolean;
  /** How long to keep retrying while another process holds the file (0: fail at once). */
  lockWaitMs?: number;
  /** Told once, when the file is found held and the open starts waiting (a silent wait looks like a hang). */
  onLockWait?: (holder: string) => void;
  /** How many windows a writer keeps open at once (its --concurrency); sizes DuckDB's memory. */
  openWindows?: number;
}

const LOCK_RETRY_MS = 200;

export class SharedInstance {
  /** Serializes every write transaction on this file from this process. */
  readonly writeMutex = new Mutex();
  private refs = 0;
  /** Rows committed by this process's writers: a bulk write gets its row groups compacted on close. */
  private rowsCommitted = 0;
  private readonly idle: DuckDBConnection[] = [];
  private closed = false;
  /** Set when the file failed a read check: every later use in this process is refused with it. */
  damaged: Error | null = null;
  /**
   * Kept day fingerprints (day-prints.ts). A writer reads them as it opens the file, marks what it
   * writes and stamps them as it closes; a reader reads them once and keeps what it reads.
   */
  dayPrints: DayPrintFile | undefined;

  constructor(
    readonly key: string,
    readonly instance: DuckDBInstance,
    readonly readOnly: boolean,
  ) {}

  retain(): this {
    this.refs++;
    return this;
  }

  /** A connection from the pool. Connections are cheap in DuckDB; the pool just avoids churn. */
  async acquire(): Promise<DuckDBConnection> {
    if (this.closed) throw new WarehouseError('the warehouse is closed');
    return this.idle.pop() ?? (await this.instance.connect());
  }

  release(conn: DuckDBConnection): void {
    if (this.closed) conn.closeSync();
    else this.idle.push(conn);
  }

  /** Closes the connection instead of pooling it, e.g. after an error left it in an unknown state. */
  discard(conn: DuckDBConnection): void {
    conn.closeSync();
  }

  noteCommitted(rows: number): void {
    this.rowsCommitted += rows;
  }

  /** Returns true once the last user released it and the file lock is gone. */
  async unref(): Promise<boolean> {
    this.refs--;
    if (this.refs > 0) return false;
    this.closed = true;
    // A damaged file gets no closing checkpoint or compaction: nothing more is written to it (what
    // this process committed before the damage showed stays in the WAL beside it).
    if (!this.readOnly && !this.damaged) await this.closingCheckpoint();
    if (!this.readOnly && this.damaged) await this.skipShutdownCheckpoint();
    for (const conn of this.idle.splice(0)) conn.closeSync();
    try {
      const prints = !this.readOnly && !this.damaged ? this.dayPrints : undefined;
      if (prints) prints.closeWriter(() => this.instance.closeSync());
      else this.instance.closeSync();
    } catch (err) {
      // Already reported as damaged: the close's own complaint about it adds nothing.
      if (!this.damaged) throw err;
    } finally {
      registry.delete(this.key);
    }
    return true;
  }

  /**
   * The writer runs on one DuckDB thread (see writerSettings), but the checkpoint that folds the
   * run's WAL into the file on close compresses every row group the run wrote, and that is where a
   * daily run spent a third of its time: on a one-year large warehouse 1.9 s of 5.4 s on one thread,
   * 1.4 s on two (measured, docs/performance.md). After a bulk write the row groups are compacted
   * too (compaction.ts). Best effort: if it fails, closing checkpoints again and reports the error
   * as before; a compaction left undone only leaves work for the next checkpoint.
   */
  private async skipShutdownCheckpoint(): Promise<void> {
    try {
      const conn = await this.instance.connect();
      try {
        await conn.run('PRAGMA disable_checkpoint_on_shutdown');
      } finally {
        conn.closeSync();
      }
    } catch {
      // Best effort: the damage is already reported.
    }
  }

  private async closingCheckpoint(): Promise<void> {
    const conn = this.idle.pop() ?? (await this.instance.connect());
    try {
      await conn.run('SET threads = 2');
      await conn.run('CHECKPOINT');
      if (this.rowsCommitted >= ROW_GROUP_ROWS) await compactRowGroups(conn);
    } catch {
      // closeSync() below checkpoints too and throws what went wrong.
    } finally {
      conn.closeSync();
    }
  }
}

const registry = new Map<string, SharedInstance>();
/**
 * DuckDB checkpoints the WAL into the file once it passes 16 MB, which in a backfill means after
 * nearly every window commit: measured, that tripled commit time. With a larger threshold the WAL
 * is folded in less often (and always on close); a crash only means a longer WAL replay on open.
 *
 * DuckDB's memory_limit defaults to 80% of the machine's RAM, and its buffer pool then keeps what it
 * wrote cached: a one-year large-org backfill peaked at 0.8 GB RSS. An ingest streams, so 16 MB per
 * open window, at least 64 MB (spilling to <file>.tmp beyond it), costs no measurable time. At 4 MB
 * per open window (32 MB, 8 windows) a commit could not pin a block and DuckDB invalidated the
 * database; 16 MB each is safe. 10 MB each (40 MB for 4 windows) failed Analytics API windows of the
 * one-year large backfill with "failed to pin block" (docs/performance.md, Round 14).
 *
 * One DuckDB thread for the writer: the windows already run side by side in the process, and every
 * extra DuckDB thread keeps buffers of its own (measured: -21 MB peak RSS on a one-year large-org
 * backfill, wall time unchanged). Read-only opens (reports, dashboard) keep DuckDB's defaults.
 */
export function writerMemoryLimit(openWindows = 8): string {
  return `${Math.max(64, 16 * Math.max(1, Math.ceil(openWindows)))}MB`;
}

function writerSettings(openWindows: number | undefined): Record<string, string> {
  return { checkpoint_threshold: '256MB', memory_limit: writerMemoryLimit(openWindows), threads: '1' };
}

// Opening is serialized so two concurrent opens of one file cannot both create an instance.
const openMutex = new Mutex();

function registryKey(absPath: string): string {
  try {
    return realpathSync(absPath);
  } catch {
    return absPath;
  }
}

function lockHolderPid(message: string): string | undefined {
  return /\(PID (\d+)\)/i.exec(message)?.[1];
}

function translate(err: unknown, path: string, readOnly: boolean, existed: boolean): WarehouseError {
  const message = err instanceof Error ? err.message : String(err);
  if (/Could not set lock on file/i.test(message)) {
    const pid = lockHolderPid(message);
    return new WarehouseLockedError(
      `the warehouse ${path} is in use by another process${pid ? ` (pid ${pid})` : ''}: wait for the running claude-ingest to finish or use another --warehouse`,
    );
  }
  if (/not a valid DuckDB database file/i.test(message)) {
    return new WarehouseError(
      `${path} is not a DuckDB database (or is damaged): point --warehouse at a .duckdb file claude-ingest created, or at a new path`,
    );
  }
  if (readOnly && !existed) {
    return new WarehouseError(`there is no warehouse at ${path}: run an ingest first or check --warehouse`);
  }
  const reason = message.replace(/^IO Error:\s*/, '');
  return existed
    ? new WarehouseError(`cannot open the warehouse at ${path}: ${reason}`)
    : new WarehouseError(`cannot create the warehouse at ${path}: ${reason}; check the path or pass --warehouse`);
}

export function openShared(path: string, opts: OpenOptions = {}): Promise<SharedInstance> {
  return openMutex.run(() => openSharedNow(path, opts));
}

async function openSharedNow(path: string, opts: OpenOptions): Promise<SharedInstance> {
  const readOnly = opts.readOnly ?? false;
  const abs = resolve(path);
  const key = registryKey(abs);
  const shared = registry.get(key);
  if (shared) {
    if (shared.readOnly && !readOnly) {
      throw new WarehouseLockedError(
        `the warehouse ${path} is already open read-only in this process: close it before opening it for writing`,
      );
    }
    return shared.retain();
  }

  const deadline = Date.now() + Math.max(0, opts.lockWaitMs ?? 0);
  let waiting = false;
  for (;;) {
    const existed = existsSync(abs);
    try {
      const instance = await DuckDBInstance.create(abs, readOnly ? { access_mode: 'READ_ONLY' } : writerSettings(opts.openWindows));
      const created = new SharedInstance(key, instance, readOnly).retain();
      // Read while this process holds the file: a writer carries them through its writes (day-prints.ts).
      created.dayPrints = DayPrintFile.load(abs);
      registry.set(key, created);
      return created;
    } catch (err) {
      const translated = translate(err, path, readOnly, existed);
      if (!(translated instanceof WarehouseLockedError) || Date.now() + LOCK_RETRY_MS > deadline) throw translated;
      if (!waiting) {
        waiting = true;
        const pid = lockHolderPid(err instanceof Error ? err.message : String(err));
        opts.onLockWait?.(pid ? `pid ${pid}` : 'another process');
      }
      await sleep(LOCK_RETRY_MS);
    }
  }
}
