/**
 * Tokens by type for the cost breakdowns (workspace, model, product): each keeps exactly the keys
 * its cost family keeps (the top N by month-to-date billed cost) and folds the rest into `other`,
 * so per period and type the series add up to the tokens of the whole source: workspace and model
 * to claude_ingest_tokens (usage report), product to the Analytics API's usage.
 */
import { tokensBy, type TokenDimension } from '../reports/token-queries.js';
import { breakdownSeries, keptKeys, type BreakdownRow } from './breakdown.js';
import { PERIODS, type CollectContext, type Period } from './context.js';
import type { FamilyDef, Sample } from './model.js';
import { costRowsBy, filterOf, TOKEN_TYPES } from './spend-families.js';

const SOURCE_TEXT: Record<TokenDimension, string> = {
  workspace: 'usage report, as claude_ingest_tokens',
  model: 'usage report, as claude_ingest_tokens',
  product: 'Usage and Cost Analytics API',
};

function tokensBreakdown(dim: TokenDimension, nameLabel?: string) {
  return {
    def: {
      name: `claude_ingest_tokens_by_${dim}`,
      otelName: `claude_ingest.tokens.by_${dim}`,
      otelUnit: '{token}',
      help: `Tokens used by ${dim} and token type (${SOURCE_TEXT[dim]}): the same top N ${dim}s as claude_ingest_billed_cost_by_${dim}_usd and "other".`,
      labels: ['organization', 'period', dim, ...(nameLabel ? [nameLabel] : []), 'type'],
    } satisfies FamilyDef,
    async collect(ctx: CollectContext): Promise<Sample[]> {
      const out: Sample[] = [];
      for (const scope of ctx.scopes) {
        const cost = new Map<Period, BreakdownRow[]>();
        for (const period of PERIODS) cost.set(period, await costRowsBy[dim](ctx, scope, period));
        const kept = keptKeys(cost.get('month_to_date')!, ctx.top);
        const names = new Map([...cost.values()].flat().map((r) => [r.key, r.name]));
        const used = new Map<Period, Awaited<ReturnType<typeof tokensBy>>>();
        for (const period of PERIODS) used.set(period, await tokensBy(ctx.wh, filterOf(ctx, scope, period), dim));
        for (const type of TOKEN_TYPES) {
          const rows = new Map<Period, BreakdownRow[]>();
          for (const [period, these] of used) rows.set(period, these.map((r) => ({ key: r.key, name: names.get(r.key) ?? r.key, value: String(r.tokens[type] ?? 0) })));
          for (const s of breakdownSeries(rows, ctx.top, kept)) {
            const labels: Record<string, string> = { organization: scope.organization, period: s.period, [dim]: s.key, type };
            if (nameLabel) labels[nameLabel] = names.get(s.key) ?? s.name;
            out.push({ labels, value: Number(s.value) });
          }
        }
      }
      return out;
    },
  };
}

export const tokensByWorkspace = tokensBreakdown('workspace', 'workspace_name');
export const tokensByModel = tokensBreakdown('model');
export const tokensByProduct = tokensBreakdown('product');
