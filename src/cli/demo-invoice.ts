/**
 * The demo's invoice: what Anthropic would bill the emulated organization for a month, written from
 * the emulator's ground truth (never from the warehouse), one line per product rounded half-even to
 * the cent as an invoice is, plus the demo's configured seat fee. `reconcile` then lines the
 * warehouse up against it, as a user would with a real invoice.
 */
import { writeFileSync } from 'node:fs';
import type { Emulator } from '../emulator/index.js';
import { eachDay } from '../util/dates.js';
import { csvLine } from '../util/csv.js';
import { DecimalSum, divideDecimal, isZeroDecimal, multiplyDecimal, roundDecimal, subtractDecimal } from '../util/money.js';
import { monthDays } from '../reports/reconcile.js';


export const DEMO_FIXED_COSTS = [{ name: 'Team plan seats', kind: 'seats' as const, monthly_usd: 30, quantity: 25 }];

const NAMES: Record<string, string> = {
  messages_api: 'Messages API usage',
  message_batches_api: 'Message Batches API usage',
  managed_agents_api: 'Managed Agents sessions',
  claude_console: 'Console usage',
  chat: 'Claude.ai chat usage',
  cowork: 'Cowork usage',
  claude_in_chrome: 'Claude in Chrome usage',
};

/** Writes the invoice CSV for `month` (YYYY-MM) and returns its path. */
export function writeDemoInvoice(emu: Emulator, month: string, file: string): string {
  const t = emu.truth.analytics;
  const { from, to } = monthDays(month);
  const sums = new Map<string | null, DecimalSum>();
  const outsideSum = new DecimalSum();
  for (const day of eachDay(from, to)) {
    for (const [p, c] of t.costCentsByProduct(day)) sums.set(p, (sums.get(p) ?? new DecimalSum()).add(c));
    outsideSum.add(t.costCentsNotInCostReport(day));
  }
  const byProduct = new Map([...sums].map(([p, s]) => [p, s.toString()]));
  const outside = outsideSum.toString();
  // Claude Code on a subscription is what lies outside cost_report beyond the claude.ai products.
  let subscriptionCode = outside;
  for (const p of ['chat', 'cowork', 'claude_in_chrome', 'chat_cowork_unified', 'claude_design', 'claude_tag', 'office_agent']) subscriptionCode = subtractDecimal(subscriptionCode, byProduct.get(p) ?? 0);
  const lines: Array<[string, string]> = [];
  for (const [p, cents] of byProduct) {
    if (p === 'claude_code') {
      lines.push(['Claude Code (API key) usage', subtractDecimal(cents, subscriptionCode)], ['Claude Code subscription usage', subscriptionCode]);
    } else lines.push([p === null ? 'Code execution' : NAMES[p] ?? p, cents]);
  }
  const rows = lines.filter(([, c]) => !isZeroDecimal(c)).map(([d, c]) => csvLine([d, roundDecimal(divideDecimal(c, 100), 2, 'half-even', true), `DEMO-${month}`]));
  for (const f of DEMO_FIXED_COSTS) rows.push(csvLine([f.name, roundDecimal(multiplyDecimal(f.monthly_usd, f.quantity), 2, 'half-even', true), `DEMO-${month}`]));
  writeFileSync(file, `${['description,amount_usd,invoice_id', ...rows].join('\n')}\n`);
  return file;
}
