/**
 * An invoice as reconcile reads it: CSV with columns `description` and `amount_usd` (any other column
 * ignored; `invoice_id` read when present) or JSON `[{description, amount_usd}]` (or `{invoice_id,
 * lines: [...]}`). Amounts stay exact decimal text. A malformed file is one InputError line (exit 2)
 * naming the file, the line or entry, and what to fix.
 */
import { parse } from 'csv-parse/sync';
import { InputError } from '../util/errors.js';
import { canonicalDecimal } from '../util/money.js';

export interface InvoiceLine {
  description: string;
  /** Exact decimal dollars as written (a leading $ and thousands separators removed). */
  amountUsd: string;
}

export interface Invoice {
  invoiceId: string | null;
  lines: InvoiceLine[];
}

export class InvoiceFileError extends InputError {}

const AMOUNT = /^-?\d+(\.\d+)?$/;

function amountOf(raw: unknown, where: string, file: string): string {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim().replace(/^(-?)\$/, '$1').replace(/,/g, '') : '';
  const negative = /^\((.*)\)$/.exec(text);
  const value = negative ? `-${negative[1]}` : text;
  if (!AMOUNT.test(value)) throw new InvoiceFileError(`${file}: ${where}: amount_usd ${JSON.stringify(raw ?? null)} is not an amount of dollars: write e.g. 1234.56 or -50.00`);
  return canonicalDecimal(value);
}

function descriptionOf(raw: unknown, where: string, file: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvoiceFileError(`${file}: ${where}: description is empty: every line needs a description`);
  return raw.trim();
}

export function parseInvoice(text: string, file: string): Invoice {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new InvoiceFileError(`${file}: the invoice file is empty: give CSV with description,amount_usd columns or JSON [{"description": …, "amount_usd": …}]`);
  return /^\s*[[{]/.test(body) ? parseJson(body, file) : parseCsv(body, file);
}

function parseJson(body: string, file: string): Invoice {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new InvoiceFileError(`${file}: not valid JSON (${(err as Error).message.split('\n')[0]}): give [{"description": …, "amount_usd": …}]`);
  }
  const obj = !Array.isArray(doc) && doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : null;
  const entries = Array.isArray(doc) ? doc : obj && Array.isArray(obj.lines) ? obj.lines : null;
  if (!entries) throw new InvoiceFileError(`${file}: expected a JSON array of {"description", "amount_usd"} (or {"invoice_id", "lines": [...]})`);
  if (entries.length === 0) throw new InvoiceFileError(`${file}: the invoice has no lines`);
  const lines = entries.map((e: unknown, n: number) => {
    const where = `entry ${n + 1}`;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new InvoiceFileError(`${file}: ${where} is not an object with description and amount_usd`);
    const r = e as Record<string, unknown>;
    return { description: descriptionOf(r.description, where, file), amountUsd: amountOf(r.amount_usd, where, file) };
  });
  const id = obj && typeof obj.invoice_id === 'string' && obj.invoice_id.trim() ? obj.invoice_id.trim() : null;
  return { invoiceId: id, lines };
}

function parseCsv(body: string, file: string): Invoice {
  let records: Record<string, string>[];
  try {
    records = parse(body, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (err) {
    throw new InvoiceFileError(`${file}: not valid CSV (${(err as Error).message.split('\n')[0]})`);
  }
  const header = body.split(/\r?\n/, 1)[0]!.toLowerCase();
  for (const col of ['description', 'amount_usd']) {
    if (!header.split(',').map((c) => c.trim().replace(/^"|"$/g, '')).includes(col)) {
      throw new InvoiceFileError(`${file}: the CSV has no ${col} column: its first line must name the columns, e.g. description,amount_usd`);
    }
  }
  if (records.length === 0) throw new InvoiceFileError(`${file}: the invoice has no lines`);
  const lines = records.map((r, n) => ({ description: descriptionOf(r.description, `line ${n + 2}`, file), amountUsd: amountOf(r.amount_usd, `line ${n + 2}`, file) }));
  const ids = [...new Set(records.map((r) => r.invoice_id?.trim()).filter((x): x is string => !!x))];
  return { invoiceId: ids.length === 1 ? ids[0]! : null, lines };
}
