/** The optional SqlDialect functions reports and checks need, with one clear error when a warehouse lacks one. */
import { WarehouseError, type SqlDialect } from './warehouse.js';

type OptionalFeature = 'dateTrunc' | 'dateAdd' | 'dateToTimestamp' | 'jsonObject' | 'columnsQuery' | 'rowFingerprint' | 'viewSqlQuery';

export function feature<K extends OptionalFeature>(dialect: SqlDialect, name: K): NonNullable<SqlDialect[K]> {
  const fn = dialect[name];
  if (!fn) throw new WarehouseError(`this warehouse does not support ${name} yet (needed by this report): use a duckdb: warehouse`);
  return fn.bind(dialect) as NonNullable<SqlDialect[K]>;
}
