/** DuckDB side of src/warehouse/organization-adoption.ts: one transaction, then the meta key. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ADOPTED_KEY, adoptableTables, adoptionSql, unattributedCountSql } from '../organization-adoption.js';
import type { OrganizationAttribution } from '../warehouse.js';
import { duckDbDialect } from './duckdb-dialect.js';

async function unattributed(conn: DuckDBConnection): Promise<number> {
  const rows = (await conn.runAndReadAll(unattributedCountSql(duckDbDialect))).getRows();
  return rows.reduce((s, [, n]) => s + Number(n), 0);
}

/** The caller holds the write mutex. `organizationId` null: only count what is left. */
export async function attributeOrganization(conn: DuckDBConnection, organizationId: string | null): Promise<OrganizationAttribution> {
  const done = await conn.runAndReadAll('SELECT 1 FROM claude_ingest_meta WHERE key = $1', [ADOPTED_KEY]);
  if (done.getRows().length > 0) return { attributed: 0, unattributed: 0 };
  if (organizationId === null) return { attributed: 0, unattributed: await unattributed(conn) };
  await conn.run('BEGIN TRANSACTION');
  try {
    let attributed = 0;
    for (const def of adoptableTables()) {
      const { byRun, rest } = adoptionSql(duckDbDialect, def, '$1');
      if (byRun) attributed += Number((await conn.runAndReadAll(byRun)).getRows()[0]?.[0] ?? 0);
      attributed += Number((await conn.runAndReadAll(rest, [organizationId])).getRows()[0]?.[0] ?? 0);
    }
    await conn.run('INSERT INTO claude_ingest_meta (key, value) VALUES ($1, $2)', [ADOPTED_KEY, organizationId]);
    await conn.run('COMMIT');
    return { attributed, unattributed: 0 };
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
