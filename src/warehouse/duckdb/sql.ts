/** SQL building blocks the DuckDB modules share: quoting, and one transaction around a write. */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Identifier quoting for DuckDB: every table and column name in generated SQL goes through here. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal, for names and constants in generated SQL where DuckDB takes no parameter. */
export function stringLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Runs fn in one transaction on conn: committed if it resolves, rolled back if it throws. */
export async function transaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const result = await fn();
    await conn.run('COMMIT');
    return result;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
