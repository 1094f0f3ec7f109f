/**
 * DuckDB's change token: size, mtime, ctime and inode of the database file and of its write-ahead
 * log. A commit appends to the WAL and a checkpoint rewrites the file (and truncates the WAL), so any
 * write changes at least one of them; reading them is a stat, not an open, so a reader can ask while
 * a writer holds the file.
 */
import { statSync } from 'node:fs';

function fileStamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
  } catch {
    return '-';
  }
}

export function duckDbChangeToken(path: string): string {
  return `${fileStamp(path)}|${fileStamp(`${path}.wal`)}`;
}
