/**
 * The cents bug: the API sends cents, and a pipeline that stores them as dollars is off by 100×.
 * Every row must satisfy amount_usd × 100 = amount_cents exactly (decimal arithmetic in SQL).
 * The largest line and day are shown so an implausible figure is visible at a glance; a line far above
 * the organization's own trailing 90 days (./large-lines.ts), or above --large-line-usd when given, WARNs.
 */
import { compareDecimal, canonicalDecimal, formatUsd } from '../util/money.js';
import { inRange, plural, type Check } from './check.js';
import { describeOutlier, LARGE_LINE_FACTOR, largeLineOutliers } from './large-lines.js';

const MONEY_TABLES = ['claude_costs', 'claude_cost_daily_totals'] as const;

export const centsCheck: Check = {
  id: 'cents',
  title: 'Dollars = cents / 100 on every row',
  async run(ctx) {
    const d = ctx.wh.dialect;
    const i = (n: string) => d.ident(n);
    const a = inRange(ctx);
    const bad: string[] = [];
    const badDays = new Set<string>();
    let badRows = 0;
    for (const table of MONEY_TABLES) {
      const cond = `${i('amount_usd')} * 100 <> ${i('amount_cents')}`;
      const [n] = await ctx.wh.query(`SELECT COUNT(*) AS ${i('n')} FROM ${d.table(table)} WHERE ${a.sql} AND ${cond}`, a.params);
      const count = Number(n?.n ?? 0);
      if (count === 0) continue;
      badRows += count;
      const sample = await ctx.wh.query(
        `SELECT ${i('activity_date')} AS ${i('day')}, ${d.toText(i('amount_usd'))} AS ${i('usd')}, ${d.toText(i('amount_cents'))} AS ${i('cents')}
           FROM ${d.table(table)} WHERE ${a.sql} AND ${cond} ORDER BY 1 LIMIT 3`,
        a.params,
      );
      for (const r of sample) {
        badDays.add(String(r.day));
        bad.push(`${table} ${String(r.day)}: amount_usd ${canonicalDecimal(r.usd)} but amount_cents ${canonicalDecimal(r.cents)}`);
      }
    }

    const [line] = await ctx.wh.query(
      `SELECT ${i('activity_date')} AS ${i('day')}, ${i('workspace_id')} AS ${i('ws')}, ${i('description')} AS ${i('description')}, ${d.toText(i('amount_usd'))} AS ${i('usd')}
         FROM ${d.table('claude_costs')} WHERE ${a.sql} ORDER BY ${i('amount_usd')} DESC LIMIT 1`,
      a.params,
    );
    const [day] = await ctx.wh.query(
      `SELECT ${i('activity_date')} AS ${i('day')}, ${d.toText(d.sumExact(i('amount_usd')))} AS ${i('usd')}
         FROM ${d.table('claude_costs')} WHERE ${a.sql} GROUP BY 1 ORDER BY ${d.sumExact(i('amount_usd'))} DESC LIMIT 1`,
      a.params,
    );
    const lineText = line
      ? `largest line ${formatUsd(canonicalDecimal(line.usd))} (${String(line.day)}, ${line.ws === null ? 'default workspace' : String(line.ws)}, ${String(line.description ?? '-')})`
      : 'no cost lines';
    const dayText = day ? `largest day ${formatUsd(canonicalDecimal(day.usd))} (${String(day.day)})` : '';
    const shown = [lineText, dayText].filter(Boolean).join('; ');

    if (badRows > 0) {
      return {
        id: this.id,
        status: 'FAIL',
        figure: `${plural(badRows, 'row')} off`,
        detail: `amount_usd × 100 ≠ amount_cents: ${bad.join('; ')}. Dollars were stored as cents (or the reverse). ${shown}.`,
        action: `Re-fetch those days: claude-ingest backfill --refresh --from ${[...badDays].sort()[0]} --to ${[...badDays].sort().at(-1)}`,
        days: [...badDays].sort(),
      };
    }
    if (ctx.options.largeLineUsd !== undefined) {
      if (line && compareDecimal(canonicalDecimal(line.usd), ctx.options.largeLineUsd) > 0) {
        return {
          id: this.id,
          status: 'WARN',
          figure: `line ${formatUsd(canonicalDecimal(line.usd))} > ${formatUsd(ctx.options.largeLineUsd)}`,
          detail: `Every row has amount_usd × 100 = amount_cents, but one cost line is large: ${shown}.`,
          action: 'Confirm it in the Console (Usage → Cost); raise --large-line-usd if such lines are normal for you.',
          days: [String(line.day)],
        };
      }
    } else {
      const outliers = await largeLineOutliers(ctx);
      if (outliers.length > 0) {
        const top = outliers[0]!;
        const shownOutliers = outliers.slice(0, 3).map(describeOutlier).join('; ');
        return {
          id: this.id,
          status: 'WARN',
          figure: `line ${formatUsd(top.usd)} > ${LARGE_LINE_FACTOR}× 90-day max`,
          detail: `Every row has amount_usd × 100 = amount_cents, but ${outliers.length === 1 ? 'one cost line is' : `${outliers.length} cost lines are`} far above this organization's own history: ${shownOutliers}${outliers.length > 3 ? `; and ${outliers.length - 3} more` : ''}.`,
          action: 'Confirm it in the Console (Usage → Cost); validate --large-line-usd N judges lines against a fixed amount instead.',
          days: [...new Set(outliers.map((o) => o.day))].sort(),
        };
      }
    }
    return {
      id: this.id,
      status: 'PASS',
      figure: line ? `max line ${formatUsd(canonicalDecimal(line.usd))}` : '0 rows',
      detail: `Every row has amount_usd × 100 = amount_cents exactly; ${shown}.`,
    };
  },
};

