/**
 * Files kept beside a warehouse file (FILE.dashboard.json, FILE.dayprints.json) hold what the
 * warehouse holds (spend figures, proofs): they get its permissions, never wider, whatever the umask.
 */
import { chmodSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

/** Writes `file` whole (a temporary file renamed over it) with the permission bits of `warehouse`. */
export function writeSideFile(file: string, text: string, warehouse: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // Created owner-only, then widened to the warehouse's own bits: never readable by more in between.
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, statSync(warehouse).mode & 0o666);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
