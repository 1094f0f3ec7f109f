/**
 * The one CSV writer: exports from every warehouse and `report --format csv` go through it, so the
 * same values give the same bytes. RFC 4180 quoting (a field is quoted only when it holds a comma,
 * a quote or a line break; quotes doubled), records end with \n. The NULL rule: NULL is an empty,
 * unquoted field and an empty string is "" — the two stay distinguishable, as in DuckDB's COPY.
 */
export type CsvValue = string | number | boolean | null | undefined;

export interface CsvOptions {
  /** Keep text that a spreadsheet would run as a formula as it is (`--raw-csv`); default: neutralized. */
  raw?: boolean;
}

/** What spreadsheets read as the start of a formula (OWASP's list, plus the full-width forms Excel also accepts). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
/** A plain number keeps its sign: "-12.5" is a refund, not a formula. */
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * CSV injection, neutralized as OWASP advises: text that starts like a formula (= + - @, tab, CR)
 * gets a leading `'`, so a spreadsheet shows it as text instead of running it. Numbers are left alone.
 */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

export function csvField(v: CsvValue, options: CsvOptions = {}): string {
  if (v === null || v === undefined) return '';
  let text = String(v);
  if (!options.raw && typeof v === 'string') text = neutralizeFormula(text);
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, with its line end. */
export function csvLine(values: readonly CsvValue[], options: CsvOptions = {}): string {
  return `${values.map((v) => csvField(v, options)).join(',')}\n`;
}
