/**
 * Tables of what the APIs do not report (issue 26): fees configured in claude-ingest.yaml
 * (`fixed_costs:`) and the invoices `reconcile` checked. Small ledger tables written row by row
 * (Warehouse.upsertLedgerRow), kept apart from tables.ts like the analytics tables to ease merges.
 * Every row here is configured or supplied by a person, never API data, and says so (source column).
 */
import type { ColumnDef } from './columns.js';
import type { TableSpec } from './tables.js';

export type BillingTableName = 'claude_fixed_costs' | 'claude_fixed_cost_parts' | 'claude_invoices';

const organization = { name: 'organization_id', type: 'string', doc: 'Organization billed; NULL when the fee names none (a single-organization warehouse).' } as const satisfies ColumnDef;

export const BILLING_TABLES = {
  claude_fixed_costs: {
    name: 'claude_fixed_costs',
    kind: 'ledger',
    doc: 'Fees from claude-ingest.yaml fixed_costs (seat licences and plans, support, credits, discounts), one row per fee and month, labelled configured: never API data. Written by run, backfill, reconcile and demo when the config has fixed_costs; a fee removed from the config stays with active = false.',
    columns: [
      { name: 'month', type: 'date', doc: 'First day of the calendar month charged.', nullable: false },
      { name: 'name', type: 'string', doc: 'The fee\'s name in the config.', nullable: false },
      organization,
      { name: 'kind', type: 'string', doc: 'seats, plan, support, credit, discount or other.', nullable: false },
      { name: 'charge_category', type: 'string', doc: 'FOCUS ChargeCategory: Purchase, or Credit for credits and discounts.', nullable: false },
      { name: 'unit_price_usd', type: 'usd', doc: 'monthly_usd as configured (the unit price when a quantity is given), prorated by days when the fee starts or ends inside the month: × days charged / days in the month, half-even to $0.00000001.', nullable: false },
      { name: 'quantity', type: 'int', doc: 'Units (1 when none is configured).', nullable: false },
      { name: 'unit', type: 'string', doc: 'What the quantity counts (FOCUS PricingUnit), e.g. Seats or Months.', nullable: false },
      { name: 'amount_usd', type: 'usd', doc: 'unit_price_usd × quantity (so prorated with it); negative for credits and discounts.', nullable: false },
      { name: 'allocate_to', type: 'string', doc: 'Who pays, as configured (allocate_to).' },
      { name: 'period_start', type: 'date', doc: 'First day of the month charged (the fee\'s from when it starts inside the month); NULL in rows written before schema 4: the whole month.' },
      { name: 'period_end', type: 'date', doc: 'Last day of the month charged (the fee\'s to when it ends inside the month); NULL in rows written before schema 4: the whole month.' },
      { name: 'source', type: 'string', doc: 'Always "configured".', nullable: false },
      { name: 'active', type: 'bool', doc: 'false once the fee (or this month of it) is no longer in the config.', nullable: false },
      { name: 'synced_at', type: 'timestamp', doc: 'When the config was last written here.', nullable: false },
    ],
    naturalKey: ['month', 'name', 'organization_id'],
  },
  claude_fixed_cost_parts: {
    name: 'claude_fixed_cost_parts',
    kind: 'ledger',
    doc: 'Who pays each configured fee-month (fixed_costs allocate / split / allocate_to, docs/allocation.md): one row per part in the allocation dimensions, written beside claude_fixed_costs when the config has allocation:, so the FOCUS view carries one fee row per part with its dimension values in Tags. Reports allocate fees from the config itself (a restated split needs no rewrite); this table only feeds the view, and is rewritten on each sync (parts no longer produced stay with active = false).',
    columns: [
      { name: 'month', type: 'date', doc: 'First day of the calendar month charged.', nullable: false },
      { name: 'name', type: 'string', doc: 'The fee\'s name (claude_fixed_costs.name).', nullable: false },
      organization,
      { name: 'part', type: 'int', doc: 'The part\'s number within the fee-month, from 0.', nullable: false },
      { name: 'tags', type: 'string', doc: 'The FOCUS Tags of the part: JSON text {"kind", "allocate_to", "source", <dimension>: <value>…}.', nullable: false },
      { name: 'amount_usd', type: 'usd', doc: 'The part of claude_fixed_costs.amount_usd; a fee-month\'s parts add up to it exactly (largest remainder).', nullable: false },
      { name: 'pricing_quantity', type: 'usd', doc: 'quantity × the part\'s share of the fee (FOCUS PricingQuantity of the part, so unit price × quantity = its cost).', nullable: false },
      { name: 'rules_hash', type: 'string', doc: 'The allocation rules\' hash the parts were computed with.', nullable: false },
      { name: 'active', type: 'bool', doc: 'false once the part is no longer produced by the config.', nullable: false },
      { name: 'synced_at', type: 'timestamp', doc: 'When the parts were last written.', nullable: false },
    ],
    naturalKey: ['month', 'name', 'organization_id', 'part'],
  },
  claude_invoices: {
    name: 'claude_invoices',
    kind: 'ledger',
    doc: 'Invoices checked by claude-ingest reconcile: the month, the invoice id (FOCUS InvoiceId of that month\'s rows), the totals and the verdict.',
    columns: [
      { name: 'month', type: 'date', doc: 'First day of the invoiced month.', nullable: false },
      organization,
      { name: 'invoice_id', type: 'string', doc: 'From --invoice-id, the invoice file\'s invoice_id, else the file name (or "total" for --invoice-total).', nullable: false },
      { name: 'invoice_total_usd', type: 'usd', doc: 'Sum of the invoice lines.', nullable: false },
      { name: 'expected_total_usd', type: 'usd', doc: 'Usage (per product) plus configured fees for the month, exact.', nullable: false },
      { name: 'difference_usd', type: 'usd', doc: 'invoice_total_usd − expected_total_usd.', nullable: false },
      { name: 'tolerance', type: 'string', doc: 'The rule judged by: invoice precision, focus, or a fixed amount.', nullable: false },
      { name: 'within_tolerance', type: 'bool', doc: 'The verdict (reconcile exits 0 when true).', nullable: false },
      { name: 'lines', type: 'json', doc: 'Matched and unmatched lines as reconcile --json prints them.', nullable: false },
      { name: 'reconciled_at', type: 'timestamp', doc: 'When reconcile ran.', nullable: false },
    ],
    naturalKey: ['month', 'organization_id'],
  },
} as const satisfies Record<BillingTableName, TableSpec>;
