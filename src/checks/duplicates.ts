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
import { orgAnd, plural, type Check, type CheckContext } from './check.js';

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

async function dupes(ctx: CheckContext, def: TableDef): Promise<TableDupes> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const dated = def.columns.some((c) => c.name === 'activity_date');
  const keys = def.naturalKey.map(i).join(', ');
  // NULLs group together in GROUP BY, which is what a natural key with nullable parts needs.
  const org = orgAnd(ctx);
  const where = dated ? `WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql}` : org.sql ? `WHERE TRUE${org.sql}` : '';
  const day = dated ? `MIN(${i('activity_date')})` : 'NULL';
  const hasExtra = def.columns.some((c) => c.name === 'extra');
  const extraText = `COALESCE(${i('extra')}, '{}')`;
  const variants = hasExtra
    ? `, COUNT(DISTINCT ${extraText}) AS ${i('variants')}, MIN(${extraText}) AS ${i('extra_a')}, MAX(${extraText}) AS ${i('extra_b')}`
    : '';
  const ordinal = def.naturalKey.includes('ordinal') ? `, MAX(CASE WHEN ${i('ordinal')} IS NULL THEN 1 ELSE 0 END) AS ${i('legacy')}` : '';
  const rows = await ctx.wh.query(
    `SELECT COUNT(*) - 1 AS ${i('extra')}, ${day} AS ${i('day')}${variants}${ordinal}
       FROM ${d.table(def.name)} ${where}
      GROUP BY ${keys} HAVING COUNT(*) > 1`,
    dated ? [ctx.range.from, ctx.range.to, ...org.params] : org.params,
  );
  const legacyRows = rows.filter((r) => Number(r.legacy ?? 0) === 1);
  const legacy = legacyRows.reduce((s, r) => s + Number(r.extra), 0);
  const extra = rows.reduce((s, r) => s + Number(r.extra), 0);
  const days = [...new Set(rows.map((r) => r.day).filter((x) => x !== null).map(String))].sort();
  const splitOn = new Set<string>();
  let identical = 0;
  for (const r of rows) {
    if (Number(r.legacy ?? 0) === 1) continue;
    if (hasExtra && Number(r.variants) > 1) for (const f of differingFields(parseExtra(r.extra_a), parseExtra(r.extra_b))) splitOn.add(f);
    else identical++;
  }
  return { table: def.name, key: def.naturalKey, extra, days, splitOn: [...splitOn].sort(), identical, legacy };
}

export const duplicatesCheck: Check = {
  id: 'duplicates',
  title: 'No duplicate rows',
  async run(ctx) {
    const found: TableDupes[] = [];
    for (const def of CHECKED) {
      const r = await dupes(ctx, def);
      if (r.extra > 0) found.push(r);
    }
    if (found.length === 0) {
      return {
        id: this.id,
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
        id: this.id,
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
      id: this.id,
      status: onlySplits ? 'WARN' : 'FAIL',
      figure: `${plural(total, 'duplicate row')}`,
      detail:
        found.filter((f) => f.extra > f.legacy).map(describe).join('; ') +
        (onlySplits ? '.' : '. Every sum over them is too high.'),
      action: onlySplits ? splitAdvice : split.length > 0 ? `${refresh}. ${splitAdvice}` : refresh,
      ...(days.length > 0 ? { days } : {}),
    };
  },
};
