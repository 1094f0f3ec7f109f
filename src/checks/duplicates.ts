/**
 * Duplicates: no two rows may share a natural key (TABLES[t].naturalKey). A window written twice
 * without its delete doubles every figure; duplicated name snapshots would multiply report rows.
 */
import { TABLES, type TableDef } from '../warehouse/tables.js';
import { plural, type Check, type CheckContext } from './check.js';

const CHECKED: TableDef[] = Object.values(TABLES).filter((t) => t.kind === 'fact' || t.kind === 'totals' || t.kind === 'snapshot');

interface TableDupes {
  table: string;
  key: string[];
  /** Rows beyond the first of each key. */
  extra: number;
  days: string[];
}

async function dupes(ctx: CheckContext, def: TableDef): Promise<TableDupes> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const dated = def.columns.some((c) => c.name === 'activity_date');
  const keys = def.naturalKey.map(i).join(', ');
  // NULLs group together in GROUP BY, which is what a natural key with nullable parts needs.
  const where = dated ? `WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}` : '';
  const day = dated ? `MIN(${i('activity_date')})` : 'NULL';
  const rows = await ctx.wh.query(
    `SELECT COUNT(*) - 1 AS ${i('extra')}, ${day} AS ${i('day')}
       FROM ${d.table(def.name)} ${where}
      GROUP BY ${keys} HAVING COUNT(*) > 1`,
    dated ? [ctx.range.from, ctx.range.to] : [],
  );
  const extra = rows.reduce((s, r) => s + Number(r.extra), 0);
  const days = [...new Set(rows.map((r) => r.day).filter((x) => x !== null).map(String))].sort();
  return { table: def.name, key: def.naturalKey, extra, days };
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
    return {
      id: this.id,
      status: 'FAIL',
      figure: `${plural(total, 'duplicate row')}`,
      detail: found.map((f) => `${f.table}: ${plural(f.extra, 'extra row')} sharing (${f.key.join(', ')})`).join('; ') + '. Every sum over them is too high.',
      action:
        days.length > 0
          ? `Rewrite those days: claude-ingest backfill --refresh --from ${days[0]} --to ${days[days.length - 1]}`
          : 'Refresh the organization snapshot: claude-ingest run --streams org',
      ...(days.length > 0 ? { days } : {}),
    };
  },
};
