/**
 * The default view's answers kept beside a DuckDB file (FILE.dashboard.json), so a dashboard started
 * again on a warehouse nothing wrote since serves them at once instead of running the year's queries
 * again (docs/performance.md, Round 13). They are the exact text the server computed, so an answer
 * served from here is byte-identical to a fresh one while the key is the same: the file's state
 * stamp (a stat of the file and its WAL to the nanosecond, day-prints.ts's stateStamp: never an open,
 * which would drop DuckDB's lock held by this process), the day the answers were computed for, the
 * options that shape them (the alerts and allocation sections, the calendar) and the code that
 * computed them (version and the compiled modules' stats). Anything else — another stamp, an
 * unreadable or misshapen file — is ignored and the answers are computed as before; a file that
 * cannot be written (a read-only directory) is not an error either.
 *
 * What this does not do: make the first start after an ingest fast (the ingest changed the stamp).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Calendar } from '../util/calendar.js';
import type { IsoDay } from '../util/dates.js';
import { writeSideFile } from '../util/side-file.js';
import { stateStamp } from '../warehouse/duckdb/day-prints.js';
import { localTodayOf } from './api-local.js';
import { parseWarehouseUrl } from '../warehouse/open-warehouse.js';

const FORMAT = 1;

/**
 * The day answers are kept under (in memory and here): UTC today, and in a zone the local today too,
 * which can change within one UTC day (Auckland's at 11:00 UTC), so a month to date or a picker's
 * "today" never comes from the local day before.
 */
export function answersDay(utcToday: IsoDay, cal: Calendar | undefined): string {
  return cal ? `${utcToday}/${localTodayOf(cal, utcToday)}` : utcToday;
}

export function keptAnswersFile(path: string): string {
  return `${path}.dashboard.json`;
}

/**
 * The code the answers came from: the newest modification time and the count of the program's
 * modules (src/ under tsx, dist/src/ when built), so any rebuild or edit voids what was kept.
 */
let stampOfCode: string | undefined;

export function codeStamp(): string {
  return (stampOfCode ??= readCodeStamp());
}

function readCodeStamp(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  let newest = 0n;
  let count = 0;
  try {
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const st = statSync(join(entry.parentPath, entry.name), { bigint: true });
      if (st.mtimeNs > newest) newest = st.mtimeNs;
      count++;
    }
  } catch {
    return String(Math.random());
  }
  return `${count}:${newest}`;
}

interface Stored {
  format: number;
  key: string;
  stamp: string;
  answers: Record<string, string>;
}

function isStored(v: unknown): v is Stored {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  if (s.format !== FORMAT || typeof s.key !== 'string' || typeof s.stamp !== 'string') return false;
  if (typeof s.answers !== 'object' || s.answers === null || Array.isArray(s.answers)) return false;
  return Object.values(s.answers).every((a) => typeof a === 'string');
}

export class KeptAnswers {
  private readonly file: string;
  private readonly shape: string;

  /**
   * @param path the DuckDB file
   * @param shape what besides the file and the day shapes the answers (the config sections, the calendar): any JSON
   * @param paths the answers kept (the default view): all of them or none
   */
  constructor(
    private readonly path: string,
    shape: unknown,
    private readonly paths: readonly string[],
  ) {
    this.file = keptAnswersFile(path);
    this.shape = JSON.stringify([shape, codeStamp()]);
  }

  /** For a DuckDB warehouse URL; undefined for BigQuery (nothing to stamp, nothing kept). */
  static of(warehouseUrl: string, shape: unknown, paths: readonly string[]): KeptAnswers | undefined {
    const target = parseWarehouseUrl(warehouseUrl);
    return target.kind === 'duckdb' ? new KeptAnswers(target.path, shape, paths) : undefined;
  }

  private key(today: string): string {
    return JSON.stringify([today, this.shape]);
  }

  /** The file's state now (a stat). */
  stamp(): string {
    return stateStamp(this.path);
  }

  /** The kept answers if they were computed for the file as it is now and under the same key; else null. */
  load(stamp: string, today: string): Map<string, string> | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return null;
    }
    if (!isStored(parsed) || parsed.key !== this.key(today) || parsed.stamp !== stamp) return null;
    const answers = new Map<string, string>();
    for (const p of this.paths) {
      const text = parsed.answers[p];
      if (text === undefined) return null;
      try {
        JSON.parse(text);
      } catch {
        return null;
      }
      answers.set(p, text);
    }
    return answers;
  }

  /** Keeps every default-view answer computed under `stamp`, written whole (rename) or not at all. */
  save(stamp: string, today: string, answers: ReadonlyMap<string, string>): void {
    if (this.paths.some((p) => !answers.has(p))) return;
    const stored: Stored = { format: FORMAT, key: this.key(today), stamp, answers: Object.fromEntries(this.paths.map((p) => [p, answers.get(p)!])) };
    try {
      writeSideFile(this.file, JSON.stringify(stored), this.path);
    } catch {
      // Best effort: answers not kept are computed again at the next start.
    }
  }

  /**
   * Hands over the kept answers if they were computed for the file as it is now (`stamp`, read
   * before the change token the server files them under, and read again after it, so no write
   * slips between); false when there are none to serve.
   */
  async restore(stamp: string, today: string, token: string, readToken: () => Promise<string | undefined>, serve: (path: string, text: string) => void): Promise<boolean> {
    const answers = this.load(stamp, today);
    if (!answers || this.stamp() !== stamp || (await readToken()) !== token) return false;
    for (const [path, text] of answers) serve(path, text);
    return true;
  }

  /** Keeps the answers computed under `token` when nothing wrote the file since `stamp` was read (before the token's answers). */
  async keep(stamp: string, today: string, token: string, readToken: () => Promise<string | undefined>, answerOf: (path: string) => string | undefined): Promise<void> {
    if (this.stamp() !== stamp || (await readToken()) !== token) return;
    const texts = new Map<string, string>();
    for (const p of this.paths) {
      const text = answerOf(p);
      if (text !== undefined) texts.set(p, text);
    }
    this.save(stamp, today, texts);
  }
}
