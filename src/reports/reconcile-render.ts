/** reconcile's text output: the bridge, matched and unmatched lines, and the verdict. */
import { formatTable } from '../util/table-format.js';
import { ExactDecimal, formatUsd } from '../util/money.js';
import type { ExpectedLine, Reconciliation } from './reconcile.js';

const usd = (v: string) => formatUsd(v);
const signed = (v: string) => (new ExactDecimal(v).isNegative() ? `-${formatUsd(new ExactDecimal(v).abs().toFixed())}` : `+${formatUsd(v)}`);
const named = (e: ExpectedLine) => (e.source === 'configured' ? `${e.name} (configured)` : e.inCostReport === false ? `${e.name} (usage, outside cost_report)` : `${e.name} (usage)`);

export function renderReconciliation(r: Reconciliation): string {
  const b = r.bridge;
  const out: string[] = [];
  out.push(`Reconcile ${r.month}${r.organizationId ? ` (${r.organizationId})` : ''} against invoice ${r.invoiceId}: ${b.daysHeld} of ${b.daysInMonth} days held`);
  out.push(
    `  cost_report ${usd(b.costReportUsd)} + outside cost_report ${usd(b.outsideUsd)} = billed usage ${usd(b.billedUsd)}; + configured fees ${signed(b.fixedUsd)} = expected ${usd(b.expectedUsd)}; invoice ${usd(r.invoiceTotalUsd)}`,
  );
  out.push('');
  if (r.matched.length > 0) {
    out.push('Matched lines:');
    out.push(
      formatTable(
        ['invoice line', 'invoice', 'expected', 'difference', 'from'],
        r.matched.map((m) => [m.invoice.description, usd(m.invoice.amountUsd), usd(m.expectedUsd), signed(m.differenceUsd), m.expected.map(named).join(', ') || '-']),
        ['left', 'right', 'right', 'right', 'left'],
      ),
    );
  }
  if (r.unmatchedInvoice.length > 0) out.push(`Invoice lines matching nothing here: ${r.unmatchedInvoice.map((l) => `${l.description} ${usd(l.amountUsd)}`).join('; ')}`);
  if (r.unmatchedExpected.length > 0) out.push(`Expected lines not on the invoice: ${r.unmatchedExpected.map((e) => `${named(e)} ${usd(e.usd)}`).join('; ')}`);
  out.push('');
  const tol = r.tolerance.usd === null ? r.tolerance.rule : `${r.tolerance.rule}: ${usd(r.tolerance.usd)}`;
  out.push(`Difference (invoice − expected): ${signed(r.differenceUsd)} (exact ${r.differenceUsd} USD); tolerance ${tol}: ${r.within ? 'WITHIN' : 'OUTSIDE'}.`);
  if (b.daysHeld < b.daysInMonth) out.push(`Note: the warehouse holds ${b.daysHeld} of ${b.daysInMonth} days of ${r.month}: claude-ingest backfill --from ${r.month}-01 fills the rest.`);
  return out.join('\n');
}
