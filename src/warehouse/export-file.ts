/**
 * The file side of `export` for csv and json (one object per line), shared by every warehouse so
 * both write the same text for the same QueryRow values: dates 'YYYY-MM-DD', timestamps RFC 3339
 * UTC with milliseconds ('2025-12-11T01:40:56.000Z'), decimals in canonical form (no exponent, no
 * trailing fractional zeros: '24.56263', '0'), NULL per util/csv.ts in CSV and null in JSON.
 * Rows go to a temporary file renamed at the end, so a failed export never leaves half a file.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { csvLine, type CsvOptions } from '../util/csv.js';
import type { QueryRow } from './warehouse.js';

export interface ExportFile {
  /** Writes one page of rows; `columns` in result order (the CSV header is written before the first page). */
  write(columns: readonly string[], rows: readonly QueryRow[]): Promise<void>;
  /** Finishes the file (a CSV of an empty result still gets its header) and moves it into place. */
  commit(columns: readonly string[]): Promise<void>;
  abort(): Promise<void>;
}

/** `csv` neutralizes formula starts (util/csv.ts) unless `csv.raw`. */
export function openExportFile(file: string, format: 'csv' | 'json', csv: CsvOptions = {}): ExportFile {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  let headerWritten = false;
  const header = (columns: readonly string[]) => {
    if (format !== 'csv' || headerWritten) return '';
    headerWritten = true;
    return csvLine(columns, csv);
  };
  return {
    async write(columns, rows) {
      let chunk = header(columns);
      for (const row of rows) {
        if (format === 'csv') chunk += csvLine(columns.map((n) => row[n] ?? null), csv);
        else chunk += `${JSON.stringify(Object.fromEntries(columns.map((n) => [n, row[n] ?? null])))}\n`;
      }
      if (chunk && !out.write(chunk)) await once(out, 'drain');
    },
    async commit(columns) {
      const rest = header(columns);
      if (rest) out.write(rest);
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await rename(tmp, file);
    },
    async abort() {
      out.destroy();
      await rm(tmp, { force: true });
    },
  };
}
