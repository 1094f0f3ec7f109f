/**
 * "1,234,567": a whole number with thousands separators, as toLocaleString('en-US') writes it, without
 * ICU. The first toLocaleString of a process loads ICU's number formatting, 30–100 ms of CPU, and
 * validate wrote only counts with it.
 */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 || Object.is(n, -0) ? `-${digits}` : digits;
}
