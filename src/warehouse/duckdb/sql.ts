/** Identifier quoting for DuckDB: every table and column name in generated SQL goes through here. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
