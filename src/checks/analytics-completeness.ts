/**
 * Analytics completeness: each analytics cost table's daily sum must equal the ungrouped analytics
 * total of that day to the last digit (claude_cost_by_key and claude_cost_by_actor are two groupings
 * of the same spend), and claude_usage_by_actor's tokens the ungrouped usage total. The totals come
 * with the analytics_cost windows, so usage is judged only on days both streams read after the day
 * had ended: a partial day read at two moments may differ without anything being lost.
 */
import { addDays, eachDay } from '../util/dates.js';
import { canonicalDecimal } from '../util/money.js';
import type { WindowRecord } from '../warehouse/warehouse.js';
import { inRange, listDays, plural, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';

const TOTALS = 'claude_analytics_daily_totals';
const COST_TABLES = ['claude_cost_by_key', 'claude_cost_by_actor'] as const;
const MONEY = ['amount_cents', 'list_amount_cents'] as const;
const TOKENS = ['uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation_5m_input_tokens', 'cache_creation_1h_input_tokens', 'output_tokens', 'web_search_requests'] as const;

interface Diff {
  table: string;
  day: string;
  what: string;
  rows: string;
  total: string;
}

/** Per-day sums of `cols` in `table` next to the totals', days where any differs. */
async function diffs(ctx: CheckContext, table: string, cols: readonly string[], money: boolean): Promise<Diff[]> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const a = inRange(ctx);
  const sum = (t: string) => `SELECT ${i('activity_date')} AS ${i('day')}, ${cols.map((c) => `${money ? d.sumExact(i(c)) : `SUM(${i(c)})`} AS ${i(c)}`).join(', ')}
       FROM ${d.table(t)} WHERE ${a.sql} GROUP BY 1`;
  const side = (alias: string, c: string) => (money ? d.toText(`COALESCE(${alias}.${i(c)}, 0)`) : `COALESCE(${alias}.${i(c)}, 0)`);
  const rows = await ctx.wh.query(
    `SELECT COALESCE(f.${i('day')}, t.${i('day')}) AS ${i('day')}, ${cols.map((c) => `${side('f', c)} AS ${i(`f_${c}`)}, ${side('t', c)} AS ${i(`t_${c}`)}`).join(', ')}
       FROM (${sum(table)}) f
       FULL OUTER JOIN (${sum(TOTALS)}) t ON t.${i('day')} = f.${i('day')}
      WHERE ${cols.map((c) => `COALESCE(f.${i(c)}, 0) <> COALESCE(t.${i(c)}, 0)`).join(' OR ')}
      ORDER BY 1`,
    [...a.params, ...a.params],
  );
  const out: Diff[] = [];
  for (const r of rows) {
    for (const c of cols) {
      const f = canonicalDecimal(r[`f_${c}`]);
      const t = canonicalDecimal(r[`t_${c}`]);
      if (f !== t) out.push({ table, day: String(r.day), what: c, rows: f, total: t });
    }
  }
  return out;
}

/** Days an ok window of `stream` read after they had ended (by the clock, so final for both streams alike). */
function settledDays(ledger: WindowRecord[], stream: string): Set<string> {
  const out = new Set<string>();
  for (const w of ledger) {
    if (w.stream !== stream || w.status !== 'ok') continue;
    for (const day of eachDay(w.windowStart, w.windowEnd)) if (w.startedAt >= `${addDays(day, 1)}T00:00:00`) out.add(day);
  }
  return out;
}

/** A day's differences, every table's (usage ones are judged against the ledger at judge time). */
async function facts(ctx: CheckContext): Promise<Map<string, Diff[]>> {
  const out = new Map<string, Diff[]>();
  const all: Diff[] = [];
  for (const table of COST_TABLES) all.push(...(await diffs(ctx, table, MONEY, true)));
  all.push(...(await diffs(ctx, 'claude_usage_by_actor', TOKENS, false)));
  for (const x of all) (out.get(x.day) ?? (out.set(x.day, []), out.get(x.day)!)).push(x);
  return out;
}

function judge(ctx: CheckContext, byDay: Map<string, Diff[]>): CheckResult {
  const id = 'analytics-completeness';
  const ordered = [...byDay.keys()].sort().flatMap((day) => byDay.get(day)!);
  {
    const found: Diff[] = [];
    for (const table of COST_TABLES) found.push(...ordered.filter((x) => x.table === table));
    const usageDays = settledDays(ctx.ledger, 'analytics_usage');
    const judged = new Set([...settledDays(ctx.ledger, 'analytics_cost')].filter((day) => usageDays.has(day)));
    found.push(...ordered.filter((x) => x.table === 'claude_usage_by_actor').filter((x) => judged.has(x.day)));
    const days = [...new Set(found.map((x) => x.day))].sort();
    if (days.length === 0) {
      return {
        id,
        status: 'PASS',
        figure: '0 days differ',
        detail: 'Every day\'s claude_cost_by_key and claude_cost_by_actor add up exactly to the ungrouped analytics/cost total (billed and list), and claude_usage_by_actor to the usage total.',
      };
    }
    const parts = found.slice(0, 5).map((x) => `${x.table} ${x.day} ${x.what}: rows ${x.rows} vs total ${x.total}`);
    return {
      id,
      status: 'FAIL',
      figure: `${plural(days.length, 'day')} differ`,
      detail: `Analytics rows do not add up to the API totals on ${listDays(days)}: ${parts.join('; ')}${found.length > parts.length ? `; and ${found.length - parts.length} more` : ''}. Pages or groupings were lost or doubled.`,
      action: `Re-fetch those days: claude-ingest backfill --refresh --streams analytics_cost,analytics_usage --from ${days[0]} --to ${days[days.length - 1]}`,
      days,
    };
  }
}

export const analyticsCompletenessCheck = dailyCheck<Diff[]>({
  id: 'analytics-completeness',
  title: 'Analytics rows add up to the analytics totals',
  daily: { tables: [...COST_TABLES, 'claude_usage_by_actor', TOTALS], version: '1', facts, judge },
});
