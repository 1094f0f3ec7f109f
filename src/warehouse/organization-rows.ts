/** The organization every row of a window belongs to, set by the warehouse for both engines alike. */
import type { Row, TableName } from './tables.js';
import { WarehouseError } from './warehouse.js';

/**
 * The row with its window's organization_id. A row that names another organization is a bug in the
 * stream (it would land in the wrong tenant), so it is refused rather than overwritten.
 */
export function withOrganization(row: Row, organizationId: string, table: TableName): Row {
  const own = row.organization_id;
  if (own === undefined || own === null) row.organization_id = organizationId;
  else if (own !== organizationId) {
    throw new WarehouseError(`${table}: a row of organization ${String(own)} was written in a window of ${organizationId}`);
  }
  return row;
}
