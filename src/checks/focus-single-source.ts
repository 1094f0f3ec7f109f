/**
 * No day's cost is counted twice across cost tables: per day, the FOCUS view's billed total must
 * equal claude_cost_by_key's total on days that table holds, else claude_costs' total; never their
 * sum, never claude_cost_by_actor on top (two groupings of the same spend). Reports follow the same
 * rule (src/reports/cost-source.ts); this checks it on the data.
 */
import { compareDecimal } from '../util/money.js';
import { FOCUS_VIEW } from '../warehouse/views/index.js';
import { TABLES } from '../warehouse/tables.js';
import { listDays, orgAnd, plural, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';
import { both, mapInTurns } from '../util/concurrent.js';

/** Per day: the view's total, claude_cost_by_key's and claude_costs' (null where a source has none). */
type DayFacts = { view: string | null; by_key: string | null; legacy: string | null };

async function facts(ctx: CheckContext): Promise<Map<string, DayFacts>> {
  {
    const d = ctx.wh.dialect;
    const i = (n: string) => d.ident(n);
    const p = d.dateParam();
    // One organization's view rows are those billed to its account (BillingAccountId = organization_id).
    // Configured fees (x_Source 'configured') are no cost table's rows: the day's usage rows are compared.
    const viewOrg = (({ sql, params }) => ({ sql: `${sql} AND ${i('x_Source')} <> 'configured'`, params }))(orgAnd(ctx, undefined, 'BillingAccountId'));
    const tableOrg = orgAnd(ctx);
    const sum = (t: string, day: string, amount: string, org: { sql: string }) =>
      `SELECT ${i(day)} AS ${i('day')}, ${d.sumExact(i(amount))} AS ${i('usd')} FROM ${d.table(t)} WHERE ${i(day)} BETWEEN ${p} AND ${p}${org.sql} GROUP BY 1`;
    const range = (org: { params: unknown[] }) => [ctx.range.from, ctx.range.to, ...org.params];
    const rows = await ctx.wh.query(
      `SELECT COALESCE(v.${i('day')}, k.${i('day')}, c.${i('day')}) AS ${i('day')}, ${d.toText(`v.${i('usd')}`)} AS ${i('view')},
              ${d.toText(`k.${i('usd')}`)} AS ${i('by_key')}, ${d.toText(`c.${i('usd')}`)} AS ${i('legacy')}
         FROM (${sum(FOCUS_VIEW, 'x_ActivityDate', 'BilledCost', viewOrg)}) v
         FULL OUTER JOIN (${sum('claude_cost_by_key', 'activity_date', 'amount_usd', tableOrg)}) k ON k.${i('day')} = v.${i('day')}
         FULL OUTER JOIN (${sum('claude_costs', 'activity_date', 'amount_usd', tableOrg)}) c ON c.${i('day')} = COALESCE(v.${i('day')}, k.${i('day')})
        ORDER BY 1`,
      [...range(viewOrg), ...range(tableOrg), ...range(tableOrg)],
    );
    const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return new Map(rows.map((r) => [String(r.day), { view: text(r.view), by_key: text(r.by_key), legacy: text(r.legacy) }]));
  }
}

function judge(_ctx: CheckContext, byDay: Map<string, DayFacts>): CheckResult {
  const id = 'focus-single-source';
  const rows = [...byDay.keys()].sort().map((day) => ({ day, ...byDay.get(day)! }));
  {
    const dec = (v: unknown) => (v === null || v === undefined ? null : String(v));
    const wrong = rows.filter((r) => {
      const view = dec(r.view) ?? '0';
      const want = dec(r.by_key) ?? dec(r.legacy) ?? '0';
      return compareDecimal(view, want) !== 0;
    });
    if (wrong.length === 0) {
      return {
        id,
        status: 'PASS',
        figure: '0 days counted twice',
        detail: `On each of ${plural(rows.length, 'day')}, the FOCUS view carries one source: claude_cost_by_key where it holds the day, else claude_costs.`,
      };
    }
    const days = wrong.map((r) => String(r.day));
    const shown = wrong.slice(0, 3).map((r) => `${String(r.day)}: view $${String(r.view)} vs by key $${String(r.by_key ?? '-')}, cost_report $${String(r.legacy ?? '-')}`);
    return {
      id,
      status: 'FAIL',
      figure: `${plural(days.length, 'day')} wrong`,
      detail: `The FOCUS view's total is not exactly one cost source on ${listDays(days)}: ${shown.join('; ')}.`,
      action: 'Report this as a claude-ingest bug (the view is recreated by any command that opens the warehouse for writing)',
      days,
    };
  }
}

/** Undated tables the view joins for names: a key held twice there would count its cost twice. */
const NAMED_BY = ['claude_api_keys', 'claude_workspaces', 'claude_organization'] as const;

/**
 * The view is part of what is proved: its SQL as the warehouse holds it, and how many keys of the
 * name tables it joins are held more than once (what could multiply its rows), are in every day's
 * fingerprint. Not the name tables' rows themselves: every run rewrites them, and a name does not
 * change a sum.
 */
async function salt(ctx: CheckContext): Promise<string> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const q = d.viewSqlQuery(FOCUS_VIEW);
  const [view, held] = await both(
    ctx.wh.query(q.sql, q.params),
    mapInTurns(NAMED_BY, 2, async (t) => {
      const key = TABLES[t].naturalKey.map(i).join(', ');
      const [r] = await ctx.wh.query(`SELECT COUNT(*) AS ${i('n')} FROM (SELECT ${key} FROM ${d.table(t)} GROUP BY ${key} HAVING COUNT(*) > 1) s`);
      return `${t}:${String(r?.n)}`;
    }),
  );
  return [...view.map((r) => Object.values(r).map(String).join('')), ...held].join('|');
}

export const focusSingleSourceCheck = dailyCheck<DayFacts>({
  id: 'focus-single-source',
  title: 'One cost source per day',
  // claude_cost_by_key and claude_costs are what the view reads for cost.
  daily: {
    tables: ['claude_cost_by_key', 'claude_costs'],
    // Per day the view's BilledCost is amount_usd of each cost row it takes (a row of claude_costs only on
    // a day claude_cost_by_key does not hold for the organization): its joins match at most one row each
    // (the usage subqueries are grouped on exactly the join columns; names join by id), so no other
    // column of these tables changes a day's sums. The view's own SQL is in the salt.
    columns: { claude_cost_by_key: ['amount_usd'], claude_costs: ['amount_usd'] },
    version: '1',
    salt,
    facts,
    judge,
  },
});
