/**
 * Completeness: the grouped fact rows must add up exactly to the ungrouped totals the API reports
 * for the same day (cost) or bucket (usage). A lost page, a lost grouping or the "only the first 7
 * days" pagination bug all show up as a difference here.
 */
import { canonicalDecimal, subtractDecimal } from '../util/money.js';
import { thousands } from '../util/thousands.js';
import { TABLES } from '../warehouse/tables.js';
import { inRange, listDays, plural, type CheckContext, type CheckResult } from './check.js';
import { dailyCheck } from './proofs.js';

const TOKEN_COLUMNS = TABLES.claude_usage_daily_totals.columns.filter((c) => c.type === 'int').map((c) => c.name);

interface CostDiff {
  day: string;
  currency: string;
  rowsCents: string;
  totalCents: string;
}

async function costDiffs(ctx: CheckContext): Promise<CostDiff[]> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const a = inRange(ctx);
  const sum = (table: string) =>
    `SELECT ${i('activity_date')} AS ${i('day')}, ${i('currency')} AS ${i('currency')}, ${d.sumExact(i('amount_cents'))} AS ${i('cents')}
       FROM ${d.table(table)} WHERE ${a.sql} GROUP BY 1, 2`;
  const rows = await ctx.wh.query(
    `SELECT COALESCE(f.${i('day')}, t.${i('day')}) AS ${i('day')}, COALESCE(f.${i('currency')}, t.${i('currency')}) AS ${i('currency')},
            ${d.toText(`COALESCE(f.${i('cents')}, 0)`)} AS ${i('rows_cents')}, ${d.toText(`COALESCE(t.${i('cents')}, 0)`)} AS ${i('total_cents')}
       FROM (${sum('claude_costs')}) f
       FULL OUTER JOIN (${sum('claude_cost_daily_totals')}) t ON t.${i('day')} = f.${i('day')} AND t.${i('currency')} = f.${i('currency')}
      WHERE COALESCE(f.${i('cents')}, 0) <> COALESCE(t.${i('cents')}, 0)
      ORDER BY 1, 2`,
    [...a.params, ...a.params],
  );
  return rows.map((r) => ({ day: String(r.day), currency: String(r.currency), rowsCents: canonicalDecimal(r.rows_cents), totalCents: canonicalDecimal(r.total_cents) }));
}


interface TokenDiff {
  day: string;
  bucket: string;
  /** column → rows minus totals */
  diffs: Record<string, number>;
}

async function tokenDiffs(ctx: CheckContext): Promise<TokenDiff[]> {
  const d = ctx.wh.dialect;
  const i = (n: string) => d.ident(n);
  const a = inRange(ctx);
  const sum = (table: string) =>
    `SELECT ${i('activity_date')} AS ${i('day')}, ${i('bucket_start')} AS ${i('bucket')}, ${TOKEN_COLUMNS.map((c) => `SUM(${i(c)}) AS ${i(c)}`).join(', ')}
       FROM ${d.table(table)} WHERE ${a.sql} GROUP BY 1, 2`;
  const diff = (c: string) => `COALESCE(f.${i(c)}, 0) - COALESCE(t.${i(c)}, 0)`;
  const rows = await ctx.wh.query(
    `SELECT COALESCE(f.${i('day')}, t.${i('day')}) AS ${i('day')}, ${d.toText(`COALESCE(f.${i('bucket')}, t.${i('bucket')})`)} AS ${i('bucket')},
            ${TOKEN_COLUMNS.map((c) => `${diff(c)} AS ${i(c)}`).join(', ')}
       FROM (${sum('claude_usage_keys')}) f
       FULL OUTER JOIN (${sum('claude_usage_daily_totals')}) t ON t.${i('bucket')} = f.${i('bucket')}
      WHERE ${TOKEN_COLUMNS.map((c) => `${diff(c)} <> 0`).join(' OR ')}
      ORDER BY 1, 2`,
    [...a.params, ...a.params],
  );
  return rows.map((r) => ({
    day: String(r.day),
    bucket: String(r.bucket),
    diffs: Object.fromEntries(TOKEN_COLUMNS.map((c) => [c, Number(r[c])]).filter(([, v]) => v !== 0)),
  }));
}

function signed(v: string | number): string {
  const s = typeof v === 'number' ? thousands(v) : v;
  return typeof v === 'number' ? (v > 0 ? `+${s}` : s) : s.startsWith('-') ? s : `+${s}`;
}

/** A day's findings: its cost lines and usage buckets that do not add up (a day that adds up has none). */
interface DayFacts {
  cost: CostDiff[];
  tokens: TokenDiff[];
}

export const completenessCheck = dailyCheck<DayFacts>({
  id: 'completeness',
  title: 'Rows add up to the API totals',
  daily: {
    tables: ['claude_costs', 'claude_cost_daily_totals', 'claude_usage_keys', 'claude_usage_daily_totals'],
    // costDiffs() and tokenDiffs() read these (and activity_date, organization_id).
    columns: {
      claude_costs: ['currency', 'amount_cents'],
      claude_cost_daily_totals: ['currency', 'amount_cents'],
      claude_usage_keys: ['bucket_start', ...TOKEN_COLUMNS],
      claude_usage_daily_totals: ['bucket_start', ...TOKEN_COLUMNS],
    },
    version: '1',
    async facts(ctx) {
      const out = new Map<string, DayFacts>();
      const of = (day: string) => out.get(day) ?? (out.set(day, { cost: [], tokens: [] }), out.get(day)!);
      for (const c of await costDiffs(ctx)) of(c.day).cost.push(c);
      for (const t of await tokenDiffs(ctx)) of(t.day).tokens.push(t);
      return out;
    },
    judge(_ctx, facts) {
      const ordered = [...facts.keys()].sort().map((day) => facts.get(day)!);
      return verdict(ordered.flatMap((f) => f.cost), ordered.flatMap((f) => f.tokens));
    },
  },
});

function verdict(cost: CostDiff[], tokens: TokenDiff[]): CheckResult {
  const id = 'completeness';
  const days = [...new Set([...cost.map((c) => c.day), ...tokens.map((t) => t.day)])].sort();
  if (days.length === 0) {
    return {
      id,
      status: 'PASS',
      figure: '0 days differ',
      detail: 'Every day\'s cost lines add up exactly to the API\'s daily total, and every usage bucket\'s per-key tokens to the bucket total.',
    };
  }
  const parts: string[] = [];
  for (const c of cost.slice(0, 5)) {
    const diff = subtractDecimal(c.rowsCents, c.totalCents);
    parts.push(`cost ${c.day}: rows ${c.rowsCents} vs total ${c.totalCents} cents (${signed(diff)} cents)`);
  }
  for (const t of tokens.slice(0, 5)) {
    parts.push(`usage ${t.bucket}: ${Object.entries(t.diffs).map(([k, v]) => `${k} ${signed(v)}`).join(', ')}`);
  }
  const more = cost.length + tokens.length - parts.length;
  return {
    id,
    status: 'FAIL',
    figure: `${plural(days.length, 'day')} differ`,
    detail: `Rows do not add up to the API totals on ${listDays(days)}: ${parts.join('; ')}${more > 0 ? `; and ${more} more` : ''}. Pages or groupings were lost or doubled.`,
    action: `Re-fetch those days: claude-ingest backfill --refresh --from ${days[0]} --to ${days[days.length - 1]}`,
    days,
  };
}
