/**
 * cross-api: per day, the Analytics API's cost total next to the legacy cost_report total. The two
 * APIs need not define cost the same way (the analytics total also covers subscription products
 * such as claude.ai chat and Cowork, which cost_report does not bill; docs/reports.md), so a
 * difference is a WARN with both figures, never a FAIL on its own.
 */
import { ExactDecimal } from '../util/money.js';
import { inRange, listDays, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';

/** Per day both APIs hold: the two totals, cents as exact text. */
type DayFacts = { analytics: string; legacy: string };

async function facts(ctx: CheckContext): Promise<Map<string, DayFacts>> {
  {
    const d = ctx.wh.dialect;
    const i = (n: string) => d.ident(n);
    const a = inRange(ctx);
    const sum = (t: string) => `SELECT ${i('activity_date')} AS ${i('day')}, ${d.sumExact(i('amount_cents'))} AS ${i('cents')} FROM ${d.table(t)} WHERE ${a.sql} GROUP BY 1`;
    // Days both APIs answered for: a day only one of them holds has nothing to compare.
    const rows = await ctx.wh.query(
      `SELECT n.${i('day')} AS ${i('day')}, ${d.toText(`n.${i('cents')}`)} AS ${i('analytics')}, ${d.toText(`o.${i('cents')}`)} AS ${i('legacy')}
         FROM (${sum('claude_analytics_daily_totals')}) n JOIN (${sum('claude_cost_daily_totals')}) o ON o.${i('day')} = n.${i('day')}
        ORDER BY 1`,
      [...a.params, ...a.params],
    );
    return new Map(rows.map((r) => [String(r.day), { analytics: String(r.analytics ?? '0'), legacy: String(r.legacy ?? '0') }]));
  }
}

function judge(_ctx: CheckContext, byDay: Map<string, DayFacts>): CheckResult {
  const id = 'cross-api';
  const rows = [...byDay.keys()].sort().map((day) => ({ day, ...byDay.get(day)! }));
  {
    const differ = rows
      .map((r) => ({ day: String(r.day), analytics: new ExactDecimal(String(r.analytics ?? '0')), legacy: new ExactDecimal(String(r.legacy ?? '0')) }))
      .filter((r) => !r.analytics.eq(r.legacy));
    if (rows.length === 0) {
      return { id, status: 'PASS', figure: '0 days compared', detail: 'No day holds both an Analytics API total and a cost_report total.' };
    }
    if (differ.length === 0) {
      return { id, status: 'PASS', figure: `${rows.length} days equal`, detail: `On all ${rows.length} days held by both APIs, the analytics cost total equals the cost_report total to the last digit.` };
    }
    const shown = differ.slice(0, 4).map((r) => `${r.day}: analytics ${r.analytics.toFixed()} vs cost_report ${r.legacy.toFixed()} cents (${r.analytics.minus(r.legacy).toFixed()})`);
    const days = differ.map((r) => r.day);
    return {
      id,
      status: 'WARN',
      figure: `${differ.length} of ${rows.length} days differ`,
      detail: `${shown.join('; ')}${differ.length > shown.length ? `; and ${differ.length - shown.length} more` : ''} (${listDays(days)}). The Analytics API also counts products cost_report does not bill (e.g. claude.ai chat, Cowork), so the two may differ without data loss.`,
      action: 'Compare by product: claude-ingest report --by product. Per-key and per-person reports use the analytics figures where they exist.',
      days,
    };
  }
}

export const crossApiCheck = dailyCheck<DayFacts>({
  id: 'cross-api',
  title: 'Analytics cost next to cost_report',
  daily: { tables: ['claude_analytics_daily_totals', 'claude_cost_daily_totals'], version: '1', facts, judge },
});
