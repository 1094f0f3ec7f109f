/**
 * The static portability audit of the SQL the BigQuery warehouse sends to the stand-in (which does
 * not execute SQL): partition filters on the require-partition-filter tables, no DuckDB-only syntax,
 * qualified table names, as many parameters as placeholders. Shared by the job and metrics tests.
 */
import { DATASET, PROJECT } from './harness.js';
import type { BigQueryStandIn, RecordedRequest } from './stand-in.js';

/** Query jobs sent to the stand-in since request `mark`, with their parameter mode. */
export function queryJobsSince(standIn: BigQueryStandIn, mark: number): { sql: string; params: unknown[]; mode?: string }[] {
  return standIn.requests
    .slice(mark)
    .filter((r: RecordedRequest) => r.method === 'POST' && r.path.endsWith('/jobs') && !r.path.startsWith('/upload/'))
    .map((r) => {
      const q = (r.json as { configuration: { query: { query: string; queryParameters?: unknown[]; parameterMode?: string } } }).configuration.query;
      return { sql: q.query, params: q.queryParameters ?? [], mode: q.parameterMode };
    });
}

export const PARTITION_FILTERED = ['claude_costs', 'claude_usage_keys', 'claude_code_productivity', 'claude_code_model_usage'];

/** The SQL with string literals and backtick identifiers blanked, so only syntax remains. */
function syntaxOnly(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''").replace(/`(?:[^`\\]|\\.)*`/g, '`x`');
}

/** Every problem of one statement, as text (empty: portable). */
export function audit(sql: string, params: unknown[], mode: string | undefined): string[] {
  const problems: string[] = [];
  const refs = PARTITION_FILTERED.flatMap((t) => sql.match(new RegExp(`\`${PROJECT}\\.${DATASET}\\.${t}\``, 'g')) ?? []);
  const predicates = sql.match(/\bactivity_date`?\s*(?:BETWEEN|>=|<=|=|<|>)/g) ?? [];
  if (predicates.length < refs.length) problems.push(`${refs.length} partition-filtered table reference(s) but ${predicates.length} activity_date predicate(s)`);
  const s = syntaxOnly(sql);
  if (s.includes('::')) problems.push(':: cast');
  if (/FILTER\s*\(\s*WHERE/i.test(s)) problems.push('FILTER (WHERE');
  if (s.includes('"')) problems.push('double-quoted identifier');
  if (/\$\d/.test(s)) problems.push('$n placeholder');
  // A bare decimal literal is FLOAT64 in BigQuery: money multiplied by it would stop being exact.
  if (/(?<![\w.])\d+\.\d+/.test(s)) problems.push('decimal literal (FLOAT64 in BigQuery)');
  if (/date_trunc\s*\(\s*''|json_object|duckdb_|current_database|EXCLUDE\s*\(|string_agg|epoch_ms|strftime|\bILIKE\b/i.test(s)) problems.push('DuckDB-only function');
  if (/(?<!\bDISTINCT\s+)\b(?:FROM|JOIN)\s+(?![\s`(])/i.test(s)) problems.push('unqualified table after FROM/JOIN');
  if (mode === 'POSITIONAL' || params.length === 0) {
    const placeholders = (s.match(/\?/g) ?? []).length;
    if (placeholders !== params.length) problems.push(`${placeholders} placeholder(s) but ${params.length} parameter(s)`);
  }
  return problems;
}
