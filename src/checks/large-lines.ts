/**
 * Large cost lines judged against the organization's own history rather than a fixed amount: what is a
 * large line for a team of three is a normal Tuesday for a platform team. A line is an outlier when it
 * is more than LARGE_LINE_FACTOR times the largest line of the trailing 90 days before its day (the top
 * of that day's history distribution), with at least MIN_HISTORY_DAYS days of history to judge by.
 * Only claude_costs (cost_report's lines) is judged: it is the table whose rows are bill lines.
 */
import { addDays, asIsoDay } from '../util/dates.js';
import { canonicalDecimal, compareDecimal, formatUsd, multiplyDecimal, shortScaled } from '../util/money.js';
import { orgAnd, type CheckContext } from './check.js';

export const LARGE_LINE_FACTOR = 3;
export const HISTORY_DAYS = 90;
export const MIN_HISTORY_DAYS = 14;
/** Decimal places of the BigInt keys outliersAmong compares (shortScaled: longer amounts compare as decimals). */
const KEY_SCALE = 14;

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

/** A day's largest claude_costs line (workspace and description where known: the days judged). */
export interface DayMaxLine {
  day: string;
  usd: string;
  workspace?: string | null;
  description?: string | null;
}

/** The largest line of each of the HISTORY_DAYS days before the range (the history its first days are judged by). */
export async function historyMaxima(ctx: CheckContext): Promise<DayMaxLine[]> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const org = orgAnd(ctx);
  const rows = await ctx.wh.query(
    `SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, ${d.toText(`MAX(${i('amount_usd')})`)} AS ${i('usd')}
       FROM ${d.table('claude_costs')} WHERE ${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org.sql} GROUP BY 1 ORDER BY 1`,
    [addDays(ctx.range.from, -HISTORY_DAYS), addDays(ctx.range.from, -1), ...org.params],
  );
  return rows.map((r) => ({ day: asIsoDay(String(r.day)), usd: canonicalDecimal(r.usd) }));
}

/**
 * The outlier lines among days from `from` on, each judged against the largest lines of the trailing
 * HISTORY_DAYS days before it (maxima: every day's largest line, history first), largest first.
 */
export function outliersAmong(maxima: readonly DayMaxLine[], from: string): LargeLine[] {
  const days = [...maxima].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  // Each amount read once into a scaled BigInt (null: too long for that, compared as decimals).
  const keys = days.map((m) => shortScaled(m.usd, KEY_SCALE));
  const cmp = (x: number, y: number): number => {
    const a = keys[x];
    const b = keys[y];
    return a !== null && a !== undefined && b !== null && b !== undefined ? (a < b ? -1 : a > b ? 1 : 0) : compareDecimal(days[x]!.usd, days[y]!.usd);
  };
  const out: LargeLine[] = [];
  // days is sorted, so each day's history is the window days[first, k): both ends only move forward,
  // and `window` holds the indices whose amount no later one in the window reaches (largest first):
  // its head is the window's maximum, and each day enters and leaves it once.
  let first = 0;
  const window: number[] = [];
  let head = 0;
  for (let k = 0; k < days.length; k++) {
    if (k > 0) {
      while (window.length > head && cmp(window[window.length - 1]!, k - 1) <= 0) window.pop();
      window.push(k - 1);
    }
    const m = days[k]!;
    if (m.day < from) continue;
    const since = addDays(asIsoDay(m.day), -HISTORY_DAYS);
    while (first < k && days[first]!.day < since) first++;
    while (window.length > head && window[head]! < first) head++;
    if (k - first < MIN_HISTORY_DAYS) continue;
    // The largest line of the window, or 0 when every line in it is negative (a refund).
    const top = days[window[head]!]!.usd;
    const historyMax = canonicalDecimal(compareDecimal(top, '0') > 0 ? top : '0');
    if (compareDecimal(m.usd, multiplyDecimal(historyMax, LARGE_LINE_FACTOR)) > 0) {
      out.push({ day: m.day, usd: m.usd, historyMaxUsd: historyMax, workspace: m.workspace ?? null, description: m.description ?? null });
    }
  }
  return out.sort((a, b) => compareDecimal(b.usd, a.usd));
}
