/**
 * ReportFilter: the day range and optional workspace/model filters every report takes. Every query
 * filters on activity_date so BigQuery scans only the partitions in range.
 */
import { parseDay, type IsoDay } from '../util/dates.js';
import { InputError } from '../util/errors.js';
import type { SqlDialect } from '../warehouse/warehouse.js';

export interface ReportFilter {
  from: IsoDay;
  to: IsoDay;
  /** Workspace ids; `default` is the default workspace (workspace_id NULL). Empty or absent: all. */
  workspaceIds?: string[];
  /** Model ids. Empty or absent: all. */
  models?: string[];
  /** Organization ids (every fact table carries organization_id). Empty or absent: all organizations, summed. */
  organizationIds?: string[];
}

/** Bad report input (a filter the report cannot apply, a reversed range). */
export class ReportInputError extends InputError {}

/** What the default workspace (NULL workspace_id) and keyless Console usage are called in reports. */
export const DEFAULT_WORKSPACE = 'default';
export const CONSOLE_KEY = 'console';

export function checkFilter(f: ReportFilter): void {
  parseDay(f.from, 'from');
  parseDay(f.to, 'to');
  if (f.from > f.to) throw new ReportInputError(`the range ${f.from}..${f.to} is reversed: --from must not be after --to`);
}

export interface SqlPart {
  sql: string;
  params: unknown[];
}

/**
 * WHERE conditions for one table alias. `dims` says which filters the table can honour; asking for
 * one it cannot (e.g. a workspace filter on Claude Code data) is an error rather than a silent no-op.
 */
export function filterWhere(d: SqlDialect, f: ReportFilter, alias: string, dims: { workspace: boolean; model: boolean }, what: string): SqlPart {
  checkFilter(f);
  const col = (c: string) => `${alias}.${d.ident(c)}`;
  const parts = [`${col('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}`];
  const params: unknown[] = [f.from, f.to];
  const workspaces = f.workspaceIds ?? [];
  if (workspaces.length > 0) {
    if (!dims.workspace) throw new ReportInputError(`${what} has no workspace: drop the workspace filter`);
    const ids = workspaces.filter((w) => w !== DEFAULT_WORKSPACE);
    const ors: string[] = [];
    if (ids.length > 0) {
      ors.push(`${col('workspace_id')} IN (${ids.map(() => '?').join(', ')})`);
      params.push(...ids);
    }
    if (ids.length < workspaces.length) ors.push(`${col('workspace_id')} IS NULL`);
    parts.push(`(${ors.join(' OR ')})`);
  }
  // Every fact table carries organization_id, so this filter applies to all of them.
  const orgs = f.organizationIds ?? [];
  if (orgs.length > 0) {
    parts.push(`${col('organization_id')} IN (${orgs.map(() => '?').join(', ')})`);
    params.push(...orgs);
  }
  const models = f.models ?? [];
  if (models.length > 0) {
    if (!dims.model) throw new ReportInputError(`${what} has no model: drop the model filter`);
    parts.push(`${col('model')} IN (${models.map(() => '?').join(', ')})`);
    params.push(...models);
  }
  return { sql: parts.join(' AND '), params };
}
