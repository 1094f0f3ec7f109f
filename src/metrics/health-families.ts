/**
 * The health of the data, read the way `status`, `validate` and the alerts read it (the ledger
 * queries in jobs/ledger-queries.ts, jobs/status.ts, checks/index.ts), and budget usage with the
 * budget alerts' own scope and forecast code.
 */
import { BASELINE_DAYS } from '../alerts/baseline.js';
import { forecastTotal } from '../reports/forecast.js';
import { HEALTH_DAYS } from '../alerts/health.js';
import { judgedDays } from '../checks/judged-days.js';
import { loadNames, resolveScope, scopeDaily } from '../reports/spend-data.js';
import { DAY_STREAMS } from '../checks/gaps.js';
import { runValidation, type CheckStatus } from '../checks/index.js';
import { lastCompleteDay, unfinishedWindows } from '../ledger/queries.js';
import { streamStatus } from '../ledger/status.js';
import { dataSpan } from '../reports/queries.js';
import { addDays, dayStartMs, eachDay, monthOf } from '../util/dates.js';
import { canonicalDecimal, divideDecimal, sumDecimals } from '../util/money.js';
import type { CollectContext } from './context.js';
import type { FamilyDef, Sample } from './model.js';

export const dataFreshness = {
  def: {
    name: 'claude_ingest_data_freshness_seconds',
    otelName: 'claude_ingest.data_freshness',
    otelUnit: 's',
    help: 'Seconds since the end (UTC midnight) of the newest complete day each stream holds; absent until a stream has one, and for a stream the organization cannot read.',
    labels: ['organization', 'stream'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const scope of ctx.scopes) {
      for (const stream of DAY_STREAMS) {
        if (streamStatus(scope.ledger, stream).unavailable) continue;
        const day = lastCompleteDay(scope.ledger, stream);
        // The age is taken when the sample is read, so a kept snapshot keeps ageing.
        if (day !== null) out.push({ labels: { organization: scope.organization, stream }, value: { secondsSince: dayStartMs(addDays(day, 1)) / 1000 } });
      }
    }
    return out;
  },
};

export const lastSuccess = {
  def: {
    name: 'claude_ingest_last_success_timestamp_seconds',
    otelName: 'claude_ingest.last_success_timestamp',
    otelUnit: 's',
    help: 'When the last successful backfill, run or retry of the organization finished (Unix seconds); absent before the first.',
    labels: ['organization'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const runs = (await ctx.wh.listRuns(500)).filter((r) => r.status === 'ok' && r.finishedAt !== null);
    const out: Sample[] = [];
    for (const scope of ctx.scopes) {
      const own = ctx.scopes.length === 1 ? runs : runs.filter((r) => r.organizationId === scope.organization);
      const last = own.map((r) => Date.parse(r.finishedAt!)).sort((a, b) => b - a)[0];
      if (last !== undefined) out.push({ labels: { organization: scope.organization }, value: last / 1000 });
    }
    return out;
  },
};

export const failedWindows = {
  def: {
    name: 'claude_ingest_failed_windows',
    otelName: 'claude_ingest.failed_windows',
    otelUnit: '{window}',
    help: 'Windows whose latest attempt failed (or was interrupted) and that no later success covers: what claude-ingest retry would re-run.',
    labels: ['organization', 'stream'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const scope of ctx.scopes) {
      const failed = unfinishedWindows(scope.ledger);
      const streams = [...new Set([...DAY_STREAMS, ...failed.map((w) => w.stream)])];
      for (const stream of streams) out.push({ labels: { organization: scope.organization, stream }, value: failed.filter((w) => w.stream === stream).length });
    }
    return out;
  },
};

const STATUS_VALUE: Record<CheckStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };
const WAREHOUSE = 'warehouse';

export const validateChecks = {
  def: {
    name: 'claude_ingest_validate_check_status',
    otelName: 'claude_ingest.validate.check_status',
    otelUnit: '1',
    help: `Each claude-ingest validate check over the last ${HEALTH_DAYS} days of data: 0 PASS, 1 WARN, 2 FAIL. organization="${WAREHOUSE}" for checks of the warehouse itself when it holds several organizations.`,
    labels: ['organization', 'check'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    const span = await dataSpan(ctx.wh);
    if (!span) return [];
    // The range data-health alerts validate (alerts/health.ts).
    const from = [addDays(ctx.today, -(HEALTH_DAYS - 1)), span.from].sort().reverse()[0]!;
    const to = span.to > ctx.today ? ctx.today : span.to;
    if (from > to) return [];
    const report = await runValidation(ctx.wh, { range: { from, to }, today: ctx.today });
    const sole = ctx.scopes.length === 1 ? ctx.scopes[0]!.organization : undefined;
    return report.results.map((r) => ({
      labels: { organization: r.organization?.id ?? sole ?? WAREHOUSE, check: r.id },
      value: STATUS_VALUE[r.status],
    }));
  },
};

/** Budgets: month-to-date spend (today partial, as budget alerts count it) and the forecast against the amount. */
export const budgetUsage = {
  def: {
    name: 'claude_ingest_budget_usage_ratio',
    otelName: 'claude_ingest.budget.usage_ratio',
    otelUnit: '1',
    help: 'Per budget of alerts.budgets (claude-ingest.yaml): month-to-date spend (kind="spent") or month-end forecast (kind="forecast") divided by the monthly amount; 1 is 100 %.',
    labels: ['budget', 'kind', 'source'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    if (ctx.budgets.length === 0) return [];
    const names = await loadNames(ctx.wh);
    const month = monthOf(ctx.today);
    const judged = await judgedDays(ctx.wh, ctx.ledger, { from: addDays(month.first, -(BASELINE_DAYS + 31)), to: ctx.today }, ctx.today);
    const from = [month.first, judged.lastComplete ? addDays(judged.lastComplete, -BASELINE_DAYS) : month.first].sort()[0]!;
    const out: Sample[] = [];
    for (const budget of ctx.budgets) {
      const amount = canonicalDecimal(String(budget.monthly_usd));
      const daily = await scopeDaily(ctx.wh, resolveScope(budget.scope, names, ctx.allocation), from, ctx.today);
      const spent = sumDecimals(eachDay(month.first, ctx.today).map((d) => daily.get(d) ?? '0'));
      out.push({ labels: { budget: budget.name, kind: 'spent', source: 'provider' }, value: divideDecimal(spent, amount) });
      const fc = forecastTotal(month, daily, judged);
      if (fc !== null) out.push({ labels: { budget: budget.name, kind: 'forecast', source: 'provider' }, value: divideDecimal(fc, amount) });
    }
    return out;
  },
};

export const budgetAmount = {
  def: {
    name: 'claude_ingest_budget_usd',
    otelName: 'claude_ingest.budget',
    otelUnit: 'USD',
    help: 'The monthly amount of each budget of alerts.budgets (claude-ingest.yaml), in US dollars.',
    labels: ['budget'],
  } satisfies FamilyDef,
  async collect(ctx: CollectContext): Promise<Sample[]> {
    return ctx.budgets.map((b) => ({ labels: { budget: b.name }, value: String(b.monthly_usd) }));
  },
};
