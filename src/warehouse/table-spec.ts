/**
 * The shape of a declared table, in a module of its own so that tables.ts and analytics-tables.ts both
 * build on it without importing each other both ways.
 */
import type { ColumnDef } from './columns.js';

export type TableKind = 'fact' | 'totals' | 'snapshot' | 'ledger' | 'meta';

/** A table as declared (`as const`): TableDef before withOrganization, its literal types kept for RowOf. */
export interface TableSpec {
  readonly name: string;
  readonly kind: TableKind;
  readonly doc: string;
  readonly columns: readonly ColumnDef[];
  readonly naturalKey: readonly string[];
  readonly clusterBy?: readonly string[];
}
