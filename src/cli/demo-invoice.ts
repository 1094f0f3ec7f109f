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
import { ExactDecimal } from '../util/money.js';
import { monthDays } from '../reports/reconcile.js';

type Dec = InstanceType<typeof ExactDecimal>;

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
  const byProduct = new Map<string | null, Dec>();
  let outside = new ExactDecimal(0);
  for (const day of eachDay(from, to)) {
    for (const [p, c] of t.costCentsByProduct(day)) byProduct.set(p, (byProduct.get(p) ?? new ExactDecimal(0)).plus(c));
    outside = outside.plus(t.costCentsNotInCostReport(day));
  }
  // Claude Code on a subscription is what lies outside cost_report beyond the claude.ai products.
  let subscriptionCode = outside;
  for (const p of ['chat', 'cowork', 'claude_in_chrome', 'chat_cowork_unified', 'claude_design', 'claude_tag', 'office_agent']) subscriptionCode = subscriptionCode.minus(byProduct.get(p) ?? 0);
  const lines: Array<[string, Dec]> = [];
  for (const [p, cents] of byProduct) {
    if (p === 'claude_code') {
      lines.push(['Claude Code (API key) usage', cents.minus(subscriptionCode)], ['Claude Code subscription usage', subscriptionCode]);
    } else lines.push([p === null ? 'Code execution' : NAMES[p] ?? p, cents]);
  }
  const rows = lines.filter(([, c]) => !c.isZero()).map(([d, c]) => csvLine([d, c.div(100).toDecimalPlaces(2, ExactDecimal.ROUND_HALF_EVEN).toFixed(2), `DEMO-${month}`]));
  for (const f of DEMO_FIXED_COSTS) rows.push(csvLine([f.name, new ExactDecimal(f.monthly_usd).times(f.quantity).toFixed(2), `DEMO-${month}`]));
  writeFileSync(file, `${['description,amount_usd,invoice_id', ...rows].join('\n')}\n`);
  return file;
}
