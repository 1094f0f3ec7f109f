/**
 * Billed cost and tokens, read with the report queries (src/reports), so every figure is one
 * `claude-ingest report` shows for the same days: totals and workspace/model breakdowns from
 * claude_costs (the cost report); product and API key breakdowns from the Analytics API tables, as
 * `report --by product|api_key` reads them. Money stays exact decimal text throughout.
 */
import { BASELINE_DAYS } from '../alerts/baseline.js';
import { forecastTotal } from '../reports/forecast.js';
import { judgedDays } from '../checks/judged-days.js';
import { dailySpend } from '../reports/spend-data.js';
import { exact, int } from '../reports/cells.js';
import { CONSOLE_KEY, DEFAULT_WORKSPACE } from '../reports/filter.js';
import { spendBy, totalSpend, TOKEN_COLUMNS, type SpendDimension } from '../reports/queries.js';
import { runReport } from '../reports/registry.js';
import { addDays, monthOf } from '../util/dates.js';
import type { QueryRow } from '../warehouse/warehouse.js';
import { breakdownSeries, keptKeys, type BreakdownRow } from './breakdown.js';
import { PERIODS, type CollectContext, type Period, type Scope } from './context.js';
import { PROVIDER, type FamilyDef, type Sample } from './model.js';

/** The token columns that count tokens (web search requests are requests, not tokens). */
export const TOKEN_TYPES = TOKEN_COLUMNS.filter((c) => c.endsWith('_tokens'));

export function filterOf(ctx: CollectContext, scope: Scope, period: Period) {
  return { ...ctx.range(period), ...scope.filter };
}

/** `report --by api_key` for one scope and period (shared by three families). */
export function apiKeyRows(ctx: CollectContext, scope: Scope, period: Period): Promise<QueryRow[]> {
  return ctx.memo(`api_key/${scope.organization}/${period}`, async () => (await runReport(ctx.wh, 'api_key', filterOf(ctx, scope, period))).rows);
}

/** The month-end forecast budgets alerts use (alerts/budgets.ts): complete days plus same-kind-of-day means. */
async function monthForecast(ctx: CollectContext, scope: Scope): Promise<string | null> {
  const month = monthOf(ctx.today);
  const judged = await judgedDays(ctx.wh, scope.ledger, { from: addDays(month.first, -(BASELINE_DAYS + 31)), to: ctx.today }, ctx.today);
  const from = [month.first, judged.lastComplete ? addDays(judged.lastComplete, -BASELINE_DAYS) : month.first].sort()[0]!;
  const daily = await dailySpend(ctx.wh, { from, to: ctx.today, ...scope.filter });
  return forecastTotal(month, daily, judged);
}

export const billedCost = {
  def: {
    name: 'claude_ingest_billed_cost_usd',
    otelName: 'claude_ingest.billed_cost',
    otelUnit: 'USD',
    help: 'Billed cost in US dollars (cost report) per organization: period today, yesterday, month_to_date (today partial) or month_forecast.',
    labels: ['organization', 'period', 'source'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const scope of ctx.scopes) {
      for (const period of PERIODS) {
        const total = await totalSpend(ctx.wh, filterOf(ctx, scope, period));
        out.push({ labels: { organization: scope.organization, period, ...PROVIDER }, value: total.usd });
      }
      const fc = await monthForecast(ctx, scope);
      if (fc !== null) out.push({ labels: { organization: scope.organization, period: 'month_forecast', ...PROVIDER }, value: fc });
    }
    return out;
  },
};

/** A breakdown family: one label for the key (and one for its name, where keys are ids). */
function breakdownFamily(
  def: FamilyDef & { key: string; nameLabel?: string },
  rowsOf: (ctx: CollectContext, scope: Scope, period: Period) => Promise<BreakdownRow[]>,
) {
  return {
    def: { name: def.name, otelName: def.otelName, otelUnit: def.otelUnit, help: def.help, labels: def.labels } satisfies FamilyDef,
    async collect(ctx: CollectContext): Promise<Sample[]> {
      const out: Sample[] = [];
      for (const scope of ctx.scopes) {
        const rows = new Map<Period, BreakdownRow[]>();
        for (const period of PERIODS) rows.set(period, await rowsOf(ctx, scope, period));
        for (const s of breakdownSeries(rows, ctx.top)) {
          const labels: Record<string, string> = { organization: scope.organization, period: s.period, [def.key]: s.key, ...PROVIDER };
          if (def.nameLabel) labels[def.nameLabel] = s.name;
          out.push({ labels, value: s.value });
        }
      }
      return out;
    },
  };
}

/** A cost breakdown's rows for one scope and period, read once per collection (the token breakdowns rank by them too). */
export type CostRows = (ctx: CollectContext, scope: Scope, period: Period) => Promise<BreakdownRow[]>;

const memoRows = (name: string, load: CostRows): CostRows => (ctx, scope, period) => ctx.memo(`cost/${name}/${scope.organization}/${period}`, () => load(ctx, scope, period));

export const costRowsBy: Record<'workspace' | 'model' | 'product', CostRows> = {
  workspace: memoRows('workspace', async (ctx, scope, period) =>
    (await spendBy(ctx.wh, filterOf(ctx, scope, period), 'workspace')).map((r) => ({ key: r.key ?? DEFAULT_WORKSPACE, name: r.name, value: r.usd })),
  ),
  model: memoRows('model', async (ctx, scope, period) => (await spendBy(ctx.wh, filterOf(ctx, scope, period), 'model')).map((r) => ({ key: r.key ?? r.name, name: r.name, value: r.usd }))),
  product: memoRows('product', async (ctx, scope, period) =>
    (await runReport(ctx.wh, 'product', filterOf(ctx, scope, period))).rows.map((r) => ({ key: String(r.product), name: String(r.product), value: exact(r.billed_cost_usd) })),
  ),
};

function costReportBreakdown(dim: Extract<SpendDimension, 'workspace' | 'model'>, name: string, nameLabel?: string) {
  const key = dim;
  return breakdownFamily(
    {
      name,
      otelName: `claude_ingest.billed_cost.by_${dim}`,
      otelUnit: 'USD',
      help: `Billed cost in US dollars (cost report) by ${dim}: the top N by month-to-date spend and "other"; per period they add up to claude_ingest_billed_cost_usd.`,
      labels: ['organization', 'period', key, ...(nameLabel ? [nameLabel] : []), 'source'],
      key,
      ...(nameLabel ? { nameLabel } : {}),
    },
    costRowsBy[dim],
  );
}

export const billedCostByWorkspace = costReportBreakdown('workspace', 'claude_ingest_billed_cost_by_workspace_usd', 'workspace_name');
export const billedCostByModel = costReportBreakdown('model', 'claude_ingest_billed_cost_by_model_usd');

export const billedCostByProduct = breakdownFamily(
  {
    name: 'claude_ingest_billed_cost_by_product_usd',
    otelName: 'claude_ingest.billed_cost.by_product',
    otelUnit: 'USD',
    help: 'Billed cost in US dollars by product (Usage and Cost Analytics API, as report --by product): the top N by month-to-date spend and "other".',
    labels: ['organization', 'period', 'product', 'source'],
    key: 'product',
  },
  costRowsBy.product,
);

export const billedCostByUser = breakdownFamily(
  {
    name: 'claude_ingest_billed_cost_by_user_usd',
    otelName: 'claude_ingest.billed_cost.by_user',
    otelUnit: 'USD',
    help: 'Billed cost in US dollars per person or other actor across products (Usage and Cost Analytics API, as report --by user): the top N by month-to-date spend and "other".',
    labels: ['organization', 'period', 'user', 'user_name', 'source'],
    key: 'user',
    nameLabel: 'user_name',
  },
  async (ctx, scope, period) =>
    (await runReport(ctx.wh, 'user', filterOf(ctx, scope, period))).rows.map((r) => ({ key: String(r.actor), name: String(r.name), value: exact(r.billed_cost_usd) })),
);

const keyLabel = (r: QueryRow) => (r.api_key_id === null ? CONSOLE_KEY : String(r.api_key_id));
const keyTokens = (r: QueryRow) => TOKEN_TYPES.reduce((a, c) => a + int(r[c]), 0);

export const billedCostByApiKey = breakdownFamily(
  {
    name: 'claude_ingest_billed_cost_by_api_key_usd',
    otelName: 'claude_ingest.billed_cost.by_api_key',
    otelUnit: 'USD',
    help: 'Billed cost in US dollars by API key (Usage and Cost Analytics API, as report --by api_key): the top N keys by month-to-date spend and "other".',
    labels: ['organization', 'period', 'api_key', 'api_key_name', 'source'],
    key: 'api_key',
    nameLabel: 'api_key_name',
  },
  async (ctx, scope, period) =>
    (await apiKeyRows(ctx, scope, period)).map((r) => ({ key: keyLabel(r), name: String(r.name), value: exact(r.billed_cost_usd), tiebreak: keyTokens(r) })),
);

export const tokens = {
  def: {
    name: 'claude_ingest_tokens',
    otelName: 'claude_ingest.tokens',
    otelUnit: '{token}',
    help: 'Tokens used (usage report, every API key and Console) per organization, period and token type.',
    labels: ['organization', 'period', 'type'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const scope of ctx.scopes) {
      for (const period of PERIODS) {
        const rows = await apiKeyRows(ctx, scope, period);
        for (const type of TOKEN_TYPES) out.push({ labels: { organization: scope.organization, period, type }, value: rows.reduce((a, r) => a + int(r[type]), 0) });
      }
    }
    return out;
  },
};

export const tokensByApiKey = {
  def: {
    name: 'claude_ingest_tokens_by_api_key',
    otelName: 'claude_ingest.tokens.by_api_key',
    otelUnit: '{token}',
    help: 'Tokens used by API key and token type: the same top N keys as claude_ingest_billed_cost_by_api_key_usd and "other".',
    labels: ['organization', 'period', 'api_key', 'api_key_name', 'type'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const scope of ctx.scopes) {
      const perPeriod = new Map<Period, QueryRow[]>();
      for (const period of PERIODS) perPeriod.set(period, await apiKeyRows(ctx, scope, period));
      // The keys the cost family keeps (ranked by month-to-date billed cost, then tokens).
      const kept = keptKeys(perPeriod.get('month_to_date')!.map((r) => ({ key: keyLabel(r), name: String(r.name), value: exact(r.billed_cost_usd), tiebreak: keyTokens(r) })), ctx.top);
      for (const type of TOKEN_TYPES) {
        const rows = new Map<Period, BreakdownRow[]>();
        for (const [period, these] of perPeriod) rows.set(period, these.map((r) => ({ key: keyLabel(r), name: String(r.name), value: String(int(r[type])) })));
        for (const s of breakdownSeries(rows, ctx.top, kept)) {
          out.push({ labels: { organization: scope.organization, period: s.period, api_key: s.key, api_key_name: s.name, type }, value: Number(s.value) });
        }
      }
    }
    return out;
  },
};
