/**
 * The spend in validate's summary (its "Total" and days with costs), from per-day sums kept like a
 * check's facts (proofs.ts): each day's SUM(amount_usd) of claude_costs under that day's fingerprint,
 * which hashes amount_usd. A day whose rows changed in any way is summed again; the others are read
 * from the book. The year's SUM was the slowest query of a validate after a daily run (Round 14).
 */
import { canonicalDecimal, DecimalSum } from '../util/money.js';
import { inRange, type CheckContext } from './check.js';
import { dailyCheck, provedFacts, type DayFingerprints, type ProofBook } from './proofs.js';

async function facts(ctx: CheckContext): Promise<Map<string, string>> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const where = inRange(ctx);
  const rows = await ctx.wh.query(
    `SELECT ${d.toText(i('activity_date'))} AS ${i('day')}, ${d.toText(`COALESCE(${d.sumExact(i('amount_usd'))}, 0)`)} AS ${i('usd')}
       FROM ${d.table('claude_costs')} WHERE ${where.sql} GROUP BY 1`,
    where.params,
  );
  return new Map(rows.map((r) => [String(r.day), canonicalDecimal(String(r.usd))]));
}

/** Kept under the id 'summary-spend' beside the checks' proofs; never judged (it is no check). */
export const spendPerDay = dailyCheck<string>({
  id: 'summary-spend',
  title: 'Spend per day (the summary)',
  daily: {
    tables: ['claude_costs'],
    columns: { claude_costs: ['amount_usd'] },
    version: '1',
    facts,
    judge: () => ({ id: 'summary-spend', status: 'PASS', figure: '', detail: '' }),
  },
});

/** The range's spend and its days with cost rows, as totalSpend() gives them, from kept per-day sums. */
export async function keptSpend(ctx: CheckContext, book: ProofBook, prints: DayFingerprints): Promise<{ usd: string; days: number }> {
  const byDay = await provedFacts(spendPerDay, ctx, book, prints, false);
  const sum = new DecimalSum();
  for (const usd of byDay.values()) sum.add(String(usd));
  return { usd: canonicalDecimal(sum.toString()), days: byDay.size };
}
