/** `claude-ingest reconcile`: one month of usage and configured fees against an invoice (docs/reconcile.md). */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadConfig } from '../config/load.js';
import { allocationRulesOfConfig } from '../config/allocation-rules.js';
import { syncFees } from './fee-sync.js';
import { InvoiceFileError, parseInvoice, type InvoiceLine } from '../reports/invoice.js';
import { selectWarehouseOrganizations, warehouseOrganizations } from '../reports/organizations.js';
import { reconcileMonth, type Reconciliation, type ToleranceRule } from '../reports/reconcile.js';
import { renderEstimates, renderReconciliation } from '../reports/reconcile-render.js';
import { compareEstimates, parseEstimates } from '../reports/estimates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { EXIT } from './exit-codes.js';
import type { Program } from './program.js';
import { configOption, warehouseOrgOption } from './shared-options.js';
import { resolveCalendar, tzOption } from './calendar-option.js';
import { isUtc } from '../util/calendar.js';
import type { CliRuntime } from './runtime.js';
import { InputError } from '../util/errors.js';
import { asIsoDay } from '../util/dates.js';
import { usdFromDecimal } from '../util/money.js';
import { parseUsd } from './validate-command.js';

export function parseMonth(value: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new InputError(`--month ${value} is not a month: use YYYY-MM, e.g. 2026-11`);
  return value.trim();
}

export function parseTolerance(o: { tolerance?: string; toleranceUsd?: string }): ToleranceRule {
  if (o.tolerance !== undefined && o.toleranceUsd !== undefined) throw new InputError('give one of --tolerance focus and --tolerance-usd T, not both');
  if (o.toleranceUsd !== undefined) return { kind: 'usd', usd: parseUsd(o.toleranceUsd, '--tolerance-usd') };
  if (o.tolerance === undefined || o.tolerance === 'invoice') return { kind: 'invoice' };
  if (o.tolerance === 'focus') return { kind: 'focus' };
  throw new InputError(`--tolerance ${o.tolerance} is not a rule: use focus (or invoice, the default), or --tolerance-usd T`);
}

function readInvoice(o: { invoice?: string; invoiceTotal?: string; invoiceId?: string }): { invoiceId: string; lines: InvoiceLine[]; totalOnly: boolean } {
  if ((o.invoice === undefined) === (o.invoiceTotal === undefined)) throw new InputError('give the invoice: --invoice FILE (CSV or JSON lines) or --invoice-total X');
  if (o.invoiceTotal !== undefined) {
    const text = o.invoiceTotal.trim().replace(/^\$/, '').replace(/,/g, '');
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new InputError(`--invoice-total ${o.invoiceTotal} is not an amount of dollars: use e.g. 1234.56`);
    return { invoiceId: o.invoiceId ?? 'total', lines: [{ description: 'Invoice total', amountUsd: text }], totalOnly: true };
  }
  let text: string;
  try {
    text = readFileSync(o.invoice!, 'utf8');
  } catch (err) {
    throw new InvoiceFileError(`${o.invoice}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): check the path`);
  }
  const inv = parseInvoice(text, o.invoice!);
  return { invoiceId: o.invoiceId ?? inv.invoiceId ?? basename(o.invoice!), lines: inv.lines, totalOnly: false };
}

/** Records the verdict in claude_invoices; its invoice id becomes the month's FOCUS InvoiceId. */
export async function recordReconciliation(wh: Warehouse, r: Reconciliation): Promise<void> {
  if (!wh.upsertLedgerRow) return;
  await wh.upsertLedgerRow('claude_invoices', {
    month: asIsoDay(`${r.month}-01`),
    organization_id: r.organizationId,
    invoice_id: r.invoiceId,
    invoice_total_usd: usdFromDecimal(r.invoiceTotalUsd),
    expected_total_usd: usdFromDecimal(r.expectedTotalUsd),
    difference_usd: usdFromDecimal(r.differenceUsd),
    tolerance: r.tolerance.usd === null ? r.tolerance.rule : `${r.tolerance.rule}: ${r.tolerance.usd}`,
    within_tolerance: r.within,
    lines: JSON.stringify({ matched: r.matched, unmatchedInvoice: r.unmatchedInvoice, unmatchedExpected: r.unmatchedExpected }),
    reconciled_at: new Date().toISOString(),
  });
}

async function estimatesRun(rt: CliRuntime, g: Parameters<CliRuntime['openWarehouse']>[0], month: string, file: string, org: string | undefined): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvoiceFileError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): check the path`);
  }
  const estimates = parseEstimates(text, file);
  const wh = await rt.openWarehouse(g, true);
  try {
    const orgs = org === undefined ? await warehouseOrganizations(wh) : await selectWarehouseOrganizations(wh, org);
    if (orgs.length > 1) throw new InputError('this warehouse holds several organizations: add --org NAME|ID');
    const c = await compareEstimates(wh, month, estimates, orgs.length === 1 ? orgs[0]!.id : undefined);
    rt.reporter(g).print(g.json ? JSON.stringify(c, null, 2) : renderEstimates(c));
  } finally {
    await wh.close();
  }
}

export function registerReconcileCommand(program: Program, rt: CliRuntime): void {
  program
    .command('reconcile')
    .description('Line up one month of usage (per product) and configured fees against an invoice; exit 1 outside the tolerance.')
    .requiredOption('--month <YYYY-MM>', 'the invoiced month (UTC)')
    .option('--invoice <file>', 'the invoice: CSV with description,amount_usd columns, or JSON [{"description", "amount_usd"}]')
    .option('--invoice-total <usd>', 'the invoice total alone, instead of --invoice')
    .option('--estimates <file>', 'instead of an invoice: your own cost estimates (CSV day,api_key_id,estimated_usd or JSON) against billed cost per day and key')
    .option('--invoice-id <id>', 'invoice number, recorded as the FOCUS InvoiceId of the month (default: the file\'s invoice_id, else its name)')
    .option('--tolerance <rule>', 'focus: the FOCUS invoice-detail rule max(100 × $0.01, √rows × 0.5 × $0.01); default: the invoice\'s own precision (each line = usage rounded half-even to the cent)')
    .option('--tolerance-usd <usd>', 'a fixed allowed difference in dollars')
    .addOption(warehouseOrgOption('the only one; required when the warehouse holds several (an invoice is one organization\'s)'))
    .addOption(configOption('fixed_costs:, timezone:'))
    .addOption(tzOption())
    .addHelpText(
      'after',
      `
The month is the invoice's: cost_report bills UTC days, so a configured time zone (--tz, timezone:)
does not move its days; a note says so (docs/time-zones.md).

Exit 0 within the tolerance, 1 outside it, 2 for bad input (a malformed invoice file: one line saying
what to fix). The reconciled invoice is recorded (claude_invoices) and its id becomes the month's
InvoiceId in the FOCUS view. See docs/reconcile.md.

Examples:
  $ claude-ingest reconcile --month 2026-11 --invoice invoice-2026-11.csv
  $ claude-ingest reconcile --month 2026-11 --invoice-total 93817.42 --tolerance focus --json
  $ claude-ingest reconcile --month 2026-11 --estimates gateway-costs.csv`,
    )
    .action(async (o, cmd) => {
      const g = cmd.optsWithGlobals();
      try {
        const month = parseMonth(o.month);
        if (o.estimates !== undefined) {
          if (o.invoice !== undefined || o.invoiceTotal !== undefined) throw new InputError('--estimates compares your estimates with billed cost; reconcile an invoice in a separate run');
          await estimatesRun(rt, g, month, o.estimates, o.org);
          return;
        }
        const rule = parseTolerance(o);
        const invoice = readInvoice(o);
        const config = loadConfig(o.config, rt.io.env);
        const cal = resolveCalendar(rt.io.env, o);
        if (!isUtc(cal)) rt.reporter(g).info(`reconcile: the invoice month ${month} is matched on the API's UTC days (cost_report bills UTC days); the time zone ${cal.timeZone} does not apply to it`);
        const wh = await rt.openWarehouse(g);
        try {
          if (config.config.fixed_costs) await syncFees(wh, config.config.fixed_costs, allocationRulesOfConfig(config.config, config.path), rt.today());
          const orgs = o.org === undefined ? await warehouseOrganizations(wh) : await selectWarehouseOrganizations(wh, o.org);
          if (orgs.length > 1) throw new InputError('this warehouse holds several organizations and an invoice is one organization\'s: add --org NAME|ID');
          const organizationId = orgs.length === 1 ? orgs[0]!.id : undefined;
          const r = await reconcileMonth(wh, { month, ...(organizationId !== undefined ? { organizationId } : {}) }, invoice, rule);
          await recordReconciliation(wh, r);
          rt.reporter(g).print(g.json ? JSON.stringify(r, null, 2) : renderReconciliation(r));
          if (!r.within) rt.exitCode = EXIT.failed;
        } finally {
          await wh.close();
        }
      } catch (err) {
        rt.fail(g, err);
      }
    });
}
