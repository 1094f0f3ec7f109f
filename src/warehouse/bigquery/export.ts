/**
 * export: runs the query and streams its result pages into the file through a temporary file renamed
 * at the end, so a failed export never leaves half a file behind. Parquet would need EXPORT DATA to
 * Cloud Storage and a download, so it is refused rather than half-supported.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { WarehouseError, type ExportFormat } from '../warehouse.js';
import { csvLine, positionalParam } from './bigquery-values.js';
import type { JobRunner } from './jobs.js';

export async function exportQuery(jobs: JobRunner, sql: string, params: unknown[], file: string, format: ExportFormat): Promise<void> {
  if (format === 'parquet') throw new WarehouseError('parquet export from BigQuery needs EXPORT DATA to Cloud Storage; use csv or json');
  if (format !== 'csv' && format !== 'json') throw new WarehouseError(`export format "${String(format)}" is not one of csv, json`);
  // A cheap guard, not a sandbox: what a query may change is up to the identity's IAM roles.
  if (!/^\s*(?:\(\s*)*(?:SELECT|WITH)\b/i.test(sql)) throw new WarehouseError('exportQuery() exports a SELECT only');
  const queryParams = params.map(positionalParam);
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  try {
    let headerWritten = false;
    await jobs.runQueryPages(sql, queryParams, 'export', 'POSITIONAL', async (fields, rows) => {
      const names = fields.map((f) => f.name);
      let chunk = '';
      if (format === 'csv' && !headerWritten) {
        chunk += csvLine(names);
        headerWritten = true;
      }
      for (const row of rows) chunk += format === 'csv' ? csvLine(names.map((n) => row[n] ?? null)) : `${JSON.stringify(row)}\n`;
      if (chunk && !out.write(chunk)) await once(out, 'drain');
    });
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await rename(tmp, file);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
