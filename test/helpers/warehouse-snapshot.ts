/** Reads a DuckDB warehouse's data as sorted text lines, ignoring lineage, to compare runs. */
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { FACT_TABLES, TABLES, type TableName } from '../../src/warehouse/tables.js';

const LINEAGE = new Set(['run_id', 'ingested_at']);

export async function snapshotTables(file: string, tables: TableName[] = [...FACT_TABLES.map((t) => t.name), 'claude_api_keys', 'claude_workspaces', 'claude_users']): Promise<Record<string, string[]>> {
  const wh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
  try {
    const out: Record<string, string[]> = {};
    for (const table of tables) {
      const cols = TABLES[table].columns.filter((c) => !LINEAGE.has(c.name)).map((c) => wh.dialect.ident(c.name));
      const rows = await wh.query(`SELECT ${cols.join(', ')} FROM ${wh.dialect.table(table)}`);
      out[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    await wh.close();
  }
}

export async function queryWarehouse(file: string, sql: string, params: unknown[] = []) {
  const wh = await openWarehouse(`duckdb:${file}`, { readOnly: true });
  try {
    return await wh.query(sql, params);
  } finally {
    await wh.close();
  }
}
