/**
 * DuckDB failures that are the file's or the disk's, not a bug: a block that fails its checksum,
 * a full disk or quota, any other I/O error. Each becomes one line naming the file and the fix
 * (exit 2); a damaged file is then refused for the rest of the process, so nothing more is written
 * to a file that failed its read check.
 */
import { AppError } from '../../util/errors.js';
import { oneLine } from '../../util/one-line.js';
import { WarehouseStorageError } from '../warehouse.js';

const DAMAGED = /Corrupt database file|checksum \d* ?does not match|invalid block|block .* (?:is|was) (?:corrupt|damaged)/i;
const FULL = /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT|File too large|EFBIG/i;
const IO = /^IO Error:/;

/** The storage failure `err` describes, or null when it is something else (a bug, an API error, …). */
export function storageError(err: unknown, location: string): WarehouseStorageError | null {
  if (!(err instanceof Error) || err instanceof AppError) return null;
  const reason = oneLine(err.message.replace(/^IO Error:\s*/, ''), 200);
  if (DAMAGED.test(err.message)) {
    return new WarehouseStorageError(
      `the warehouse ${location} is damaged (${reason}): nothing more is written to it; move it aside and restore a backup, or backfill into a new file`,
      true,
    );
  }
  if (FULL.test(err.message)) {
    return new WarehouseStorageError(`the disk holding the warehouse ${location} is full (${reason}): free space or move the file, then run again (what failed was not committed)`, false);
  }
  if (IO.test(err.message)) {
    return new WarehouseStorageError(`the warehouse ${location} could not be read or written (${reason}): check the disk and the file's permissions, then run again`, false);
  }
  return null;
}
