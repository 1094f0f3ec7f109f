/**
 * The cents bug: the API sends cents, and a pipeline that stores them as dollars is off by 100×.
 * Every row must satisfy amount_usd × 100 = amount_cents exactly (decimal arithmetic in SQL).
 * The largest line and day are shown so an implausible figure is visible at a glance.
 */
import { canonicalDecimal, ExactDecimal, formatUsd } from '../util/money.js';
import { inRange, plural, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';

const MONEY_TABLES = ['claude_costs', 'claude_cost_daily_totals'] as const;

/** A day's findings: rows off per table (with up to 3 of them), its largest cost line and its total. */
interface DayFacts {
  bad?: Record<string, { count: number; samples: Array<{ usd: string; cents: string }> }>;
  line?: { ws: string | null; description: string | null; usd: string };
  usd?: string;
}

async function facts(ctx: CheckContext): Promise<Map<string, DayFacts>> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const a = inRange(ctx);
  const out = new Map<string, DayFacts>();
  const of = (day: unknown) => out.get(String(day)) ?? (out.set(String(day), {}), out.get(String(day))!);
  for (const table of MONEY_TABLES) {
    const cond = `${i('amount_usd')} * 100 <> ${i('amount_cents')}`;
    const counts = await ctx.wh.query(`SELECT ${i('activity_date')} AS ${i('day')}, COUNT(*) AS ${i('n')} FROM ${d.table(table)} WHERE ${a.sql} AND ${cond} GROUP BY 1`, a.params);
    if (counts.length === 0) continue;
    for (const r of counts) (of(r.day).bad ??= {})[table] = { count: Number(r.n), samples: [] };
    // Up to three rows per day: enough for the first three of any range, whichever days it spans.
    const samples = await ctx.wh.query(
      `SELECT ${i('day')}, ${i('usd')}, ${i('cents')} FROM (
         SELECT ${i('activity_date')} AS ${i('day')}, ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${d.toText(i('amount_cents'))} AS ${i('cents')},
                ROW_NUMBER() OVER (PARTITION BY ${i('activity_date')} ORDER BY ${i('amount_cents')}, ${i('amount_usd')}) AS ${i('n')}
           FROM ${d.table(table)} WHERE ${a.sql} AND ${cond}) s
        WHERE ${i('n')} <= 3 ORDER BY 1, ${i('n')}`,
      a.params,
    );
    for (const r of samples) of(r.day).bad![table]!.samples.push({ usd: canonicalDecimal(r.usd), cents: canonicalDecimal(r.cents) });
  }
  const lines = await ctx.wh.query(
    `SELECT ${i('day')}, ${i('ws')}, ${i('description')}, ${i('usd')} FROM (
       SELECT ${i('activity_date')} AS ${i('day')}, ${i('workspace_id')} AS ${i('ws')}, ${i('description')} AS ${i('description')}, ${d.toText(i('amount_usd'))} AS ${i('usd')},
              ROW_NUMBER() OVER (PARTITION BY ${i('activity_date')} ORDER BY ${i('amount_usd')} DESC) AS ${i('n')}
         FROM ${d.table('claude_costs')} WHERE ${a.sql}) s
      WHERE ${i('n')} = 1`,
    a.params,
  );
  for (const r of lines) of(r.day).line = { ws: r.ws === null ? null : String(r.ws), description: r.description === null ? null : String(r.description), usd: canonicalDecimal(r.usd) };
  const days = await ctx.wh.query(
    `SELECT ${i('activity_date')} AS ${i('day')}, ${d.toText(d.sumExact(i('amount_usd')))} AS ${i('usd')} FROM ${d.table('claude_costs')} WHERE ${a.sql} GROUP BY 1`,
    a.params,
  );
  for (const r of days) of(r.day).usd = canonicalDecimal(r.usd);
  return out;
}

function judge(ctx: CheckContext, byDay: Map<string, DayFacts>): CheckResult {
  const id = 'cents';
  const ordered = [...byDay.keys()].sort().map((day) => [day, byDay.get(day)!] as const);
  const bad: string[] = [];
  const badDays = new Set<string>();
  let badRows = 0;
  for (const table of MONEY_TABLES) {
    let shown = 0;
    for (const [day, f] of ordered) {
      const t = f.bad?.[table];
      if (!t) continue;
      badRows += t.count;
      for (const s of t.samples) {
        if (shown === 3) break;
        shown++;
        badDays.add(day);
        bad.push(`${table} ${day}: amount_usd ${s.usd} but amount_cents ${s.cents}`);
      }
    }
  }
  const largest = <T>(pick: (f: DayFacts) => T | undefined, usd: (t: T) => string) => {
    let best: { day: string; v: T } | undefined;
    for (const [day, f] of ordered) {
      const v = pick(f);
      if (v !== undefined && (!best || new ExactDecimal(usd(v)).greaterThan(usd(best.v)))) best = { day, v };
    }
    return best;
  };
  const line = largest((f) => f.line, (l) => l.usd);
  const day = largest((f) => f.usd, (u) => u);
  const lineText = line
    ? `largest line ${formatUsd(line.v.usd)} (${line.day}, ${line.v.ws === null ? 'default workspace' : line.v.ws}, ${line.v.description ?? '-'})`
    : 'no cost lines';
  const dayText = day ? `largest day ${formatUsd(day.v)} (${day.day})` : '';
  const shown = [lineText, dayText].filter(Boolean).join('; ');

  if (badRows > 0) {
    return {
      id,
      status: 'FAIL',
      figure: `${plural(badRows, 'row')} off`,
      detail: `amount_usd × 100 ≠ amount_cents: ${bad.join('; ')}. Dollars were stored as cents (or the reverse). ${shown}.`,
      action: `Re-fetch those days: claude-ingest backfill --refresh --from ${[...badDays].sort()[0]} --to ${[...badDays].sort().at(-1)}`,
      days: [...badDays].sort(),
    };
  }
  if (line && new ExactDecimal(line.v.usd).greaterThan(ctx.options.largeLineUsd)) {
    return {
      id,
      status: 'WARN',
      figure: `line ${formatUsd(line.v.usd)} > ${formatUsd(ctx.options.largeLineUsd)}`,
      detail: `Every row has amount_usd × 100 = amount_cents, but one cost line is large: ${shown}.`,
      action: 'Confirm it in the Console (Usage → Cost); raise --large-line-usd if such lines are normal for you.',
      days: [line.day],
    };
  }
  return {
    id,
    status: 'PASS',
    figure: line ? `max line ${formatUsd(line.v.usd)}` : '0 rows',
    detail: `Every row has amount_usd × 100 = amount_cents exactly; ${shown}.`,
  };
}

export const centsCheck = dailyCheck<DayFacts>({
  id: 'cents',
  title: 'Dollars = cents / 100 on every row',
  daily: { tables: [...MONEY_TABLES], version: '1', facts, judge },
});
