/** Reading report query cells: decimals come back from query() as exact strings; a NULL sum (no rows) is zero. */
import type { QueryRow } from '../warehouse/warehouse.js';

export function exact(v: QueryRow[string] | undefined): string {
  return v === null || v === undefined ? '0' : String(v);
}

export function int(v: QueryRow[string] | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}
