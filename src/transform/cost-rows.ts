/** cost_report results → claude_costs / claude_cost_daily_totals rows. */
import { centsToUsd, parseCents } from '../util/money.js';
import type { Row } from '../warehouse/tables.js';
import type { Lineage } from './lineage.js';
import { bucketDay } from './lineage.js';

export interface CostResultLike {
  amount: string | number;
  currency?: string | null;
  workspace_id?: string | null;
  description?: string | null;
  cost_type?: string | null;
  model?: string | null;
  service_tier?: string | null;
  token_type?: string | null;
  context_window?: string | null;
  inference_geo?: string | null;
}

function money(result: CostResultLike, where: string): { amount_cents: string; amount_usd: string } {
  const cents = parseCents(result.amount, where);
  return { amount_cents: cents, amount_usd: centsToUsd(cents) };
}

export function costRow(bucketStart: string, r: CostResultLike, lineage: Lineage): Row {
  const day = bucketDay(bucketStart);
  return {
    activity_date: day,
    workspace_id: r.workspace_id ?? null,
    description: r.description ?? null,
    cost_type: r.cost_type ?? null,
    model: r.model ?? null,
    service_tier: r.service_tier ?? null,
    token_type: r.token_type ?? null,
    context_window: r.context_window ?? null,
    inference_geo: r.inference_geo ?? null,
    currency: r.currency ?? 'USD',
    ...money(r, `cost_report ${day} amount`),
    ...lineage,
  };
}

export function costTotalRow(bucketStart: string, r: CostResultLike, lineage: Lineage): Row {
  const day = bucketDay(bucketStart);
  return {
    activity_date: day,
    currency: r.currency ?? 'USD',
    ...money(r, `cost_report total ${day} amount`),
    ...lineage,
  };
}
