/**
 * Duplicates: no two rows may share a natural key (TABLES[t].naturalKey). A window written twice
 * without its delete doubles every figure; duplicated name snapshots would multiply report rows.
 *
 * Analytics rows with identical groups in one bucket are not duplicates: the API sends identities
 * the key cannot see as null actors, "each as its own row", and each is stored with its `ordinal`
 * (part of the natural key), so only a row written twice shares a key. Rows an older version wrote
 * (ordinal NULL, possible in BigQuery, whose migration cannot number them) are named apart: their
 * sums are right, and rewriting their days stores each with its ordinal.
 */
import { TABLES, type TableDef } from '../warehouse/tables.js';
import { orgAnd, plural, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';
import { mapInTurns } from '../util/concurrent.js';

const CHECKED: TableDef[] = Object.values(TABLES).filter((t) => t.kind === 'fact' || t.kind === 'totals' || t.kind === 'snapshot');

interface TableDupes {
  table: string;
  key: string[];
  /** Rows beyond the first of each key. */
  extra: number;
  days: string[];
  /**
   * Unmapped fields on which rows sharing a key differ: the API split them on a field this version
   * does not key on, so rewriting the days would bring the same rows back.
   */
  splitOn: string[];
  /** Duplicate keys whose rows are identical apart from lineage: a write went wrong. */
  identical: number;
  /** Extra rows sharing a key only because they were written before ordinals existed (not duplicates). */
  legacy: number;
}

/** Top-level and nested paths whose values differ between two `extra` objects. */
function differingFields(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(extra)'];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out.push(...differingFields(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  return out;
}

function parseExtra(v: unknown): unknown {
  if (v === null || v === undefined) return {};
  try {
    return JSON.parse(String(v)) as unknown;
  } catch {
    return String(v);
  }
}

/** One natural key held by several rows: the rows beyond the first, its day, and the unmapped fields they differ on. */
interface DupeGroup {
  day: string | null;
  extra: number;
  splitOn: string[];
  /** Its rows are identical apart from lineage (no unmapped field tells them apart): a write went wrong. */
  identical: boolean;
  /** Its rows were written before ordinals existed (ordinal NULL): distinct facts, not duplicates. */
  legacy: boolean;
}

async function dupeGroups(ctx: CheckContext, def: TableDef): Promise<DupeGroup[]> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const dated = def.columns.some((c) => c.name === 'activity_date');
  const keyCols = def.naturalKey.map(i);
  const keys = keyCols.join(', ');
  // NULLs group together in GROUP BY, which is what a natural key with nullable parts needs.
  const org = orgAnd(ctx);
  const cond = dated ? `${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql}` : `TRUE${org.sql}`;
  const params = dated ? [ctx.range.from, ctx.range.to, ...org.params] : org.params;
  const day = dated ? `MIN(${i('activity_date')})` : 'NULL';
  const hasExtra = def.columns.some((c) => c.name === 'extra');
  const extraText = `COALESCE(${i('extra')}, '{}')`;
  // MIN <> MAX says the rows differ in `extra` as COUNT(DISTINCT) > 1 would, without a distinct set per group (that cost minutes on a year).
  const variants = hasExtra
    ? `, CASE WHEN MIN(${extraText}) <> MAX(${extraText}) THEN 2 ELSE 1 END AS ${i('variants')}, MIN(${extraText}) AS ${i('extra_a')}, MAX(${extraText}) AS ${i('extra_b')}`
    : '';
  const ordinal = def.naturalKey.includes('ordinal') ? `, MAX(CASE WHEN ${i('ordinal')} IS NULL THEN 1 ELSE 0 END) AS ${i('legacy')}` : '';
  // Grouping millions of rows on a wide text key is the slow part: group on a 64-bit hash of the key
  // first (rows sharing a key share its hash), then group by the key itself only the rows whose hash
  // repeats (none, on healthy data), which also rules out hash collisions.
  const hash = d.rowHash(keyCols);
  const rows = await ctx.wh.query(
    `SELECT COUNT(*) - 1 AS ${i('extra')}, ${day} AS ${i('day')}${variants}${ordinal}
       FROM ${d.table(def.name)}
      WHERE ${cond} AND ${hash} IN (SELECT ${hash} FROM ${d.table(def.name)} WHERE ${cond} GROUP BY 1 HAVING COUNT(*) > 1)
      GROUP BY ${keys} HAVING COUNT(*) > 1`,
    [...params, ...params],
  );
  return rows.map((r) => {
    // Rows from before ordinals share a key without being duplicates: counted apart, never judged.
    const legacy = Number(r.legacy ?? 0) === 1;
    const split = !legacy && hasExtra && Number(r.variants) > 1;
    return {
      day: r.day === null ? null : String(r.day),
      extra: Number(r.extra),
      splitOn: split ? differingFields(parseExtra(r.extra_a), parseExtra(r.extra_b)) : [],
      identical: !legacy && !split,
      legacy,
    };
  });
}

function tableDupes(def: TableDef, groups: DupeGroup[]): TableDupes {
  const extra = groups.reduce((s, g) => s + g.extra, 0);
  const legacy = groups.reduce((s, g) => s + (g.legacy ? g.extra : 0), 0);
  const days = [...new Set(groups.map((g) => g.day).filter((x) => x !== null))].sort();
  const splitOn = new Set<string>();
  let identical = 0;
  for (const g of groups) {
    for (const f of g.splitOn) splitOn.add(f);
    if (g.identical) identical++;
  }
  return { table: def.name, key: def.naturalKey, extra, days, splitOn: [...splitOn].sort(), identical, legacy };
}

const DATED = CHECKED.filter((t) => t.columns.some((c) => c.name === 'activity_date'));
const UNDATED = CHECKED.filter((t) => !DATED.includes(t));

/** A day's duplicate keys per dated table (snapshot tables have no day: they are read whole each time). */
type DayFacts = Record<string, DupeGroup[]>;

async function facts(ctx: CheckContext): Promise<Map<string, DayFacts>> {
  const out = new Map<string, DayFacts>();
  for (const def of DATED) {
    // A reader-optional table a read-only open lacks (allocation-tables.ts) has no rows to compare.
    if (ctx.wh.lacks?.(def.name)) continue;
    for (const g of await dupeGroups(ctx, def)) {
      const day = g.day ?? ctx.range.from;
      const f = out.get(day) ?? (out.set(day, {}), out.get(day)!);
      (f[def.name] ??= []).push(g);
    }
  }
  return out;
}

async function judge(ctx: CheckContext, byDay: Map<string, DayFacts>): Promise<CheckResult> {
  const id = 'duplicates';
  const found: TableDupes[] = [];
  const proved = [...byDay.keys()].sort();
  // The snapshot tables have no day to keep facts by: each is read whole, two at a time.
  const undated = new Map(await mapInTurns(UNDATED, 2, async (def) => [def, await dupeGroups(ctx, def)] as const));
  for (const def of CHECKED) {
    const groups = undated.get(def) ?? proved.flatMap((day) => byDay.get(day)![def.name] ?? []);
    const r = tableDupes(def, groups);
    if (r.extra > 0) found.push(r);
  }
  {
    if (found.length === 0) {
      return {
        id,
        status: 'PASS',
        figure: '0 duplicate rows',
        detail: `No two rows share a natural key in ${CHECKED.length} fact, totals and snapshot tables.`,
      };
    }
    const total = found.reduce((s, f) => s + f.extra, 0);
    const days = [...new Set(found.flatMap((f) => f.days))].sort();
    const refresh =
      days.length > 0
        ? `Rewrite those days: claude-ingest backfill --refresh --from ${days[0]} --to ${days[days.length - 1]}`
        : 'Refresh the organization snapshot: claude-ingest run --streams org';
    // Only rows from before ordinals: distinct facts, sums right; a refresh numbers them.
    if (found.every((f) => f.legacy === f.extra)) {
      return {
        id,
        status: 'WARN',
        figure: `${plural(total, 'unnumbered row')}`,
        detail:
          found.map((f) => `${f.table}: ${plural(f.extra, 'row')} written before schema 3 share a bucket and group with another`).join('; ') +
          '. They are distinct facts the API sent with identical groups (identities this key cannot see), not duplicates: sums over them are right.',
        action: `${refresh} to store each with its ordinal.`,
        ...(days.length > 0 ? { days } : {}),
      };
    }
    const split = found.filter((f) => f.splitOn.length > 0);
    const describe = (f: TableDupes) =>
      `${f.table}: ${plural(f.extra - f.legacy, 'extra row')} sharing (${f.key.join(', ')})` +
      (f.splitOn.length > 0 ? `, differing only in ${f.splitOn.join(', ')} (extra)` : '');
    // When every duplicate is an API split, a refresh would write the same rows again: say so instead.
    const onlySplits = found.every((f) => f.identical === 0);
    const splitAdvice = `The API split rows on ${[...new Set(split.flatMap((f) => f.splitOn))].join(', ')}, a field this version of claude-ingest does not key on: sums over the rows are still right, but per-key lookups see several rows. Upgrade claude-ingest when a version keys on it; --refresh would bring the same rows back.`;
    return {
      id,
      status: onlySplits ? 'WARN' : 'FAIL',
      figure: `${plural(total, 'duplicate row')}`,
      detail:
        found.filter((f) => f.extra > f.legacy).map(describe).join('; ') +
        (onlySplits ? '.' : '. Every sum over them is too high.'),
      action: onlySplits ? splitAdvice : split.length > 0 ? `${refresh}. ${splitAdvice}` : refresh,
      ...(days.length > 0 ? { days } : {}),
    };
  }
}

export const duplicatesCheck = dailyCheck<DayFacts>({
  id: 'duplicates',
  title: 'No duplicate rows',
  // Snapshot tables are read whole by judge(), every time: they have no day, and they are small.
  daily: {
    tables: DATED.map((t) => t.name),
    // Whether rows share a key depends on the key alone; `extra` is read only for keys held twice,
    // so a day with such keys is proved again every time (reprove) and the rest hash the key only.
    columns: Object.fromEntries(DATED.map((t) => [t.name, t.naturalKey])),
    reprove: () => true,
    version: '2',
    facts,
    judge,
  },
});
