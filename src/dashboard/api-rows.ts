/**
 * /api/rows: any page of the dashboard's long tables (paging.ts), from the same report queries the
 * routes that show them use, so a page, its "other" row and the route's totals always agree.
 */
import { apiKeyCostQuery, userCostQuery } from '../reports/analytics-queries.js';
import { hasAnalyticsCost } from '../reports/dashboard-analytics.js';
import { claudeCodeByUser, sqlAndParams, tokensByApiKey, type ReportQuery } from '../reports/queries.js';
import { canonicalDecimal } from '../util/money.js';
import { cleanRows } from './api-analytics.js';
import type { ApiContext } from './api-context.js';
import { localKeyUsage, requestCalendar } from './api-local.js';
import { pageOf, pageRequest, TABLE_SPECS, type Page, type PageRow, type TableName } from './paging.js';
import { BadRequest, filterParams } from './params.js';

async function allRows(ctx: ApiContext, table: TableName): Promise<PageRow[]> {
  const f = filterParams(ctx.query, null);
  const run = async (q: ReportQuery) => cleanRows(q, await ctx.wh.query(...sqlAndParams(q)));
  switch (table) {
    case 'keys': {
      // As /api/keys counts them: local days in a zone (tz=utc: UTC days).
      const cal = requestCalendar(ctx);
      return (await tokensByApiKey(ctx.wh, f, cal ? (await localKeyUsage(ctx, cal, f)).usage : undefined)) as unknown as PageRow[];
    }
    case 'users':
      return (await claudeCodeByUser(ctx.wh, f)).map((u) => ({ ...u, estimated_cost_usd_estimate: canonicalDecimal(u.estimated_cost_usd_estimate) })) as unknown as PageRow[];
    case 'key-cost':
      return (await hasAnalyticsCost(ctx.wh)) ? run(apiKeyCostQuery(ctx.wh.dialect, f)) : [];
    case 'people':
      return (await hasAnalyticsCost(ctx.wh)) && !f.workspaceIds?.length ? run(userCostQuery(ctx.wh.dialect, f)) : [];
  }
}

export async function rows(ctx: ApiContext): Promise<Page & { table: TableName }> {
  const table = ctx.query.get('table') ?? '';
  if (!(table in TABLE_SPECS)) throw new BadRequest(`table=${table}: use one of ${Object.keys(TABLE_SPECS).join(', ')}`);
  const t = table as TableName;
  if (!ctx.query.get('from') || !ctx.query.get('to')) throw new BadRequest('/api/rows needs from and to (the range the page shows)');
  return { table: t, ...pageOf(await allRows(ctx, t), TABLE_SPECS[t], pageRequest(ctx.query)) };
}
