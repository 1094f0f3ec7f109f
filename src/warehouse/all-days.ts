/**
 * A predicate true for every day of a DATE partition column. BigQuery refuses a query on a fact
 * table without a filter on its partition column; this one reads every day and still counts as that
 * filter. DuckDB has no such rule and uses the same text, so both warehouses run the same SQL.
 */
export function allDaysPredicate(dateExpr: string): string {
  return `${dateExpr} >= DATE '1970-01-01'`;
}
