/**
 * Proofs kept per day, so `validate` proves only what changed. A data check (completeness, cents,
 * duplicates, …) is split in two: facts() reads what each day of a range holds that the verdict
 * needs (the days that differ and by how much, the largest line, the duplicate keys), and judge()
 * turns every day's facts into the same result the whole-range check gave. A day's facts are kept
 * under a fingerprint of that day's rows in every table the check reads (row count and an XOR of a
 * hash of every column of every row, one aggregate scan per table): a day whose fingerprint is
 * unchanged has the same rows, so its facts are the same; a day rewritten by an ingest, or changed
 * any other way (a row planted, deleted or edited by hand), gets a new fingerprint and is proved
 * again. So the verdict is always the whole proof over current rows, computed from fresh facts for
 * changed days and kept facts for the rest. `validate --full` proves every day again.
 *
 * Where they are kept: the validation_proofs table, one row per check and organization (see
 * ProofBook); the dashboard, which only reads, keeps what it proves in memory as well.
 */
import { asIsoDay, eachDay, type DayRange, type IsoDay } from '../util/dates.js';
import { Hash53, hash53 } from '../util/hash53.js';
import { TABLES, type TableName } from '../warehouse/tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { orgAnd, type Check, type CheckContext, type CheckResult } from './check.js';

/** A check whose verdict is built from per-day facts (JSON), so each day's facts can be kept. */
export interface DailyCheck<F = unknown> extends Check {
  daily: {
    /** Dated tables whose rows on a day decide that day's facts. */
    tables: readonly TableName[];
    /**
     * Per table, every column facts() reads (its SELECT, WHERE, GROUP BY, ORDER BY and JOINs, through
     * views too); activity_date and organization_id are always added. A day's fingerprint then hashes
     * only the columns some check reads: a change elsewhere in the row cannot change any facts. A table
     * left out here is hashed whole (always safe). Names are checked against the table.
     */
    columns?: Partial<Record<TableName, readonly string[]>>;
    /**
     * Kept facts that depend on more than `columns` (e.g. duplicates' `extra` of the rows sharing a
     * key): such a day is proved again every time, so the narrower fingerprint stays a proof.
     */
    reprove?(facts: F): boolean;
    /** Changes whenever what facts() records changes (or the SQL it reads through, e.g. a view): kept facts of another version are not used. */
    version: string;
    /** Anything else the facts depend on, read from the warehouse (e.g. a view's SQL as stored): part of every day's fingerprint. */
    salt?(ctx: CheckContext): Promise<string>;
    /** Facts for the days of ctx.range that have any (a day without is a day with nothing to report). */
    facts(ctx: CheckContext): Promise<Map<string, F>>;
    /** The result over ctx.range, from the facts of every day in it. */
    judge(ctx: CheckContext, facts: Map<string, F>): Promise<CheckResult> | CheckResult;
  };
}

/** Builds a DailyCheck whose run() proves the whole range (no kept facts): the same verdict the cached path gives. */
export function dailyCheck<F>(c: { id: string; title: string; daily: DailyCheck<F>['daily'] }): DailyCheck<F> {
  return {
    id: c.id,
    title: c.title,
    daily: c.daily,
    async run(ctx) {
      return c.daily.judge(ctx, await c.daily.facts(ctx));
    },
  };
}

export function isDailyCheck(c: Check): c is DailyCheck {
  return 'daily' in c && typeof (c as DailyCheck).daily === 'object';
}

/** One check's kept facts for one organization: per day, the fingerprint they were proved under and the facts (null: none). */
export interface CheckProofs {
  version: string;
  days: Record<IsoDay, [fingerprint: string, facts: unknown]>;
}

/** The organization key proofs are kept under: '*' for the whole warehouse, '' for rows without an organization. */
export function organizationKey(ctx: CheckContext): string {
  return ctx.organization ? (ctx.organization.id ?? '') : '*';
}

/**
 * Every check's kept proofs, as read from validation_proofs (and, in the dashboard, as proved in
 * memory since). `changed()` lists what a run proved anew, for the caller to store.
 */
export class ProofBook {
  private readonly entries = new Map<string, CheckProofs>();
  private readonly dirty = new Set<string>();
  /** Days proved anew and days reused, over every check, for the caller's report. */
  readonly tally = { proved: 0, reused: 0 };

  /** full: prove every day again (validate --full); what is proved is still kept. */
  constructor(readonly full = false) {}

  static key(checkId: string, organization: string): string {
    return JSON.stringify([organization, checkId]);
  }

  get(checkId: string, organization: string): CheckProofs | undefined {
    return this.entries.get(ProofBook.key(checkId, organization));
  }

  /** Entries as loaded (not to be stored again). */
  load(checkId: string, organization: string, proofs: CheckProofs): void {
    this.entries.set(ProofBook.key(checkId, organization), proofs);
  }

  put(checkId: string, organization: string, proofs: CheckProofs): void {
    const k = ProofBook.key(checkId, organization);
    this.entries.set(k, proofs);
    this.dirty.add(k);
  }

  /** Every entry, loaded or proved. */
  all(): Array<{ organization: string; checkId: string; proofs: CheckProofs }> {
    return [...this.entries].map(([k, proofs]) => {
      const [organization, checkId] = JSON.parse(k) as [string, string];
      return { organization, checkId, proofs };
    });
  }

  /** What was proved anew since the book was read: rows for validation_proofs. */
  changed(): Array<{ organization: string; checkId: string; proofs: CheckProofs }> {
    return [...this.dirty].map((k) => {
      const [organization, checkId] = JSON.parse(k) as [string, string];
      return { organization, checkId, proofs: this.entries.get(k)! };
    });
  }
}

const PROOFS_TABLE = 'validation_proofs';

/** Reads every kept proof into a book. A warehouse written before proofs were kept has none: an empty book. */
export async function readProofBook(wh: Warehouse, full = false): Promise<ProofBook> {
  const book = new ProofBook(full);
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  let rows;
  try {
    rows = await wh.query(`SELECT ${i('organization_key')} AS ${i('organization_key')}, ${i('check_id')} AS ${i('check_id')}, ${i('proofs')} AS ${i('proofs')} FROM ${d.table(PROOFS_TABLE)}`);
  } catch {
    return book; // the table is created by the first write-open of a warehouse made before it existed
  }
  for (const r of rows) {
    try {
      const proofs = JSON.parse(String(r.proofs)) as CheckProofs;
      if (proofs && typeof proofs.version === 'string' && proofs.days && typeof proofs.days === 'object') book.load(String(r.check_id), String(r.organization_key ?? ''), proofs);
    } catch {
      // A row that does not parse is as good as none: its days are proved again.
    }
  }
  return book;
}

/** Stores what the book proved anew (one row per check and organization). The warehouse must be open for writing. */
export async function storeProofBook(wh: Warehouse, book: ProofBook, now = new Date()): Promise<number> {
  if (!wh.upsertLedgerRow) return 0;
  const changed = book.changed();
  for (const c of changed) {
    await wh.upsertLedgerRow(PROOFS_TABLE, { organization_key: c.organization, check_id: c.checkId, proofs: JSON.stringify(c.proofs), proved_at: now.toISOString() });
  }
  return changed.length;
}

/**
 * Per table and day of ctx.range (of the pass's organization), a fingerprint of the day's rows: the
 * row count and an XOR of a hash of every column (the warehouse's rowFingerprint). One aggregate
 * scan per table, computed once per validation pass and shared by the checks.
 */
export class DayFingerprints {
  private readonly byTable = new Map<TableName, Promise<Map<IsoDay, { rows: number; print: string }>>>();

  /** checks: the pass's daily checks, whose declared columns decide what is hashed (none: every column). */
  constructor(
    private readonly ctx: CheckContext,
    private readonly checks: readonly DailyCheck[] = [],
  ) {}

  of(table: TableName): Promise<Map<IsoDay, { rows: number; print: string }>> {
    let p = this.byTable.get(table);
    if (!p) this.byTable.set(table, (p = this.read(table)));
    return p;
  }

  private async read(table: TableName): Promise<Map<IsoDay, { rows: number; print: string }>> {
    const { wh, range } = this.ctx;
    // A reader-optional table a read-only open lacks (allocation-tables.ts) has no rows on any day.
    if (wh.lacks?.(table)) return new Map();
    const d = wh.dialect;
    const i = (n: string) => d.ident(n);
    const org = orgAnd(this.ctx);
    const hashed = fingerprintColumns(table, this.checks);
    const columns = hashed.map(i);
    // The hashed columns are part of the print: kept facts proved under another column set are not reused.
    const tag = hash53(hashed.join(',')).toString(36);
    const scan = async (days: DayRange) => {
      const rows = await wh.query(
        `SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, COUNT(*) AS ${i('n')}, ${d.rowFingerprint(columns)} AS ${i('print')}
           FROM ${d.table(table)} WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql} GROUP BY 1`,
        [days.from, days.to, ...org.params],
      );
      return new Map(rows.map((r) => [asIsoDay(String(r.day)), { rows: Number(r.n), print: `${tag}:${String(r.print)}` }]));
    };
    // Prints kept from an earlier read of the same rows (DuckDB: beside the file, valid only while
    // nothing but this program's tracked writes changed it): only the days written since are read.
    const store = wh.dayPrints?.();
    const key = JSON.stringify([table, hashed, org.sql, org.params]);
    const kept = store?.get(key, range);
    if (!kept) {
      const fresh = await scan(range);
      store?.put(key, table, range, fresh);
      return fresh;
    }
    const prints = new Map(kept.known);
    for (const run of dayRuns(kept.stale)) {
      const fresh = await scan(run);
      store!.put(key, table, run, fresh);
      for (const day of eachDay(run.from, run.to)) {
        const p = fresh.get(day);
        if (p && day >= range.from && day <= range.to) prints.set(day, p);
        else prints.delete(day);
      }
    }
    return prints;
  }

  /** Keeps what this pass read for the next one (where the warehouse keeps prints). */
  async save(): Promise<void> {
    await this.ctx.wh.dayPrints?.()?.save();
  }
}

/**
 * The columns a fingerprint of `table` hashes: the union of what the checks reading it declare
 * (DailyCheck.daily.columns) with activity_date and organization_id; every column when a reader
 * declares nothing for it, or when no check reads it. In the table's column order.
 */
export function fingerprintColumns(table: TableName, checks: readonly DailyCheck[]): string[] {
  const all = TABLES[table].columns.map((c) => c.name);
  const readers = checks.filter((c) => c.daily.tables.includes(table));
  if (readers.length === 0 || readers.some((c) => !c.daily.columns?.[table])) return all;
  const want = new Set(['activity_date', 'organization_id']);
  for (const c of readers) {
    for (const col of c.daily.columns![table]!) {
      if (!all.includes(col)) throw new Error(`internal: check ${c.id} declares column ${col}, which ${table} does not have`);
      want.add(col);
    }
  }
  return all.filter((n) => want.has(n));
}

/** Contiguous runs of days, merged across short gaps: few queries for the usual case (the newest days, a rewritten window). */
export function dayRuns(days: IsoDay[], maxRuns = 4): DayRange[] {
  const sorted = [...days].sort();
  const runs: DayRange[] = [];
  for (const day of sorted) {
    const last = runs.at(-1);
    if (last && eachDay(last.to, day).length <= 8) last.to = day;
    else runs.push({ from: day, to: day });
  }
  // Many scattered days: one pass over their whole span costs less than a query per run.
  return runs.length > maxRuns ? [{ from: sorted[0]!, to: sorted.at(-1)! }] : runs;
}

/**
 * A daily check over ctx.range, reusing the book's kept facts for every day whose fingerprint is
 * unchanged and proving the others, then judging the whole range. The book keeps what was proved.
 */
export async function runDailyCheck(check: DailyCheck, ctx: CheckContext, book: ProofBook, prints: DayFingerprints): Promise<CheckResult> {
  return check.daily.judge(ctx, await provedFacts(check, ctx, book, prints));
}

/**
 * Every day's facts of a daily check over ctx.range: kept facts for the days whose fingerprint is
 * unchanged, fresh ones for the others (which the book keeps). tally: false leaves the book's
 * day-check counts alone (the summary's spend per day is kept this way, and is no check).
 */
export async function provedFacts(check: DailyCheck, ctx: CheckContext, book: ProofBook, prints: DayFingerprints, tally = true): Promise<Map<string, unknown>> {
  const { daily } = check;
  const tables = await Promise.all(daily.tables.map((t) => prints.of(t)));
  const org = organizationKey(ctx);
  const days = eachDay(ctx.range.from, ctx.range.to);
  const salt = daily.salt ? await daily.salt(ctx) : '';
  // hash53 of the text canonicalJson gives for [version, salt, ...each table's print] (a print's keys
  // in sorted order), built by the native JSON.stringify. The head (version and salt, which can hold a
  // view's SQL: kilobytes) is hashed once per check, and each day's prints continue from it: this runs
  // for every day of the range and every check, and hashing the whole text was 10 M characters a pass.
  const head = new Hash53().chars(JSON.stringify([daily.version, salt]).slice(0, -1));
  const fingerprint = (day: IsoDay) => {
    let rest = '';
    for (const t of tables) {
      const p = t.get(day);
      rest += p ? `,${JSON.stringify({ print: p.print, rows: p.rows })}` : ',null';
    }
    return head.fork().chars(`${rest}]`).digest().toString(36);
  };
  const kept = book.get(check.id, org);
  const usable = kept && kept.version === daily.version && !book.full ? kept.days : {};
  const facts = new Map<string, unknown>();
  const stale: IsoDay[] = [];
  const prints1 = new Map<IsoDay, string>();
  for (const day of days) {
    const fp = fingerprint(day);
    prints1.set(day, fp);
    const k = usable[day];
    const found = k?.[1] !== null && k?.[1] !== undefined;
    if (k && k[0] === fp && !(found && daily.reprove?.(k[1]))) {
      if (k[1] !== null && k[1] !== undefined) facts.set(day, k[1]);
    } else stale.push(day);
  }
  if (tally) {
    book.tally.reused += days.length - stale.length;
    book.tally.proved += stale.length;
  }
  if (stale.length > 0) {
    const wanted = new Set<string>(stale);
    for (const run of dayRuns(stale)) {
      const fresh = await daily.facts({ ...ctx, range: run });
      for (const [day, f] of fresh) if (wanted.has(day)) facts.set(day, f);
    }
    // Kept: the days proved now, and the kept days of the same version outside this range.
    const next: CheckProofs = { version: daily.version, days: kept && kept.version === daily.version ? { ...kept.days } : {} };
    for (const day of stale) next.days[day] = [prints1.get(day)!, facts.get(day) ?? null];
    book.put(check.id, org, next);
  }
  return facts;
}
