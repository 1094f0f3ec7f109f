/**
 * Day fingerprints kept beside a DuckDB file (FILE.dayprints.json), so a validate or the dashboard's
 * health need not hash every row of the year again when the rows are the same (docs/performance.md,
 * Round 12). What keeps it a proof: the file is stamped with the warehouse's state when its prints
 * were read — a stat of the file and its WAL (size, inode, and modification and change times to
 * the nanosecond): a commit appends to the WAL and a checkpoint rewrites the file, so any committed
 * write by any process (an ingest, a row planted or edited by hand with SQL, another tool) changes
 * the stamp. Never an open of the file: closing any descriptor of a file drops every POSIX lock this
 * process holds on it, DuckDB's included, which let a second writer in. A stamp that differs from
 * the file's now means nothing kept is used: every day is hashed again.
 *
 * A writer of this program carries the prints through its own writes: it reads them while it holds
 * the file's lock (nobody else can write), marks stale every day of every table it writes
 * (replaceWindow's days; a whole table for a snapshot or ledger table; everything for a migration or
 * an organization attribution), and after its closing checkpoint stamps them with the new state, if
 * the file did not change again between the checkpoint and the lock's release. So a daily `run`
 * leaves exactly its windows' days to hash again.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { eachDay, type DayRange, type IsoDay } from '../../util/dates.js';
import { writeSideFile } from '../../util/side-file.js';
import type { DayPrint, DayPrintStore, KeptDayPrints } from '../warehouse.js';

const FORMAT = 1;

export function dayPrintsFile(path: string): string {
  return `${path}.dayprints.json`;
}

/** The state the prints are stamped with: a stat (never an open, see above) of the file and its WAL, to the nanosecond. */
export function stateStamp(path: string): string {
  const stamp = (file: string) => {
    try {
      const st = statSync(file, { bigint: true });
      return `${st.size}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch {
      return '-';
    }
  };
  return `${stamp(path)}|${stamp(`${path}.wal`)}`;
}

interface Entry {
  table: string;
  from: IsoDay;
  to: IsoDay;
  /** day → [rows, print]; a day of from..to absent here holds no rows. */
  days: Record<string, [number, string]>;
  /** Days of from..to whose rows a writer changed since: read again. */
  stale: IsoDay[];
}

interface Stored {
  format: number;
  stamp: string;
  entries: Record<string, Entry>;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isEntry(v: unknown): v is Entry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  if (typeof e.table !== 'string' || typeof e.from !== 'string' || typeof e.to !== 'string' || !DAY.test(e.from) || !DAY.test(e.to)) return false;
  if (!Array.isArray(e.stale) || !e.stale.every((d) => typeof d === 'string' && DAY.test(d))) return false;
  if (typeof e.days !== 'object' || e.days === null || Array.isArray(e.days)) return false;
  return Object.entries(e.days as Record<string, unknown>).every(
    ([day, p]) => DAY.test(day) && Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'string',
  );
}

/** The kept prints of one file, as read (empty when its stamp is not the file's state now). */
export class DayPrintFile implements DayPrintStore {
  private changed = false;

  private constructor(
    private readonly path: string,
    /** The state the entries describe: the file's state when they were read. */
    private stamp: string,
    private entries: Record<string, Entry>,
  ) {}

  /** Reads the kept prints; entries only when their stamp is the file's state now. */
  static load(path: string): DayPrintFile {
    const stamp = stateStamp(path);
    const entries: Record<string, Entry> = {};
    try {
      const stored = JSON.parse(readFileSync(dayPrintsFile(path), 'utf8')) as Stored;
      if (stored.format === FORMAT && stored.stamp === stamp && stored.entries && typeof stored.entries === 'object') {
        // An entry of another shape (edited by hand, a bug of another version) is dropped: its days are read again.
        for (const [key, e] of Object.entries(stored.entries)) if (isEntry(e)) entries[key] = e;
      }
    } catch {
      // None kept, or unreadable: every day is read.
    }
    return new DayPrintFile(path, stamp, entries);
  }

  get(key: string, range: DayRange): KeptDayPrints | undefined {
    const e = this.entries[key];
    if (!e || range.from < e.from || range.to > e.to) return undefined;
    const stale = new Set(e.stale.filter((d) => d >= range.from && d <= range.to));
    const known = new Map<IsoDay, DayPrint>();
    for (const [day, [rows, print]] of Object.entries(e.days)) {
      if (day >= range.from && day <= range.to && !stale.has(day as IsoDay)) known.set(day as IsoDay, { rows, print });
    }
    return { known, stale: [...stale].sort() };
  }

  put(key: string, table: string, range: DayRange, prints: ReadonlyMap<IsoDay, DayPrint>): void {
    const e = this.entries[key];
    const inside = e && range.from >= e.from && range.to <= e.to;
    const next: Entry = inside ? e : { table, from: range.from, to: range.to, days: {}, stale: [] };
    for (const day of eachDay(range.from, range.to)) {
      const p = prints.get(day);
      if (p) next.days[day] = [p.rows, p.print];
      else delete next.days[day];
    }
    next.stale = next.stale.filter((d) => d < range.from || d > range.to);
    this.entries[key] = next;
    this.changed = true;
  }

  /** A writer of this program changed these tables' rows on these days (all days: no range). */
  markWritten(tables: readonly string[], days?: DayRange): void {
    for (const e of Object.values(this.entries)) {
      if (!tables.includes(e.table)) continue;
      if (!days) {
        e.from = '9999-12-31' as IsoDay; // covers nothing: read again
        e.to = '0000-01-01' as IsoDay;
        e.days = {};
        e.stale = [];
      } else {
        const from = days.from > e.from ? days.from : e.from;
        const to = days.to < e.to ? days.to : e.to;
        if (from <= to) e.stale = [...new Set([...e.stale, ...eachDay(from, to)])];
      }
      this.changed = true;
    }
  }

  /** Everything is read again (a write this store cannot follow). */
  forget(): void {
    this.entries = {};
    this.changed = true;
  }

  /**
   * Stores the prints under their stamp if the file is still in the state they describe (a reader
   * holds the file, so it is). Best effort: a directory that cannot be written only costs the next
   * reader a full read.
   */
  async save(): Promise<void> {
    if (!this.changed || stateStamp(this.path) !== this.stamp) return;
    this.write(this.stamp);
  }

  /**
   * A writer's closing step: `close` checkpoints and releases the file; the prints are stamped with
   * the state after it, provided the state after the checkpoint and after the release are the same
   * (no other process wrote in between). Otherwise the file is removed.
   */
  closeWriter(close: () => void): void {
    const before = stateStamp(this.path);
    close();
    const after = stateStamp(this.path);
    if (before === after) this.write(after);
    else forgetFile(dayPrintsFile(this.path));
  }

  private write(stamp: string): void {
    try {
      writeSideFile(dayPrintsFile(this.path), JSON.stringify({ format: FORMAT, stamp, entries: this.entries } satisfies Stored), this.path);
      this.stamp = stamp;
      this.changed = false;
    } catch {
      // Best effort: proofs not kept are proved again by the next validate.
    }
  }
}

/** Best effort: a file left behind has a stamp no later state matches, so it is never used. */
function forgetFile(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Nothing more to do.
  }
}
