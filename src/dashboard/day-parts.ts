/**
 * Day-grain query rows kept per calendar month beside a DuckDB file (FILE.dayparts.json), so the
 * first dashboard start after a daily `run` reads only the months the run rewrote (issue 31,
 * docs/dashboard.md "What is kept"). A day-grain query gives rows that each belong to one day and
 * come ordered by day first (the spend grid, Claude Code per day, cost per product per day): its
 * rows for a range are the rows of the range's months, one after another, so each month's part
 * can be kept and reused while that month's rows are the same.
 *
 * What keeps a part exact: it is filed under the query, its filter with the month's part of the
 * range, and a fingerprint of every day of that month in every table the query reads — the day
 * prints of FILE.dayprints.json (day-prints.ts: a row count and an XOR of a hash of every column
 * per day, carried through this program's writes, every day a writer touched marked stale and read
 * again, and void as a whole after any write the store cannot follow). A part whose fingerprint is
 * not the month's now is computed again from the base table, and nothing is added across days:
 * each row is the query's own row for its day. Where there are no day prints (BigQuery, a file a
 * writer holds) the query runs over the whole range as before.
 *
 * The prints used here hash every column of the table and are kept per calendar month (their own
 * keys in the prints file), so a new day or a rewritten window costs a scan of those days only.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ReportFilter } from '../reports/filter.js';
import { addDays, eachDay, monthOf, type DayRange, type IsoDay } from '../util/dates.js';
import { writeSideFile } from '../util/side-file.js';
import { parseWarehouseUrl } from '../warehouse/open-warehouse.js';
import { codeStamp } from './kept-answers.js';
import { TABLES, type TableName } from '../warehouse/tables.js';
import type { DayPrint, DayPrintStore, Warehouse } from '../warehouse/warehouse.js';

const FORMAT = 1;
/** Parts kept at most (the newest used): the default view keeps about 40 (three queries × 13 months). */
const MAX_PARTS = 2000;

export function dayPartsFile(path: string): string {
  return `${path}.dayparts.json`;
}

interface Part {
  print: string;
  rows: unknown[];
}

interface Stored {
  format: number;
  code: string;
  parts: Record<string, Part>;
}

function isPart(v: unknown): v is Part {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return typeof p.print === 'string' && Array.isArray(p.rows) && p.rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r));
}

/** The calendar months a range touches, each as its part of the range and the whole month. */
export function monthParts(range: DayRange): Array<{ part: DayRange; month: DayRange }> {
  const out: Array<{ part: DayRange; month: DayRange }> = [];
  let day = range.from;
  while (day <= range.to) {
    const m = monthOf(day);
    out.push({ part: { from: day, to: m.last < range.to ? m.last : range.to }, month: { from: m.first, to: m.last } });
    day = addDays(m.last, 1);
  }
  return out;
}

/** Runs of adjacent months, so the months to compute again are read with as few queries as possible. */
function runsOf<T extends { part: DayRange }>(items: T[]): T[][] {
  const runs: T[][] = [];
  for (const it of items) {
    const last = runs.at(-1);
    if (last && addDays(last.at(-1)!.part.to, 1) === it.part.from) last.push(it);
    else runs.push([it]);
  }
  return runs;
}

/** The day-print store's key for one table's prints of one calendar month (every column hashed). */
function printKey(table: TableName, month: DayRange): string {
  return JSON.stringify(['dashboard-month', table, TABLES[table].columns.map((c) => c.name), month.from]);
}

/**
 * Per table, day prints of whole calendar months (every column hashed), kept in the warehouse's
 * day-print store under keys of their own: only the days a writer marked stale, and months never
 * printed, are read.
 */
async function monthPrints(wh: Warehouse, store: DayPrintStore, table: TableName, months: DayRange[]): Promise<Map<IsoDay, DayPrint>> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const columns = TABLES[table].columns.map((c) => i(c.name));
  const scan = async (days: DayRange) => {
    const rows = await wh.query(
      `SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, COUNT(*) AS ${i('n')}, ${d.rowFingerprint(columns)} AS ${i('print')}
         FROM ${d.table(table)} WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()} GROUP BY 1`,
      [days.from, days.to],
    );
    return new Map(rows.map((r) => [String(r.day).slice(0, 10) as IsoDay, { rows: Number(r.n), print: String(r.print) }]));
  };
  const key = (m: DayRange) => printKey(table, m);
  const prints = new Map<IsoDay, DayPrint>();
  const unknown: Array<{ part: DayRange }> = [];
  for (const m of months) {
    const kept = store.get(key(m), m);
    if (!kept) {
      unknown.push({ part: m });
      continue;
    }
    for (const [day, p] of kept.known) prints.set(day, p);
    for (const day of kept.stale) prints.delete(day);
    if (kept.stale.length === 0) continue;
    const stale = { from: kept.stale[0]!, to: kept.stale.at(-1)! };
    const fresh = await scan(stale);
    store.put(key(m), table, stale, fresh);
    for (const day of eachDay(stale.from, stale.to)) {
      const p = fresh.get(day);
      if (p) prints.set(day, p);
      else prints.delete(day);
    }
  }
  // Months never printed: one scan per run of adjacent months (the first start reads the year once).
  for (const run of runsOf(unknown)) {
    const fresh = await scan({ from: run[0]!.part.from, to: run.at(-1)!.part.to });
    for (const { part } of run) {
      const inMonth = new Map([...fresh].filter(([day]) => day >= part.from && day <= part.to));
      store.put(key(part), table, part, inMonth);
      for (const [day, p] of inMonth) prints.set(day, p);
    }
  }
  return prints;
}

export class DayParts {
  private loaded: Map<string, Part> | undefined;
  private changed = false;
  /** Day-print stores whose prints were read or put since the last save (each saves only while its file is unchanged). */
  private readonly stores = new Set<DayPrintStore>();
  private timer: NodeJS.Timeout | undefined;
  /** Month prints being read, per store (one store per open DuckDB instance) and table/month. */
  private readonly printing = new WeakMap<DayPrintStore, Map<string, Promise<Map<IsoDay, DayPrint>>>>();

  /**
   * @param path the DuckDB file
   * @param code a stamp of the compiled code (kept-answers.ts's codeStamp): parts of other code are not used
   */
  constructor(
    private readonly path: string,
    private readonly code: string,
  ) {}

  /** For a DuckDB warehouse URL; undefined for BigQuery (no day prints: its queries run as they are). */
  static of(warehouseUrl: string): DayParts | undefined {
    const target = parseWarehouseUrl(warehouseUrl);
    return target.kind === 'duckdb' ? new DayParts(target.path, codeStamp()) : undefined;
  }

  private parts(): Map<string, Part> {
    if (this.loaded) return this.loaded;
    this.loaded = new Map();
    try {
      const stored = JSON.parse(readFileSync(dayPartsFile(this.path), 'utf8')) as Stored;
      if (stored.format === FORMAT && stored.code === this.code && typeof stored.parts === 'object' && stored.parts !== null) {
        for (const [k, p] of Object.entries(stored.parts)) if (isPart(p)) this.loaded.set(k, p);
      }
    } catch {
      // None kept, or unreadable: every month is computed.
    }
    return this.loaded;
  }

  private prints(wh: Warehouse, store: DayPrintStore, table: TableName, month: DayRange): Promise<Map<IsoDay, DayPrint>> {
    let byKey = this.printing.get(store);
    if (!byKey) this.printing.set(store, (byKey = new Map()));
    const k = `${table}\u0000${month.from}`;
    let p = byKey.get(k);
    if (!p) {
      p = monthPrints(wh, store, table, [month]);
      byKey.set(k, p);
      p.catch(() => byKey.delete(k));
    }
    return p;
  }

  /** The range's months, each with its key, its fingerprint now and what is kept under them (if anything). */
  private async plan(wh: Warehouse, store: DayPrintStore, name: string, tables: readonly TableName[], f: ReportFilter) {
    const months = monthParts(f);
    // Every month's prints first (the first ever start reads each table's months in one scan).
    const byTable = await Promise.all(
      tables.map(async (t) => {
        const unknown = months.filter((m) => !store.get(printKey(t, m.month), m.month));
        if (unknown.length > 1) {
          const all = monthPrints(wh, store, t, unknown.map((m) => m.month));
          for (const m of unknown) this.seed(store, t, m.month, all);
        }
        return Promise.all(months.map((m) => this.prints(wh, store, t, m.month)));
      }),
    );
    const parts = this.parts();
    return months.map((m, mi) => {
      const days = eachDay(m.part.from, m.part.to);
      const print = createHash('sha256')
        .update(JSON.stringify(tables.map((_, ti) => days.map((day) => {
          const p = byTable[ti]![mi]!.get(day);
          return p ? [p.rows, p.print] : null;
        }))))
        .digest('base64');
      const key = JSON.stringify([name, { ...f, from: m.part.from, to: m.part.to }]);
      const kept = parts.get(key);
      return { ...m, key, print, rows: kept && kept.print === print ? kept.rows : undefined };
    });
  }

  private keep(key: string, print: string, rows: unknown[]): void {
    const parts = this.parts();
    parts.delete(key);
    parts.set(key, { print, rows });
    this.changed = true;
  }

  /** Moves what a plan used to the end: the least recently used parts are the ones dropped when there are too many. */
  private touch(keys: string[]): void {
    const parts = this.parts();
    for (const k of keys) {
      const kept = parts.get(k);
      if (kept) {
        parts.delete(k);
        parts.set(k, kept);
      }
    }
  }

  /**
   * The rows `compute` gives for `f`, month by month: kept months whose fingerprint is unchanged,
   * the others computed (adjacent ones in one query) and kept. `dayOf` names a row's day; the
   * query must group by day and order by day first.
   */
  async rows<T extends object>(wh: Warehouse, name: string, tables: readonly TableName[], f: ReportFilter, dayOf: (row: NoInfer<T>) => string, compute: (f: ReportFilter) => Promise<T[]>, check?: (f: ReportFilter) => unknown): Promise<T[]> {
    // A filter the query refuses is refused before anything is read, as the query alone would (the same error first).
    check?.(f);
    const store = wh.dayPrints?.();
    if (!store || f.from > f.to) return compute(f);
    const plan = await this.plan(wh, store, name, tables, f);
    for (const run of runsOf(plan.filter((p) => !p.rows))) {
      const rows = await compute({ ...f, from: run[0]!.part.from, to: run.at(-1)!.part.to });
      for (const p of run) {
        p.rows = rows.filter((r) => {
          const day = dayOf(r).slice(0, 10);
          return day >= p.part.from && day <= p.part.to;
        });
        this.keep(p.key, p.print, p.rows);
      }
    }
    this.touch(plan.map((p) => p.key));
    this.stores.add(store);
    // A caller may change its rows: each gets its own copies.
    return plan.flatMap((p) => (p.rows as T[]).map((r) => ({ ...r })));
  }

  /**
   * `compute`'s answer for each month's part of `f` (kept where the month's fingerprint is unchanged,
   * else computed, one query per month): the caller combines them (exact sums, unions of sets). Null
   * where there are no day prints: the caller computes over the whole range.
   */
  async monthly<P extends object>(wh: Warehouse, name: string, tables: readonly TableName[], f: ReportFilter, compute: (f: ReportFilter) => Promise<P>): Promise<P[] | null> {
    const store = wh.dayPrints?.();
    if (!store || f.from > f.to) return null;
    const plan = await this.plan(wh, store, name, tables, f);
    await Promise.all(
      plan
        .filter((p) => !p.rows)
        .map(async (p) => {
          p.rows = [await compute({ ...f, from: p.part.from, to: p.part.to })];
          this.keep(p.key, p.print, p.rows);
        }),
    );
    this.touch(plan.map((p) => p.key));
    this.stores.add(store);
    return plan.map((p) => structuredClone(p.rows![0] as P));
  }

  private seed(store: DayPrintStore, table: TableName, month: DayRange, all: Promise<Map<IsoDay, DayPrint>>): void {
    let byKey = this.printing.get(store);
    if (!byKey) this.printing.set(store, (byKey = new Map()));
    const k = `${table}\u0000${month.from}`;
    if (byKey.has(k)) return;
    const p = all.then((m) => new Map([...m].filter(([day]) => day >= month.from && day <= month.to)));
    byKey.set(k, p);
    p.catch(() => byKey.delete(k));
  }

  /** save() a moment later, once for the answers computed together. */
  saveSoon(): void {
    this.timer ??= setTimeout(() => void this.save(), 50);
    this.timer.unref();
  }

  /** Keeps the parts (and the month prints) for the next start (best effort, each file written whole or not at all). */
  async save(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const stores = [...this.stores];
    this.stores.clear();
    // A store saves only if its file is in the state its prints were read in (day-prints.ts).
    for (const store of stores) await store.save();
    if (!this.changed || !this.loaded) return;
    const entries = [...this.loaded].slice(-MAX_PARTS);
    try {
      writeSideFile(dayPartsFile(this.path), JSON.stringify({ format: FORMAT, code: this.code, parts: Object.fromEntries(entries) } satisfies Stored), this.path);
      this.changed = false;
    } catch {
      // Not kept: computed again at the next start.
    }
  }
}

/** `compute`'s rows for `f`, month by month through `parts` (see DayParts.rows); without parts, as they are. */
export function keptByDay<T extends object>(
  parts: DayParts | undefined,
  wh: Warehouse,
  name: string,
  tables: readonly TableName[],
  f: ReportFilter,
  dayOf: (row: NoInfer<T>) => string,
  compute: (f: ReportFilter) => Promise<T[]>,
  check?: (f: ReportFilter) => unknown,
): Promise<T[]> {
  return parts ? parts.rows(wh, name, tables, f, dayOf, compute, check) : compute(f);
}
