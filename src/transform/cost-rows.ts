/** cost_report results → claude_costs / claude_cost_daily_totals rows. */
import type { CostResult } from '../source/schemas.js';
import { centsToUsd, parseCents } from '../util/money.js';
import type { RowOf } from '../warehouse/tables.js';
import { extraJson, unmappedFields, type FieldSpec } from './extra.js';
import { bucketDay } from './bucket-times.js';
import type { WindowTally } from './tally.js';

const COST_FIELDS: FieldSpec = {
  amount: true,
  currency: true,
  workspace_id: true,
  description: true,
  cost_type: true,
  model: true,
  service_tier: true,
  token_type: true,
  context_window: true,
  inference_geo: true,
};

export function costRow(bucketStart: string, r: CostResult, tally: WindowTally): RowOf<'claude_costs'> {
  const day = bucketDay(bucketStart);
  const cents = parseCents(r.amount, `cost_report ${day} amount`, tally);
  return {
    activity_date: day,
    workspace_id: r.workspace_id,
    description: r.description,
    cost_type: r.cost_type,
    model: r.model,
    service_tier: r.service_tier,
    token_type: r.token_type,
    context_window: r.context_window,
    inference_geo: r.inference_geo,
    currency: r.currency ?? 'USD',
    amount_cents: cents,
    amount_usd: centsToUsd(cents),
    extra: tally.extraColumn('claude_costs', day, unmappedFields(r, COST_FIELDS)),
  };
}

export function costTotalRow(bucketStart: string, r: CostResult, tally: WindowTally): RowOf<'claude_cost_daily_totals'> {
  const day = bucketDay(bucketStart);
  const cents = parseCents(r.amount, `cost_report total ${day} amount`, tally);
  return {
    activity_date: day,
    currency: r.currency ?? 'USD',
    amount_cents: cents,
    amount_usd: centsToUsd(cents),
    extra: extraJson(unmappedFields(r, COST_FIELDS)),
  };
}
