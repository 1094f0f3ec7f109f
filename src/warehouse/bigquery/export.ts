/**
 * export: runs the query and streams its result pages through the shared export writer (one page
 * in memory at a time). Parquet would need EXPORT DATA to Cloud Storage and a download, so it is
 * refused rather than half-supported.
 */
import { openExportFile } from '../export-file.js';
import { WarehouseError, type ExportFormat, type ExportOptions } from '../warehouse.js';
import { positionalParam } from './bigquery-values.js';
import type { JobRunner } from './jobs.js';

export async function exportQuery(jobs: JobRunner, sql: string, params: unknown[], file: string, format: ExportFormat, options: ExportOptions = {}): Promise<void> {
  if (format === 'parquet') throw new WarehouseError('parquet export from BigQuery needs EXPORT DATA to Cloud Storage; use csv or json');
  if (format !== 'csv' && format !== 'json') throw new WarehouseError(`export format "${String(format)}" is not one of csv, json`);
  // A cheap guard, not a sandbox: what a query may change is up to the identity's IAM roles.
  if (!/^\s*(?:\(\s*)*(?:SELECT|WITH)\b/i.test(sql)) throw new WarehouseError('exportQuery() exports a SELECT only');
  const queryParams = params.map(positionalParam);
  const out = openExportFile(file, format, { raw: options.rawCsv });
  let columns: string[] = [];
  try {
    await jobs.runQueryPages(sql, queryParams, 'export', 'POSITIONAL', async (fields, rows) => {
      columns = fields.map((f) => f.name);
      await out.write(columns, rows);
    });
    await out.commit(columns);
  } catch (err) {
    await out.abort();
    throw err;
  }
}
