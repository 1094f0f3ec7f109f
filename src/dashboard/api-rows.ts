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
import { localKeyUsage, requestCalendar, type DayBasis } from './api-local.js';
import { pageOf, pageRequest, TABLE_SPECS, type Page, type PageRow, type TableName } from './paging.js';
import { BadRequest, filterParams } from './params.js';

/** A table's rows, and the days they count in a zone (null: UTC days asked for, or no zone configured). */
async function allRows(ctx: ApiContext, table: TableName): Promise<{ rows: PageRow[]; day_basis: DayBasis | null }> {
  const f = filterParams(ctx.query, null);
  const cal = requestCalendar(ctx);
  // Claude Code's days and the Analytics API's per key and per person have no hours: in a zone they
  // stay UTC days, as the routes that show them say (docs/time-zones.md).
  const utcOnly = (rows: PageRow[]) => ({ rows, day_basis: cal ? ('UTC days' as const) : null });
  const run = async (q: ReportQuery) => cleanRows(q, await ctx.wh.query(...sqlAndParams(q)));
  switch (table) {
    case 'keys': {
      // As /api/keys counts them: local days in a zone (tz=utc: UTC days).
      const local = cal ? await localKeyUsage(ctx, cal, f) : null;
      return { rows: (await tokensByApiKey(ctx.wh, f, local?.usage)) as unknown as PageRow[], day_basis: local?.day_basis ?? null };
    }
    case 'users':
      return utcOnly((await claudeCodeByUser(ctx.wh, f)).map((u) => ({ ...u, estimated_cost_usd_estimate: canonicalDecimal(u.estimated_cost_usd_estimate) })) as unknown as PageRow[]);
    case 'key-cost':
      return utcOnly((await hasAnalyticsCost(ctx.wh)) ? await run(apiKeyCostQuery(ctx.wh.dialect, f)) : []);
    case 'people':
      return utcOnly((await hasAnalyticsCost(ctx.wh)) && !f.workspaceIds?.length ? await run(userCostQuery(ctx.wh.dialect, f)) : []);
  }
}

export async function rows(ctx: ApiContext): Promise<Page & { table: TableName; timezone: string | null; day_basis: DayBasis | null }> {
  const table = ctx.query.get('table') ?? '';
  if (!(table in TABLE_SPECS)) throw new BadRequest(`table=${table}: use one of ${Object.keys(TABLE_SPECS).join(', ')}`);
  const t = table as TableName;
  if (!ctx.query.get('from') || !ctx.query.get('to')) throw new BadRequest('/api/rows needs from and to (the range the page shows)');
  const all = await allRows(ctx, t);
  // The zone and basis let a page say what its days are, as the section it continues does.
  return { table: t, timezone: requestCalendar(ctx)?.timeZone ?? null, day_basis: all.day_basis, ...pageOf(all.rows, TABLE_SPECS[t], pageRequest(ctx.query)) };
}
