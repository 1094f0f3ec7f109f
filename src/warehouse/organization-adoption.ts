/**
 * Rows written before schema version 2 have no organization_id. The first ingest after upgrading
 * attributes them: each row to the organization its run recorded (ingest_runs.organization_id,
 * recorded since version 2), and what is left to the organization of the one key being ingested.
 * With several keys the remainder cannot be attributed safely, so it is only counted and reported.
 * A meta key records that it is done, so later runs pay one lookup, not a scan of every table.
 */
import type { SqlDialect } from './warehouse.js';
import { TABLES, type TableDef } from './tables.js';

export const ADOPTED_KEY = 'organizations_attributed';

/** Tables whose rows carry organization_id and may predate it (ingest_runs records its own). */
export function adoptableTables(): TableDef[] {
  return Object.values(TABLES).filter((t) => t.name !== 'ingest_runs' && t.name !== 'alert_events' && t.columns.some((c) => c.name === 'organization_id'));
}

/** A partition filter that keeps every day: BigQuery refuses DML on fact tables without one. */
function allDays(d: SqlDialect, def: TableDef): string {
  return def.columns.some((c) => c.name === 'activity_date') ? ` AND ${d.allDays(d.ident('activity_date'))}` : '';
}

/** The UPDATE statements that attribute one table's rows; `placeholder` stands for the organization id. */
export function adoptionSql(d: SqlDialect, def: TableDef, placeholder: string): { byRun: string | null; rest: string } {
  const t = d.table(def.name);
  const org = d.ident('organization_id');
  const hasRun = def.columns.some((c) => c.name === 'run_id');
  const byRun = hasRun
    ? `UPDATE ${t} SET ${org} = r.${org} FROM ${d.table('ingest_runs')} r
        WHERE ${t}.${d.ident('run_id')} = r.${d.ident('run_id')} AND ${t}.${org} IS NULL AND r.${org} IS NOT NULL${allDays(d, def).replace(d.ident('activity_date'), `${t}.${d.ident('activity_date')}`)}`
    : null;
  return { byRun, rest: `UPDATE ${t} SET ${org} = ${placeholder} WHERE ${org} IS NULL${allDays(d, def)}` };
}

/** How many rows still lack an organization, per table. */
export function unattributedCountSql(d: SqlDialect): string {
  return adoptableTables()
    .map((def) => `SELECT '${def.name}' AS ${d.ident('table_name')}, COUNT(*) AS ${d.ident('n')} FROM ${d.table(def.name)} WHERE ${d.ident('organization_id')} IS NULL${allDays(d, def)}`)
    .join(' UNION ALL ');
}
