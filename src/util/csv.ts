/**
 * The one CSV writer: exports from every warehouse and `report --format csv` go through it, so the
 * same values give the same bytes. RFC 4180 quoting (a field is quoted only when it holds a comma,
 * a quote or a line break; quotes doubled), records end with \n. The NULL rule: NULL is an empty,
 * unquoted field and an empty string is "" — the two stay distinguishable, as in DuckDB's COPY.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const text = String(v);
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, with its line end. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\n`;
}
