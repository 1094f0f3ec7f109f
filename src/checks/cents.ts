/**
 * The cents bug: the API sends cents, and a pipeline that stores them as dollars is off by 100×.
 * Every row must satisfy amount_usd × 100 = amount_cents exactly (decimal arithmetic in SQL).
 * The largest line and day are shown so an implausible figure is visible at a glance; a line far above
 * the organization's own trailing 90 days (./large-lines.ts), or above --large-line-usd when given, WARNs.
 *
 * Kept per day (proofs.ts): a day's facts are its rows that break the rule (count and up to three
 * samples per table), its largest line and its total; judge() builds the range's verdict from them.
 * The 90 days of history before the range are read by judge() (a small MAX per day of claude_costs).
 */
import { canonicalDecimal, compareDecimal, formatUsd } from '../util/money.js';
import type { QueryRow } from '../warehouse/warehouse.js';
import { inRange, plural, type CheckContext, type CheckResult } from './check.js';
import { describeOutlier, historyMaxima, LARGE_LINE_FACTOR, outliersAmong, type DayMaxLine } from './large-lines.js';
import { dailyCheck } from './proofs.js';

const MONEY_TABLES = ['claude_costs', 'claude_cost_daily_totals'] as const;
const SAMPLES = 3;

interface BadRow {
  table: string;
  usd: string;
  cents: string;
}

/** One day's facts (days without cost rows have none). */
interface DayFacts {
  /** Rows breaking the rule, per table, and up to SAMPLES of them (smallest amounts first). */
  badCount: Record<string, number>;
  bad: BadRow[];
  /** The day's largest claude_costs line and the day's total (null: no claude_costs row that day). */
  line: { usd: string; ws: string | null; description: string | null } | null;
  totalUsd: string | null;
}

const text = (v: QueryRow[string] | undefined) => (v === null || v === undefined ? null : String(v));

async function facts(ctx: CheckContext): Promise<Map<string, DayFacts>> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const a = inRange(ctx);
  const out = new Map<string, DayFacts>();
  const of = (day: string) => out.get(day) ?? (out.set(day, { badCount: {}, bad: [], line: null, totalUsd: null }), out.get(day)!);
  for (const table of MONEY_TABLES) {
    const cond = `${i('amount_usd')} * 100 <> ${i('amount_cents')}`;
    // Per day: how many rows break the rule and the first SAMPLES of them in a fixed order.
    const rows = await ctx.wh.query(
      `SELECT ${i('day')}, ${i('n')}, ${i('usd')}, ${i('cents')} FROM (
         SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, COUNT(*) OVER (PARTITION BY ${i('activity_date')}) AS ${i('n')},
                ROW_NUMBER() OVER (PARTITION BY ${i('activity_date')} ORDER BY ${i('amount_usd')}, ${i('amount_cents')}) AS ${i('k')},
                ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${d.toText(i('amount_cents'))} AS ${i('cents')}
           FROM ${d.table(table)} WHERE ${a.sql} AND ${cond}) x
        WHERE ${i('k')} <= ${SAMPLES} ORDER BY 1, ${i('k')}`,
      a.params,
    );
    for (const r of rows) {
      const f = of(String(r.day));
      f.badCount[table] = Number(r.n);
      f.bad.push({ table, usd: canonicalDecimal(r.usd), cents: canonicalDecimal(r.cents) });
    }
  }
  // Per day: its largest line (ties broken by workspace and description, so any range picks the same) and its total.
  const lines = await ctx.wh.query(
    `SELECT ${i('day')}, ${i('usd')}, ${i('ws')}, ${i('description')}, ${i('total')} FROM (
       SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${i('workspace_id')} AS ${i('ws')}, ${i('description')} AS ${i('description')},
              ${d.toText(`${d.sumExact(i('amount_usd'))} OVER (PARTITION BY ${i('activity_date')})`)} AS ${i('total')},
              ROW_NUMBER() OVER (PARTITION BY ${i('activity_date')} ORDER BY ${i('amount_usd')} DESC, ${i('workspace_id')}, ${i('description')}) AS ${i('k')}
         FROM ${d.table('claude_costs')} WHERE ${a.sql}) x
      WHERE ${i('k')} = 1`,
    a.params,
  );
  for (const r of lines) {
    const f = of(String(r.day));
    f.line = { usd: canonicalDecimal(r.usd), ws: text(r.ws), description: text(r.description) };
    f.totalUsd = canonicalDecimal(r.total);
  }
  return out;
}

async function judge(ctx: CheckContext, byDay: Map<string, DayFacts>): Promise<CheckResult> {
  const id = 'cents';
  const days = [...byDay.keys()].sort();
  const bad: string[] = [];
  const badDays = new Set<string>();
  let badRows = 0;
  for (const table of MONEY_TABLES) {
    let shownHere = 0;
    for (const day of days) {
      const f = byDay.get(day)!;
      badRows += f.badCount[table] ?? 0;
      for (const b of f.bad.filter((x) => x.table === table)) {
        if (shownHere >= SAMPLES) break;
        shownHere++;
        badDays.add(day);
        bad.push(`${table} ${day}: amount_usd ${b.usd} but amount_cents ${b.cents}`);
      }
    }
  }
  // The largest line and day of the range; the earliest day wins a tie.
  let line: (DayMaxLine & { ws: string | null }) | null = null;
  let top: { day: string; usd: string } | null = null;
  const maxima: DayMaxLine[] = [];
  for (const day of days) {
    const f = byDay.get(day)!;
    if (!f.line) continue;
    const m = { day, usd: f.line.usd, ws: f.line.ws, workspace: f.line.ws, description: f.line.description };
    maxima.push(m);
    if (!line || compareDecimal(m.usd, line.usd) > 0) line = m;
    if (f.totalUsd !== null && (!top || compareDecimal(f.totalUsd, top.usd) > 0)) top = { day, usd: f.totalUsd };
  }
  const lineText = line ? `largest line ${formatUsd(line.usd)} (${line.day}, ${line.ws === null ? 'default workspace' : line.ws}, ${line.description ?? '-'})` : 'no cost lines';
  const dayText = top ? `largest day ${formatUsd(top.usd)} (${top.day})` : '';
  const shown = [lineText, dayText].filter(Boolean).join('; ');

  if (badRows > 0) {
    const sorted = [...badDays].sort();
    return {
      id,
      status: 'FAIL',
      figure: `${plural(badRows, 'row')} off`,
      detail: `amount_usd × 100 ≠ amount_cents: ${bad.join('; ')}. Dollars were stored as cents (or the reverse). ${shown}.`,
      action: `Re-fetch those days: claude-ingest backfill --refresh --from ${sorted[0]} --to ${sorted.at(-1)}`,
      days: sorted,
    };
  }
  if (ctx.options.largeLineUsd !== undefined) {
    if (line && compareDecimal(line.usd, ctx.options.largeLineUsd) > 0) {
      return {
        id,
        status: 'WARN',
        figure: `line ${formatUsd(line.usd)} > ${formatUsd(ctx.options.largeLineUsd)}`,
        detail: `Every row has amount_usd × 100 = amount_cents, but one cost line is large: ${shown}.`,
        action: 'Confirm it in the Console (Usage → Cost); raise --large-line-usd if such lines are normal for you.',
        days: [line.day],
      };
    }
  } else {
    const outliers = outliersAmong([...(await historyMaxima(ctx)), ...maxima], ctx.range.from);
    if (outliers.length > 0) {
      const first = outliers[0]!;
      const shownOutliers = outliers.slice(0, 3).map(describeOutlier).join('; ');
      return {
        id,
        status: 'WARN',
        figure: `line ${formatUsd(first.usd)} > ${LARGE_LINE_FACTOR}× 90-day max`,
        detail: `Every row has amount_usd × 100 = amount_cents, but ${outliers.length === 1 ? 'one cost line is' : `${outliers.length} cost lines are`} far above this organization's own history: ${shownOutliers}${outliers.length > 3 ? `; and ${outliers.length - 3} more` : ''}.`,
        action: 'Confirm it in the Console (Usage → Cost); validate --large-line-usd N judges lines against a fixed amount instead.',
        days: [...new Set(outliers.map((o) => o.day))].sort(),
      };
    }
  }
  return {
    id,
    status: 'PASS',
    figure: line ? `max line ${formatUsd(line.usd)}` : '0 rows',
    detail: `Every row has amount_usd × 100 = amount_cents exactly; ${shown}.`,
  };
}

export const centsCheck = dailyCheck<DayFacts>({
  id: 'cents',
  title: 'Dollars = cents / 100 on every row',
  daily: {
    tables: [...MONEY_TABLES],
    columns: { claude_costs: ['amount_usd', 'amount_cents', 'workspace_id', 'description'], claude_cost_daily_totals: ['amount_usd', 'amount_cents'] },
    version: '2',
    facts,
    judge,
  },
});
