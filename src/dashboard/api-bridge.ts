/**
 * /api/bridge: per calendar month of the range, how cost_report's total becomes the bill: + the
 * Analytics API's products outside cost_report = billed usage, + configured fees = expected, and the
 * invoice `reconcile` recorded for the month, if any. The same functions as `claude-ingest reconcile`
 * (src/reports/reconcile.ts), so the page and the command never disagree.
 */
import { monthBridge, type ExpectedLine } from '../reports/reconcile.js';
import { type DayRange } from '../util/dates.js';
import { canonicalDecimal } from '../util/money.js';
import type { ApiContext } from './api-context.js';
import { filterParams } from './params.js';

function monthsOf(range: DayRange): string[] {
  const out: string[] = [];
  let y = Number(range.from.slice(0, 4));
  let m = Number(range.from.slice(5, 7));
  const last = range.to.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    out.push(month);
    if (month >= last || out.length >= 36) return out;
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
}

export async function bridge(ctx: ApiContext, span: () => Promise<DayRange | null>) {
  const f = filterParams(ctx.query, await span());
  const orgs = f.organizationIds ?? [];
  const organizationId = orgs.length === 1 ? orgs[0]! : undefined;
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  // The months side by side (their order kept): one after another, this answer's ~60 small queries
  // each waited for the last, and it was the default view's last answer at every first start (Round 14).
  const months = await Promise.all(monthsOf(f).map(async (month) => {
    const { bridge: b, expected } = await monthBridge(ctx.wh, { month, ...(organizationId !== undefined ? { organizationId } : {}) });
    const org = organizationId !== undefined ? { sql: ` AND ${i('organization_id')} = ?`, params: [organizationId] } : { sql: '', params: [] };
    const invoices = await ctx.wh.query(
      `SELECT ${i('invoice_id')} AS ${i('id')}, ${d.toText(i('invoice_total_usd'))} AS ${i('usd')}, ${i('within_tolerance')} AS ${i('within')} FROM ${d.table('claude_invoices')} WHERE ${i('month')} = ${d.dateParam()}${org.sql}`,
      [`${month}-01`, ...org.params],
    );
    const fixed = expected.filter((e: ExpectedLine) => e.source === 'configured').map((e) => ({ name: e.name, usd: canonicalDecimal(e.usd) }));
    return {
      ...b,
      costReportUsd: canonicalDecimal(b.costReportUsd),
      outsideUsd: canonicalDecimal(b.outsideUsd),
      billedUsd: canonicalDecimal(b.billedUsd),
      fixedUsd: canonicalDecimal(b.fixedUsd),
      expectedUsd: canonicalDecimal(b.expectedUsd),
      /** Configured fees, each labelled as configured on the page: never API data. */
      fixed,
      /** One invoice per month when a single organization is shown (several: summed is not an invoice). */
      invoice: invoices.length === 1 ? { id: String(invoices[0]!.id), usd: canonicalDecimal(invoices[0]!.usd), within: invoices[0]!.within === true } : null,
    };
  }));
  return { filter: { from: f.from, to: f.to, organization: orgs }, months };
}
