/**
 * Large cost lines judged against the organization's own history rather than a fixed amount: what is a
 * large line for a team of three is a normal Tuesday for a platform team. A line is an outlier when it
 * is more than LARGE_LINE_FACTOR times the largest line of the trailing 90 days before its day (the top
 * of that day's history distribution), with at least MIN_HISTORY_DAYS days of history to judge by.
 * Only claude_costs (cost_report's lines) is judged: it is the table whose rows are bill lines.
 */
import { addDays, asIsoDay } from '../util/dates.js';
import { canonicalDecimal, compareDecimal, formatUsd, maxDecimal, multiplyDecimal } from '../util/money.js';
import { orgAnd, type CheckContext } from './check.js';

export const LARGE_LINE_FACTOR = 3;
export const HISTORY_DAYS = 90;
export const MIN_HISTORY_DAYS = 14;

export interface LargeLine {
  day: string;
  usd: string;
  /** The largest line of the trailing HISTORY_DAYS days before `day`. */
  historyMaxUsd: string;
  workspace: string | null;
  description: string | null;
}

export function describeOutlier(o: LargeLine): string {
  return `${formatUsd(o.usd)} on ${o.day} (${o.workspace ?? 'default workspace'}, ${o.description ?? '-'}) vs at most ${formatUsd(o.historyMaxUsd)} a line in the previous ${HISTORY_DAYS} days`;
}

/** The range's outlier lines, largest first (at most one per day: that day's largest). */
export async function largeLineOutliers(ctx: CheckContext): Promise<LargeLine[]> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const org = orgAnd(ctx);
  const start = addDays(ctx.range.from, -HISTORY_DAYS);
  const maxima = await ctx.wh.query(
    `SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, ${d.toText(`MAX(${i('amount_usd')})`)} AS ${i('usd')}
       FROM ${d.table('claude_costs')} WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql} GROUP BY 1 ORDER BY 1`,
    [start, ctx.range.to, ...org.params],
  );
  const days = maxima.map((r) => ({ day: asIsoDay(String(r.day)), usd: canonicalDecimal(r.usd) }));
  const flagged: Array<{ day: string; historyMax: string }> = [];
  for (let k = 0; k < days.length; k++) {
    const { day, usd } = days[k]!;
    if (day < ctx.range.from) continue;
    const since = addDays(day, -HISTORY_DAYS);
    const history = days.slice(0, k).filter((h) => h.day >= since);
    if (history.length < MIN_HISTORY_DAYS) continue;
    const historyMax = history.reduce((m, h) => maxDecimal(m, h.usd), '0');
    if (compareDecimal(usd, multiplyDecimal(historyMax, LARGE_LINE_FACTOR)) > 0) flagged.push({ day, historyMax });
  }
  const out: LargeLine[] = [];
  for (const f of flagged) {
    const [line] = await ctx.wh.query(
      `SELECT ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${i('workspace_id')} AS ${i('ws')}, ${i('description')} AS ${i('description')}
         FROM ${d.table('claude_costs')} WHERE ${i('activity_date')} = ${d.dateParam()}${org.sql} ORDER BY ${i('amount_usd')} DESC LIMIT 1`,
      [f.day, ...org.params],
    );
    if (!line) continue;
    out.push({
      day: f.day,
      usd: canonicalDecimal(line.usd),
      historyMaxUsd: f.historyMax,
      workspace: line.ws === null || line.ws === undefined ? null : String(line.ws),
      description: line.description === null || line.description === undefined ? null : String(line.description),
    });
  }
  return out.sort((a, b) => compareDecimal(b.usd, a.usd));
}
