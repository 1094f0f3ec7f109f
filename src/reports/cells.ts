/** Reading report query cells: decimals come back from query() as exact strings; a NULL sum (no rows) is zero. */
import { asIsoDay, type IsoDay } from '../util/dates.js';
import type { QueryRow } from '../warehouse/warehouse.js';

/** A DATE cell (both warehouses return 'YYYY-MM-DD' text). */
export function dayCell(v: QueryRow[string] | undefined): IsoDay {
  return asIsoDay(String(v));
}

export function exact(v: QueryRow[string] | undefined): string {
  return v === null || v === undefined ? '0' : String(v);
}

export function int(v: QueryRow[string] | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}
