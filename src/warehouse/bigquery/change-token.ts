/**
 * BigQuery's change token, read from the ledger. Every data write is a replaceWindow, which records
 * the window's `ok` row in the same job, and every run and window start or failure adds or updates a
 * ledger row: so the ledger's row counts, its `ok` count and its latest time change with any write
 * claude-ingest makes. One small query over the two ledger tables, which stay tiny.
 */
import { quoteIdent } from './bigquery-sql.js';

type TableRef = (name: string) => string;

export function changeTokenSql(ref: TableRef): string {
  const latest = `MAX(COALESCE(${quoteIdent('finished_at')}, ${quoteIdent('started_at')}))`;
  return (
    `SELECT w.n AS windows, w.ok AS windows_ok, w.latest AS windows_latest, r.n AS runs, r.latest AS runs_latest FROM ` +
    `(SELECT COUNT(*) AS n, COUNTIF(${quoteIdent('status')} = 'ok') AS ok, ${latest} AS latest FROM ${ref('ingest_windows')}) AS w ` +
    `CROSS JOIN (SELECT COUNT(*) AS n, ${latest} AS latest FROM ${ref('ingest_runs')}) AS r`
  );
}
