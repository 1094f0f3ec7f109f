/**
 * `report --by rate_limit` and `report --by spend_limit`. rate_limit first reads the asked days the
 * headroom cache does not hold as complete (the on-demand rate_limit_peaks stream: one day of
 * 1-minute usage buckets per request sequence, only for those days), then reports from the cache;
 * without an admin key it reports what the cache holds and says which days it lacks.
 */
import { ingestEnvironment } from './api-runtime.js';
import { judgedDays } from '../checks/judged-days.js';
import { loadNames } from '../reports/spend-data.js';
import { spendLimitStatuses } from '../alerts/spend-limits.js';
import { backfill } from '../jobs/backfill.js';
import { completeDays } from '../ledger/queries.js';
import { FORECAST_BASE_DAYS } from '../reports/forecast.js';
import { ratePeaks, rateLimitResult, spendLimitResult, type LimitReportName } from '../reports/limit-reports.js';
import type { ReportResult } from '../reports/registry.js';
import { STREAMS } from '../streams/index.js';
import { addDays, eachDay, monthStart, parseDay, type DayRange } from '../util/dates.js';
import { EXIT } from './exit-codes.js';
import { selectOrganizations } from './select-organizations.js';
import type { CliRuntime, GlobalOptions } from './runtime.js';
import { InputError } from '../util/errors.js';

/** Days asked (default: the last 7 up to today); at most 31, since each day is a request sequence. */
export const MAX_RATE_LIMIT_DAYS = 31;

function askedRange(rt: CliRuntime, o: { from?: string; to?: string }): DayRange {
  const today = rt.today();
  const to = o.to === undefined ? today : parseDay(o.to, '--to');
  const from = o.from === undefined ? addDays(to, -6) : parseDay(o.from, '--from');
  if (from > to) throw new InputError(`the range ${from}..${to} is reversed: --from must not be after --to`);
  if (to > today) throw new InputError(`--to ${to} is in the future (today is ${today} UTC)`);
  if (eachDay(from, to).length > MAX_RATE_LIMIT_DAYS) throw new InputError(`--by rate_limit reads 1-minute usage for each day asked: ask for at most ${MAX_RATE_LIMIT_DAYS} days at a time`);
  return { from, to };
}

export async function limitReport(rt: CliRuntime, g: GlobalOptions, name: LimitReportName, o: { from?: string; to?: string; org?: string; config?: string }): Promise<ReportResult> {
  return name === 'rate_limit' ? rateLimitReport(rt, g, o) : spendLimitReport(rt, g);
}

async function rateLimitReport(rt: CliRuntime, g: GlobalOptions, o: { from?: string; to?: string; org?: string; config?: string }): Promise<ReportResult> {
  const range = askedRange(rt, o);
  const reporter = rt.reporter(g);
  let keys: ReturnType<CliRuntime['apiSettings']> | null;
  try {
    keys = rt.apiSettings(o.config);
  } catch {
    // No admin key: the cache alone answers.
    keys = null;
  }
  const wh = await rt.openWarehouse(g, keys === null);
  try {
    if (keys) {
      const api = keys;
      const chosen = await selectOrganizations(api.keys, o.org, (k) => ingestEnvironment(rt, g, wh, { apiKey: k.apiKey, baseUrl: api.baseUrl }, { usageBucket: '1d' }).client);
      for (const k of chosen) {
        const env = ingestEnvironment(rt, g, wh, { apiKey: k.apiKey, baseUrl: api.baseUrl }, { usageBucket: '1d' }, { share: rt.concurrency(g), sole: chosen.length === 1 });
        const outcome = await backfill(env, { range, streams: [STREAMS.rate_limit_peaks], refresh: false });
        if (outcome.fatal || outcome.failed > 0) {
          reporter.warn(`rate-limit headroom: ${outcome.fatal?.message ?? `${outcome.failed} day(s) could not be read`}; the report shows what the cache holds`);
          rt.exitCode = Math.max(rt.exitCode, EXIT.failed);
        }
      }
    } else {
      const held = completeDays(await wh.listWindows(), 'rate_limit_peaks');
      const missing = eachDay(range.from, range.to).filter((d) => !held.has(d));
      if (missing.length > 0) reporter.warn(`no admin key: ${missing.length} day(s) of ${range.from}..${range.to} are not in the headroom cache (set ANTHROPIC_ADMIN_KEY to read them)`);
    }
    return rateLimitResult(range, await ratePeaks(wh, range));
  } finally {
    await wh.close();
  }
}

async function spendLimitReport(rt: CliRuntime, g: GlobalOptions): Promise<ReportResult> {
  const today = rt.today();
  const wh = await rt.openWarehouse(g, true);
  try {
    const ledger = await wh.listWindows();
    const judged = await judgedDays(wh, ledger, { from: addDays(monthStart(today), -(FORECAST_BASE_DAYS + 31)), to: today }, today);
    const statuses = (await spendLimitStatuses(wh, await loadNames(wh), judged, today)).filter((s) => s.current);
    const rows = statuses.map((s) => ({
      limit: s.label,
      spend_limit_id: s.limit.id,
      scope_type: s.limit.scopeType,
      period_from: s.period.first,
      period_to: s.period.last,
      amount_usd: s.amountUsd,
      spent_usd: s.spentUsd,
      share_pct: Number(s.percent),
      forecast_usd: s.forecast?.total ?? null,
      forecast_low_usd: s.forecast?.low ?? null,
      forecast_high_usd: s.forecast?.high ?? null,
      reached_on: s.reachedOn ?? 'not this period',
    }));
    if (rows.length === 0) rt.reporter(g).warn('no spend limits in the warehouse: run claude-ingest run (the limits stream) first; an organization without the spend_limits endpoint has none');
    return spendLimitResult({ from: monthStart(today), to: today }, rows);
  } finally {
    await wh.close();
  }
}
