/**
 * reconcile: one month's usage (per product, from the Analytics API where it holds the day, else
 * cost_report's total) and configured fees (claude_fixed_costs) lined up against an invoice's lines.
 * Lines are matched by name (see ALIASES); what matches nothing is listed, never hidden. Exact
 * arithmetic throughout; only the comparison rounds, as the tolerance rule says (docs/reconcile.md).
 */
import { eachDay, monthOf, parseDay, type IsoDay } from '../util/dates.js';
import { absDecimal, addDecimal, canonicalDecimal, compareDecimal, DecimalSum, divideDecimal, isZeroDecimal, maxDecimal, multiplyDecimal, roundDecimal, sqrtDecimal, subtractDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { billedByCostReportSql, bridgeLabel } from './bridge.js';
import type { InvoiceLine } from './invoice.js';


export type ToleranceRule = { kind: 'invoice' } | { kind: 'focus' } | { kind: 'usd'; usd: string };

export interface ExpectedLine {
  name: string;
  source: 'usage' | 'configured';
  /** Usage: inside cost_report (API products) or outside it (subscription products). */
  inCostReport: boolean | null;
  usd: string;
}

export interface MatchedLine {
  invoice: InvoiceLine;
  expected: ExpectedLine[];
  expectedUsd: string;
  differenceUsd: string;
  /** The expected amount rounded half-even to the cent equals the invoice line. */
  equalAtCents: boolean;
}

export interface MonthBridge {
  month: string;
  daysHeld: number;
  daysInMonth: number;
  /** cost_report's total for the month. */
  costReportUsd: string;
  /** Analytics cost outside cost_report (subscription products). */
  outsideUsd: string;
  /** costReport + outside: all usage billed. */
  billedUsd: string;
  /** Configured fees (negative credits included). */
  fixedUsd: string;
  /** billed + fixed. */
  expectedUsd: string;
}

export interface Reconciliation {
  month: string;
  organizationId: string | null;
  invoiceId: string;
  bridge: MonthBridge;
  expected: ExpectedLine[];
  matched: MatchedLine[];
  unmatchedInvoice: InvoiceLine[];
  unmatchedExpected: ExpectedLine[];
  invoiceTotalUsd: string;
  expectedTotalUsd: string;
  differenceUsd: string;
  tolerance: { rule: string; usd: string | null };
  /** Rows the FOCUS view holds for the month (the focus rule's √rows). */
  focusRows: number;
  within: boolean;
}

export interface MonthScope {
  month: string; // YYYY-MM
  organizationId?: string | null;
}

export function monthDays(month: string): { from: IsoDay; to: IsoDay } {
  const { first, last } = monthOf(parseDay(`${month}-01`, 'month'));
  return { from: first, to: last };
}

function orgSql(wh: Warehouse, alias: string, s: MonthScope): { sql: string; params: unknown[] } {
  if (s.organizationId === undefined) return { sql: '', params: [] };
  const col = `${alias}.${wh.dialect.ident('organization_id')}`;
  return s.organizationId === null ? { sql: ` AND ${col} IS NULL`, params: [] } : { sql: ` AND ${col} = ?`, params: [s.organizationId] };
}

/** A warehouse cell's cents as canonical decimal text (NULL: 0). */
const cents = (v: unknown) => canonicalDecimal(v);

/** Usage per product for the month and the bridge's figures. */
export async function monthUsage(wh: Warehouse, s: MonthScope): Promise<{ lines: ExpectedLine[]; bridge: Omit<MonthBridge, 'fixedUsd' | 'expectedUsd'> }> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const { from, to } = monthDays(s.month);
  const range = (alias: string) => {
    const o = orgSql(wh, alias, s);
    return { sql: `${alias}.${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${o.sql}`, params: [from, to, ...o.params] };
  };
  const a = range('a');
  const perProduct = await wh.query(
    `SELECT a.${i('product')} AS ${i('product')}, ${billedByCostReportSql(wh, 'a')} AS ${i('billed')}, ${d.toText(d.sumExact(`a.${i('amount_cents')}`))} AS ${i('cents')}
       FROM ${d.table('claude_cost_by_actor')} a WHERE ${a.sql} GROUP BY 1, 2`,
    a.params,
  );
  const byLabel = new Map<string, { inCostReport: boolean; cents: DecimalSum }>();
  const outsideSum = new DecimalSum();
  for (const r of perProduct) {
    const billed = r.billed === true || r.billed === 1 || r.billed === 'true';
    const label = bridgeLabel(r.product === null || r.product === undefined ? null : String(r.product), billed);
    const sum = byLabel.get(label)?.cents ?? new DecimalSum();
    byLabel.set(label, { inCostReport: billed, cents: sum.add(cents(r.cents)) });
    if (!billed) outsideSum.add(cents(r.cents));
  }
  const outside = outsideSum.toString();
  // Days the Analytics API does not hold (before 2026-01-01, or not fetched): cost_report's total stands in.
  const c = range('c');
  const x = orgSql(wh, 'x', s);
  const [legacyOnly] = await wh.query(
    `SELECT ${d.toText(d.sumExact(`c.${i('amount_cents')}`))} AS ${i('cents')} FROM ${d.table('claude_cost_daily_totals')} c
      WHERE ${c.sql} AND NOT EXISTS (SELECT 1 FROM ${d.table('claude_analytics_daily_totals')} x WHERE ${d.allDays(`x.${i('activity_date')}`)} AND x.${i('activity_date')} = c.${i('activity_date')}${x.sql})`,
    [...c.params, ...x.params],
  );
  const [all] = await wh.query(
    `SELECT ${d.toText(d.sumExact(`c.${i('amount_cents')}`))} AS ${i('cents')}, COUNT(DISTINCT c.${i('activity_date')}) AS ${i('days')} FROM ${d.table('claude_cost_daily_totals')} c WHERE ${c.sql}`,
    c.params,
  );
  const lines: ExpectedLine[] = [...byLabel]
    .map(([name, v]) => [name, { inCostReport: v.inCostReport, cents: v.cents.toString() }] as const)
    .sort((p, q) => compareDecimal(q[1].cents, p[1].cents))
    .map(([name, v]) => ({ name, source: 'usage', inCostReport: v.inCostReport, usd: divideDecimal(v.cents, 100) }));
  const legacy = cents(legacyOnly?.cents);
  if (!isZeroDecimal(legacy)) lines.push({ name: 'API usage (cost_report)', source: 'usage', inCostReport: true, usd: divideDecimal(legacy, 100) });
  const costReport = cents(all?.cents);
  return {
    lines,
    bridge: {
      month: s.month,
      daysHeld: Number(all?.days ?? 0),
      daysInMonth: eachDay(from, to).length,
      costReportUsd: divideDecimal(costReport, 100),
      outsideUsd: divideDecimal(outside, 100),
      billedUsd: divideDecimal(addDecimal(costReport, outside), 100),
    },
  };
}

/** Active configured fees of the month, one line each. */
export async function monthFixedCosts(wh: Warehouse, s: MonthScope): Promise<ExpectedLine[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  // A fee without an organization belongs to whichever one is reconciled.
  const org = s.organizationId ? { sql: ` AND (f.${i('organization_id')} = ? OR f.${i('organization_id')} IS NULL)`, params: [s.organizationId] } : { sql: '', params: [] };
  const rows = await wh.query(
    `SELECT f.${i('name')} AS ${i('name')}, ${d.toText(d.sumExact(`f.${i('amount_usd')}`))} AS ${i('usd')} FROM ${d.table('claude_fixed_costs')} f
      WHERE f.${i('month')} = ${d.dateParam()} AND f.${i('active')}${org.sql} GROUP BY 1 ORDER BY 1`,
    [`${s.month}-01`, ...org.params],
  );
  return rows.map((r) => ({ name: String(r.name), source: 'configured', inCostReport: null, usd: cents(r.usd) }));
}

export async function monthBridge(wh: Warehouse, s: MonthScope): Promise<{ bridge: MonthBridge; expected: ExpectedLine[] }> {
  const usage = await monthUsage(wh, s);
  const fixed = await monthFixedCosts(wh, s);
  const fixedUsd = sumDecimals(fixed.map((l) => l.usd));
  const billed = sumDecimals(usage.lines.map((l) => l.usd));
  return {
    bridge: { ...usage.bridge, billedUsd: billed, fixedUsd, expectedUsd: addDecimal(billed, fixedUsd) },
    expected: [...usage.lines, ...fixed],
  };
}

/** Invoice wording for each usage line, most specific first (whole words, case-insensitive). */
const ALIASES: Record<string, string[]> = {
  'claude_code (API key)': ['claude code api key', 'claude code api'],
  'Claude Code on subscription': ['claude code subscription', 'claude code'],
  messages_api: ['messages api', 'messages_api'],
  message_batches_api: ['message batches', 'batch api', 'batch'],
  managed_agents_api: ['managed agents', 'agent sessions'],
  claude_console: ['console', 'workbench'],
  'code execution': ['code execution'],
  chat: ['claude ai chat', 'chat'],
  Cowork: ['cowork'],
  'Claude in Chrome': ['claude in chrome', 'chrome'],
  'API usage (cost_report)': ['api usage'],
};

const norm = (t: string) => ` ${t.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;

function aliasesOf(l: ExpectedLine): string[] {
  return [...(l.source === 'configured' ? [] : ALIASES[l.name] ?? []), l.name].map(norm);
}

/** One-to-one by name, longest alias first; then one remaining invoice line about "usage" takes the remaining usage. */
export function matchLines(invoice: InvoiceLine[], expected: ExpectedLine[]): { matched: Array<{ invoice: InvoiceLine; expected: ExpectedLine[] }>; unmatchedInvoice: InvoiceLine[]; unmatchedExpected: ExpectedLine[] } {
  const free = new Set(invoice.map((_, k) => k));
  const taken = new Map<number, ExpectedLine[]>();
  const candidates = expected.flatMap((e) => aliasesOf(e).map((alias) => ({ e, alias }))).sort((p, q) => q.alias.length - p.alias.length);
  const placed = new Set<ExpectedLine>();
  for (const { e, alias } of candidates) {
    if (placed.has(e)) continue;
    const k = [...free].find((n) => norm(invoice[n]!.description).includes(alias));
    if (k === undefined) continue;
    free.delete(k);
    placed.add(e);
    taken.set(k, [e]);
  }
  const rest = expected.filter((e) => !placed.has(e) && e.source === 'usage');
  const catchAll = [...free].find((n) => /\b(usage|api)\b/.test(norm(invoice[n]!.description)));
  if (catchAll !== undefined && rest.length > 0) {
    free.delete(catchAll);
    for (const e of rest) placed.add(e);
    taken.set(catchAll, rest);
  }
  return {
    matched: [...taken].sort((p, q) => p[0] - q[0]).map(([k, es]) => ({ invoice: invoice[k]!, expected: es })),
    unmatchedInvoice: [...free].sort((p, q) => p - q).map((k) => invoice[k]!),
    unmatchedExpected: expected.filter((e) => !placed.has(e)),
  };
}

const toCents = (usd: string) => roundDecimal(usd, 2, 'half-even');

export async function focusRowsOfMonth(wh: Warehouse, s: MonthScope): Promise<number> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const { from, to } = monthDays(s.month);
  const org = s.organizationId ? { sql: ` AND ${i('BillingAccountId')} = ?`, params: [s.organizationId] } : { sql: '', params: [] };
  const [r] = await wh.query(`SELECT COUNT(*) AS ${i('n')} FROM ${d.table('claude_focus_costs')} WHERE ${i('x_ActivityDate')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql}`, [from, to, ...org.params]);
  return Number(r?.n ?? 0);
}

/** The FOCUS invoice-detail tolerance: max(100 × subunit, √rows × 0.5 × subunit), subunit $0.01. */
export function focusToleranceUsd(rows: number): string {
  const byRows = multiplyDecimal(sqrtDecimal(rows), '0.005');
  return roundDecimal(maxDecimal(1, byRows), 6, 'half-even');
}

export async function reconcileMonth(
  wh: Warehouse,
  s: MonthScope,
  invoice: { invoiceId: string; lines: InvoiceLine[]; totalOnly: boolean },
  rule: ToleranceRule,
): Promise<Reconciliation> {
  const { bridge, expected } = await monthBridge(wh, s);
  const invoiceTotal = sumDecimals(invoice.lines.map((l) => l.amountUsd));
  const expectedTotal = canonicalDecimal(bridge.expectedUsd);
  const difference = subtractDecimal(invoiceTotal, expectedTotal);
  const m = invoice.totalOnly ? { matched: [{ invoice: invoice.lines[0]!, expected }], unmatchedInvoice: [], unmatchedExpected: [] } : matchLines(invoice.lines, expected);
  const matched: MatchedLine[] = m.matched.map((x) => {
    const exp = sumDecimals(x.expected.map((e) => e.usd));
    return { invoice: x.invoice, expected: x.expected, expectedUsd: exp, differenceUsd: subtractDecimal(x.invoice.amountUsd, exp), equalAtCents: compareDecimal(toCents(exp), x.invoice.amountUsd) === 0 };
  });
  const focusRows = await focusRowsOfMonth(wh, s);
  let within: boolean;
  let tolerance: Reconciliation['tolerance'];
  if (rule.kind === 'invoice') {
    // The invoice's own precision: each line is usage rounded half-even to the cent, and nothing is left over.
    const leftover = m.unmatchedExpected.filter((e) => !isZeroDecimal(toCents(e.usd)));
    within = matched.every((x) => x.equalAtCents) && m.unmatchedInvoice.every((l) => isZeroDecimal(l.amountUsd)) && leftover.length === 0;
    tolerance = { rule: 'invoice precision (each line = expected rounded half-even to the cent)', usd: null };
  } else {
    const usd = rule.kind === 'focus' ? focusToleranceUsd(focusRows) : canonicalDecimal(rule.usd);
    within = compareDecimal(absDecimal(difference), usd) <= 0;
    tolerance = { rule: rule.kind === 'focus' ? `focus (max(100 × $0.01, √${focusRows} rows × 0.5 × $0.01))` : 'fixed amount', usd };
  }
  return {
    month: s.month,
    organizationId: s.organizationId ?? null,
    invoiceId: invoice.invoiceId,
    bridge,
    expected,
    matched,
    unmatchedInvoice: m.unmatchedInvoice,
    unmatchedExpected: m.unmatchedExpected,
    invoiceTotalUsd: invoiceTotal,
    expectedTotalUsd: expectedTotal,
    differenceUsd: difference,
    tolerance,
    focusRows,
    within,
  };
}
