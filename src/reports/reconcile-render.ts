/** reconcile's text output: the bridge, matched and unmatched lines, and the verdict. */
import { formatTable } from '../util/table-format.js';
import { absDecimal, formatUsd, isNegativeDecimal } from '../util/money.js';
import type { EstimateComparison } from './estimates.js';
import type { ExpectedLine, Reconciliation } from './reconcile.js';

const usd = (v: string) => formatUsd(v);
const signed = (v: string) => (isNegativeDecimal(v) ? `-${formatUsd(absDecimal(v))}` : `+${formatUsd(v)}`);
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

const pct = (r: number | null) => (r === null ? '–' : `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)}%`);

/** `reconcile --estimates`: per day and key, estimated vs billed. */
export function renderEstimates(c: EstimateComparison): string {
  const out = [`Estimates vs billed ${c.month} (billed: Analytics API, claude_cost_by_key)`];
  out.push(
    formatTable(
      ['day', 'api key', 'estimated', 'billed', 'difference', 'share'],
      c.rows.map((r) => [r.day, r.name ? `${r.name} (${r.apiKeyId})` : r.apiKeyId, usd(r.estimatedUsd), r.billedUsd === null ? 'not billed' : usd(r.billedUsd), r.differenceUsd === null ? '–' : signed(r.differenceUsd), pct(r.share)]),
      ['left', 'left', 'right', 'right', 'right', 'right'],
    ),
  );
  out.push(`Total: estimated ${usd(c.estimatedUsd)}, billed ${usd(c.billedUsd)}, difference ${signed(c.differenceUsd)} (${pct(c.share)} of billed; exact ${c.differenceUsd} USD).`);
  if (c.outsideMonth > 0) out.push(`${c.outsideMonth} estimate row(s) outside ${c.month} left out.`);
  return out.join('\n');
}
