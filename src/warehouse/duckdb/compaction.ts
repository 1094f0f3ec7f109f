/**
 * Merging the under-filled row groups a bulk write leaves behind, before the file is closed.
 *
 * Windows commit side by side, and a large transaction's rows reach the table as whole row groups of
 * its own, the last one partly filled: a backfill leaves short row groups between full ones. DuckDB
 * merges adjacent short row groups only in a full checkpoint, in one greedy pass (a merge can leave a
 * neighbour that only the next pass can merge), and it skips a checkpoint when its WAL is empty. Left
 * alone, the next pass ran in the closing checkpoint of the first daily run after a backfill: about
 * 1 s of its 5.8 s on the one-year large org (docs/performance.md, Round 6).
 *
 * So after a bulk write the passes are repeated until one no longer lowers the number of row groups.
 * Each pass needs something in the WAL; it records its own time in claude_ingest_meta, which also
 * tells whoever looks at the file when it was last compacted.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TABLES } from '../tables.js';
import { upsertLedgerRow } from './ledger.js';
import { stringLiteral, transaction } from './sql.js';

/** DuckDB's row group size: a writer that committed fewer rows cannot have left a short one behind a full one. */
export const ROW_GROUP_ROWS = 122_880;
/** The key in claude_ingest_meta that each pass writes. */
export const COMPACTED_KEY = 'row_groups_compacted_at';
/** Measured on the one-year large org: the second pass merges, the third finds nothing. */
const MAX_PASSES = 3;

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
 * Checkpoints again until a pass merges nothing (at most MAX_PASSES). Call it right after a
 * checkpoint, with no other transaction open.
 */
export async function compactRowGroups(conn: DuckDBConnection): Promise<void> {
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
