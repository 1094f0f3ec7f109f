/**
 * Laying out a bulk write's storage for the daily runs that follow it, before the file is closed.
 *
 * Windows commit side by side, in the order they finish, and a large transaction's rows reach the
 * table as whole row groups of its own, the last one partly filled. Two things follow:
 *  - A backfill leaves short row groups between full ones. DuckDB merges adjacent short row groups
 *    only in a full checkpoint, in one greedy pass (a merge can leave a neighbour that only the next
 *    pass can merge), and it skips a checkpoint when its WAL is empty. So the passes are repeated
 *    until one no longer lowers the number of row groups. Each pass needs something in the WAL; it
 *    records its own time in claude_ingest_meta, which also tells whoever looks at the file when it
 *    was last compacted.
 *  - The newest days, which every daily run deletes and writes again, need not sit at the physical
 *    end of a table. Deleting them from the middle of a table let DuckDB's vacuum merge the row groups
 *    around them in the first daily run's checkpoint: about 1 s of its 5 s on the one-year large org.
 *    So they are moved to the end first, in one transaction, and the merge their deletion allows
 *    happens here, in the backfill (docs/performance.md, Rounds 6 and 7).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES } from '../tables.js';
import { upsertLedgerRow } from './ledger.js';
import { quoteIdent, stringLiteral, transaction } from './sql.js';

/** DuckDB's row group size: a writer that committed fewer rows cannot have left a short one behind a full one. */
export const ROW_GROUP_ROWS = 122_880;
/** The key in claude_ingest_meta that each pass writes. */
export const COMPACTED_KEY = 'row_groups_compacted_at';
/** Measured on the one-year large org: the second pass merges, the third finds nothing. */
const MAX_PASSES = 3;
/**
 * The days before each table's newest day that are moved to its end: the daily run's default
 * --lookback (jobs/daily-run.ts), so the next daily run deletes only from the end of each table.
 */
export const TAIL_DAYS = 3;
/** Tables a daily run rewrites by day. */
const DATED_TABLES = Object.values(TABLES).filter((t) => t.kind !== 'snapshot' && t.columns.some((c) => c.name === 'activity_date'));

/** How many row groups the warehouse's tables hold, from DuckDB's storage info. */
export async function countRowGroups(conn: DuckDBConnection): Promise<number> {
  const tables = (
    await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'`)
  ).getRows();
  if (tables.length === 0) return 0;
  const counts = tables.map(([name]) => `SELECT count(DISTINCT row_group_id) AS n FROM pragma_storage_info(${stringLiteral(String(name))})`);
  const rows = (await conn.runAndReadAll(`SELECT sum(n) FROM (${counts.join(' UNION ALL ')})`)).getRows();
  return Number(rows[0]?.[0] ?? 0);
}

/**
 * Moves each dated table's newest TAIL_DAYS + 1 days to its physical end where they are not there
 * already, then checkpoints until a pass merges nothing (at most MAX_PASSES). Call it right after a
 * checkpoint, with no other transaction open.
 */
export async function compactRowGroups(conn: DuckDBConnection): Promise<void> {
  await transaction(conn, async () => {
    for (const table of DATED_TABLES) await moveTailToEnd(conn, quoteIdent(table.name));
  });
  let before = await countRowGroups(conn);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const row = { key: COMPACTED_KEY, value: new Date().toISOString() };
    await transaction(conn, () => upsertLedgerRow(conn, TABLES.claude_ingest_meta, row));
    await conn.run('CHECKPOINT');
    const after = await countRowGroups(conn);
    if (after >= before) return;
    before = after;
  }
}

/**
 * Rows a transaction inserts are appended at the table's end when it commits, so copying the tail
 * aside, deleting it and inserting the copy moves it there. A row id is the row's physical position,
 * which tells whether the tail is already last.
 */
async function moveTailToEnd(conn: DuckDBConnection, table: string): Promise<void> {
  // The first day of the tail, read once: every statement below filters on it.
  const [row] = (
    await conn.runAndReadAll(`
      WITH tail AS (SELECT max(activity_date) - ${TAIL_DAYS} AS first FROM ${table})
      SELECT first::VARCHAR, coalesce(max(rowid) FILTER (WHERE activity_date < first) < min(rowid) FILTER (WHERE activity_date >= first), true)
      FROM ${table}, tail GROUP BY first`)
  ).getRows();
  if (typeof row?.[0] !== 'string' || row[1] !== false) return;
  const first = row[0];
  const inTail = 'activity_date >= CAST($1 AS DATE)';
  await conn.run(`CREATE TEMP TABLE claude_ingest_tail AS SELECT * FROM ${table} WHERE ${inTail}`, [first]);
  await conn.run(`DELETE FROM ${table} WHERE ${inTail}`, [first]);
  await conn.run(`INSERT INTO ${table} SELECT * FROM claude_ingest_tail`);
  await conn.run('DROP TABLE claude_ingest_tail');
}
