import { ENDPOINTS } from '../source/endpoints.js';
import { costResultSchema, type CostResult } from '../source/schemas.js';
import { costRow, costTotalRow } from '../transform/cost-rows.js';
import { addDecimal, sumDecimals } from '../util/money.js';
import { reportBatches, type ReportRequest } from './report-stream.js';
import type { StreamDef } from './stream.js';

const ENDPOINT = ENDPOINTS.costReport;

const grouped: ReportRequest<CostResult, 'claude_costs'> = {
  endpoint: ENDPOINT,
  params: () => ({ bucket_width: '1d', group_by: ['workspace_id', 'description'], limit: 31 }),
  schema: costResultSchema,
  table: 'claude_costs',
  toRow: costRow,
};

/** The API's own daily total, one cheap request per window: proves later that no cost line was lost. */
const ungrouped: ReportRequest<CostResult, 'claude_cost_daily_totals'> = {
  endpoint: ENDPOINT,
  params: () => ({ bucket_width: '1d', limit: 31 }),
  schema: costResultSchema,
  table: 'claude_cost_daily_totals',
  toRow: costTotalRow,
};

export const costStream: StreamDef = {
  name: 'cost',
  summary: 'cost_report by workspace and cost line → claude_costs, plus daily totals → claude_cost_daily_totals',
  writeMode: 'replace-days',
  windowDays: () => 31,
  tables: ['claude_costs', 'claude_cost_daily_totals'],
  async *fetchWindow(window, ctx) {
    let cents = '0';
    for await (const batch of reportBatches(grouped, window, ctx)) {
      // Exact decimal sum per bucket (one running Decimal), not a string round-trip per row.
      cents = addDecimal(cents, sumDecimals(batch.rows.map((row) => row.amount_cents)));
      yield batch;
    }
    yield* reportBatches(ungrouped, window, ctx);
    return { centsTotal: cents };
  },
};
