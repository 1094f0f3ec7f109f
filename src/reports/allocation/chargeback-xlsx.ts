/**
 * The chargeback as an Excel workbook (exceljs): the detail lines, the totals per value with shares
 * and the month's total, and an About sheet with the rules' hash and the data's last refresh. Excel
 * stores every number as a binary double, so the money cells hold the exact decimal rounded to what a
 * double carries (shown to the cent); the CSV and JSON keep the exact text.
 */
import ExcelJS from 'exceljs';
import { chargebackJson, type Chargeback } from './chargeback.js';
import { sharePct, usdOf } from './summary.js';

const MONEY = '#,##0.00';

export async function renderChargebackXlsx(c: Chargeback): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'claude-ingest';
  const json = chargebackJson(c);
  const cols = json.columns as string[];
  const n = c.dimensions.length + 6;

  const lines = wb.addWorksheet('Chargeback');
  lines.addRow(cols).font = { bold: true };
  for (const l of c.lines) lines.addRow([...l.keys, Number(usdOf(l.billed)), Number(usdOf(l.list))]);
  lines.getColumn(n + 1).numFmt = MONEY;
  lines.getColumn(n + 2).numFmt = MONEY;
  lines.views = [{ state: 'frozen', ySplit: 1 }];

  const totals = wb.addWorksheet('Totals');
  totals.addRow([...c.dimensions, 'billed_usd', 'list_usd', 'fixed_fees_configured_usd', 'share_pct']).font = { bold: true };
  for (const t of c.totals) totals.addRow([...t.values, Number(usdOf(t.billed)), Number(usdOf(t.list)), Number(usdOf(t.fees)), sharePct(t.billed, c.total.billed)]);
  totals.addRow([...c.dimensions.map((_, k) => (k === 0 ? 'Total' : '')), Number(usdOf(c.total.billed)), Number(usdOf(c.total.list)), Number(usdOf(c.total.fees)), c.total.billed === 0n ? 0 : 100]).font = { bold: true };
  for (let k = 1; k <= 3; k++) totals.getColumn(c.dimensions.length + k).numFmt = MONEY;

  const about = wb.addWorksheet('About');
  for (const row of [
    ['month', c.month],
    ['days', `${c.from}..${c.to}`],
    ['by', c.dimensions.join(', ')],
    ['rules hash', c.rulesHash],
    ['rules', c.rules],
    ['data last refreshed', c.lastRefresh ?? 'unknown'],
    ['billed_usd total (exact)', usdOf(c.total.billed)],
    ['list_usd total (exact)', usdOf(c.total.list)],
    ['fixed fees (configured) in the totals (exact)', usdOf(c.total.fees)],
    ['the totals include', json.total && typeof json.total === 'object' ? String((json.total as Record<string, unknown>).includes) : ''],
  ] as Array<[string, string | number]>) about.addRow(row);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
