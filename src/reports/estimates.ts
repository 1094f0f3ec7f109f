/**
 * `reconcile --estimates FILE`: cost estimates a team logs itself (a gateway, OpenTelemetry gen_ai
 * spans) next to what was billed, per day and API key (claude_cost_by_key, the Analytics API). The
 * file: CSV with columns `day` (or a timestamp: its UTC day), `api_key_id` and `estimated_usd` (other
 * columns ignored), or JSON `[{day, api_key_id, estimated_usd}]`. Rows of a day and key are summed.
 */
import { parse } from 'csv-parse/sync';
import { isCalendarDay } from '../util/dates.js';
import { canonicalDecimal, decimalToNumber, DecimalSum, divideDecimal, isZeroDecimal, subtractDecimal } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { InvoiceFileError } from './invoice.js';
import { monthDays } from './reconcile.js';


export interface EstimateRow {
  day: string;
  apiKeyId: string;
  name: string | null;
  estimatedUsd: string;
  /** null: the Analytics API holds nothing for this key and day. */
  billedUsd: string | null;
  /** estimated − billed. */
  differenceUsd: string | null;
  /** difference ÷ billed (display only); null when billed is 0 or unknown. */
  share: number | null;
}

export interface EstimateComparison {
  month: string;
  rows: EstimateRow[];
  estimatedUsd: string;
  billedUsd: string;
  differenceUsd: string;
  share: number | null;
  /** Estimate rows outside the month, left out. */
  outsideMonth: number;
}

function cell(r: Record<string, unknown>, names: string[]): unknown {
  for (const n of names) if (r[n] !== undefined && r[n] !== '') return r[n];
  return undefined;
}

export function parseEstimates(text: string, file: string): Array<{ day: string; apiKeyId: string; usd: string }> {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new InvoiceFileError(`${file}: the estimates file is empty: give CSV with day,api_key_id,estimated_usd columns or a JSON array`);
  let records: Array<Record<string, unknown>>;
  try {
    if (/^\s*\[/.test(body)) {
      const doc: unknown = JSON.parse(body);
      if (!Array.isArray(doc) || doc.some((e) => e === null || typeof e !== 'object')) throw new Error('expected an array of objects');
      records = doc as Array<Record<string, unknown>>;
    } else {
      records = parse(body, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true });
    }
  } catch (err) {
    throw new InvoiceFileError(`${file}: not valid ${/^\s*\[/.test(body) ? 'JSON' : 'CSV'} (${(err as Error).message.split('\n')[0]})`);
  }
  return records.map((r, n) => {
    const where = /^\s*\[/.test(body) ? `entry ${n + 1}` : `line ${n + 2}`;
    const day = String(cell(r, ['day', 'date', 'timestamp']) ?? '').slice(0, 10);
    if (!isCalendarDay(day)) throw new InvoiceFileError(`${file}: ${where}: day ${JSON.stringify(cell(r, ['day', 'date', 'timestamp']) ?? null)} is not a day: write YYYY-MM-DD (or an RFC 3339 timestamp)`);
    const key = cell(r, ['api_key_id', 'api_key']);
    if (typeof key !== 'string' || key.trim() === '') throw new InvoiceFileError(`${file}: ${where}: api_key_id is empty: every estimate needs the key it was made for`);
    const raw = cell(r, ['estimated_usd', 'cost_usd']);
    const usd = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    if (!/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(usd)) throw new InvoiceFileError(`${file}: ${where}: estimated_usd ${JSON.stringify(raw ?? null)} is not an amount of dollars: write e.g. 0.0123`);
    return { day, apiKeyId: key.trim(), usd: canonicalDecimal(usd) };
  });
}

export async function compareEstimates(wh: Warehouse, month: string, estimates: Array<{ day: string; apiKeyId: string; usd: string }>, organizationId?: string | null): Promise<EstimateComparison> {
  const { from, to } = monthDays(month);
  const est = new Map<string, DecimalSum>();
  let outsideMonth = 0;
  for (const e of estimates) {
    if (e.day < from || e.day > to) {
      outsideMonth++;
      continue;
    }
    const k = `${e.day}|${e.apiKeyId}`;
    est.set(k, (est.get(k) ?? new DecimalSum()).add(e.usd));
  }
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const org = organizationId === undefined ? { sql: '', params: [] } : organizationId === null ? { sql: ` AND k.${i('organization_id')} IS NULL`, params: [] } : { sql: ` AND k.${i('organization_id')} = ?`, params: [organizationId] };
  const rows = await wh.query(
    `SELECT ${d.toText(`k.${i('activity_date')}`)} AS ${i('day')}, k.${i('api_key_id')} AS ${i('key')}, MIN(ak.${i('name')}) AS ${i('name')}, ${d.toText(d.sumExact(`k.${i('amount_usd')}`))} AS ${i('usd')}
       FROM ${d.table('claude_cost_by_key')} k LEFT JOIN ${d.table('claude_api_keys')} ak ON ak.${i('id')} = k.${i('api_key_id')}
      WHERE k.${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()} AND k.${i('api_key_id')} IS NOT NULL${org.sql} GROUP BY 1, 2`,
    [from, to, ...org.params],
  );
  const billed = new Map(rows.map((r) => [`${String(r.day).slice(0, 10)}|${String(r.key)}`, { usd: canonicalDecimal(r.usd), name: r.name === null ? null : String(r.name) }]));
  const keys = [...new Set([...est.keys(), ...billed.keys()])].sort();
  const tEst = new DecimalSum();
  const tBilled = new DecimalSum();
  const out: EstimateRow[] = [];
  for (const k of keys) {
    const [day, apiKeyId] = k.split('|') as [string, string];
    const e = est.get(k)?.toString() ?? '0';
    const b = billed.get(k);
    tEst.add(e);
    if (b) tBilled.add(b.usd);
    const diff = b ? subtractDecimal(e, b.usd) : null;
    out.push({
      day,
      apiKeyId,
      name: b?.name ?? null,
      estimatedUsd: e,
      billedUsd: b ? b.usd : null,
      differenceUsd: diff,
      share: diff !== null && b && !isZeroDecimal(b.usd) ? decimalToNumber(divideDecimal(diff, b.usd)) : null,
    });
  }
  const diff = subtractDecimal(tEst.toString(), tBilled.toString());
  return { month, rows: out, estimatedUsd: tEst.toString(), billedUsd: tBilled.toString(), differenceUsd: diff, share: tBilled.isZero() ? null : decimalToNumber(divideDecimal(diff, tBilled.toString())), outsideMonth };
}
