/**
 * Anomaly rules over complete days only: a day's spend far above its robust baseline, a key or model
 * that starts spending after 28 quiet days, and a sharp drop of the prompt cache hit rate.
 */
import { addDays, type IsoDay } from '../util/dates.js';
import { compareDecimal, DecimalSum, divideDecimal, formatUsd, isZeroDecimal, multiplyDecimal, roundDecimal, subtractDecimal, sumDecimals } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { anomalyThreshold, BASELINE_DAYS, baselineFor, median, MIN_POINTS } from './baseline.js';
import type { JudgedDays } from '../checks/judged-days.js';
import { allocateByKey, cacheByDay, dailySpend, keyActivityByDay, modelSpendByDay, type Names } from '../reports/spend-data.js';
import { spendBy } from '../reports/queries.js';
import { isLocal, localDailySpend, periodIn, type AlertCalendar } from './local-calendar.js';
import { makeEvent, type AlertEvent } from './types.js';

const WEEKDAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const dayName = (d: IsoDay) => WEEKDAY[new Date(`${d}T00:00:00Z`).getUTCDay()]!;
/** One fractional digit, half-even, trailing zero kept ("12.0"). */
const f1 = (v: string) => roundDecimal(v, 1, 'half-even', true);
const pct = (part: string, whole: string) => (isZeroDecimal(whole) ? '0' : f1(multiplyDecimal(divideDecimal(part, whole), 100)));

/** Per-key sums of allocated spend, as canonical text. */
function sumByKey(rows: ReadonlyArray<{ key: string | null; usd: string }>): Map<string | null, string> {
  const sums = new Map<string | null, DecimalSum>();
  for (const r of rows) {
    let sum = sums.get(r.key);
    if (!sum) sums.set(r.key, (sum = new DecimalSum()));
    sum.add(r.usd);
  }
  return new Map([...sums].map(([k, v]) => [k, v.toString()]));
}

export interface Contributor {
  dimension: 'workspace' | 'api_key' | 'model';
  name: string;
  usd: string;
  share_percent: string;
}

/** The top contributors of one day's spend by workspace, API key (estimated) and model. */
export async function topContributors(wh: Warehouse, day: IsoDay, total: string, names: Names, n = 3): Promise<Contributor[]> {
  const f = { from: day, to: day };
  const out: Contributor[] = [];
  const push = (dimension: Contributor['dimension'], rows: Array<{ name: string; usd: string }>) => {
    for (const r of rows.slice(0, n)) out.push({ dimension, name: r.name, usd: r.usd, share_percent: pct(r.usd, total) });
  };
  push('workspace', (await spendBy(wh, f, 'workspace')).map((r) => ({ name: names.workspace(r.key), usd: r.usd })));
  const byKey = sumByKey(await allocateByKey(wh, f));
  push('api_key', [...byKey].sort((a, b) => compareDecimal(b[1], a[1])).map(([k, v]) => ({ name: names.apiKey(k), usd: v })));
  push('model', (await spendBy(wh, f, 'model')).map((r) => ({ name: r.key ?? '(no model: web search, code execution, sessions)', usd: r.usd })));
  return out;
}

export function contributorLines(cs: Contributor[]): string[] {
  const label = { workspace: 'Workspaces', api_key: 'API keys (estimated from token shares)', model: 'Models' } as const;
  return (['workspace', 'api_key', 'model'] as const)
    .map((dim) => {
      const list = cs.filter((c) => c.dimension === dim);
      return list.length === 0 ? null : `${label[dim]}: ${list.map((c) => `${c.name} ${c.share_percent} % (${formatUsd(c.usd)})`).join(', ')}`;
    })
    .filter((l): l is string => l !== null);
}

export interface DailySpendOptions {
  min_usd: number | string;
  sensitivity: number;
}

/** Judges `days` (complete ones only); series read once for the whole span plus 28 days before. */
export async function dailySpendAnomalies(wh: Warehouse, days: IsoDay[], judged: JudgedDays, o: DailySpendOptions, names: Names, ac?: AlertCalendar): Promise<AlertEvent[]> {
  const todo = days.filter((d) => judged.has(d));
  if (todo.length === 0) return [];
  const range = { from: addDays(todo[0]!, -BASELINE_DAYS), to: todo[todo.length - 1]! };
  const series = isLocal(ac) ? await localDailySpend(wh, range, ac) : await dailySpend(wh, range);
  const events: AlertEvent[] = [];
  for (const day of todo) {
    const b = baselineFor(day, series, (d) => judged.has(d));
    if (!b) continue;
    const amount = series.get(day) ?? '0';
    const threshold = anomalyThreshold(b, o.sensitivity);
    const above = subtractDecimal(amount, b.median);
    if (compareDecimal(amount, threshold) <= 0 || compareDecimal(above, String(o.min_usd)) < 0) continue;
    // Contributors are read per UTC day (the breakdown has no hours): named as such in local calendars.
    const contributors = await topContributors(wh, day, amount, names);
    const ratio = isZeroDecimal(b.median) ? null : f1(divideDecimal(amount, b.median));
    events.push(
      makeEvent({
        rule: 'daily_spend', subject: 'organization', period: periodIn(ac, day), level: 'anomaly', rank: 1, severity: 'warning',
        title: `Spend anomaly on ${day}: ${formatUsd(amount)}${ratio ? ` (${ratio}x the usual ${b.kind})` : ''}`,
        text:
          `Spend on ${dayName(day)} ${day} was ${formatUsd(amount)} against a baseline of ${formatUsd(b.median)} ` +
          `(median of the ${b.points} ${b.kind}s among the previous ${BASELINE_DAYS} days; alert above ${formatUsd(threshold)}), ${formatUsd(above)} more.`,
        details: contributorLines(contributors),
        figures: {
          day, timezone: ac?.calendar.timeZone ?? 'UTC', amount_usd: amount, baseline_usd: b.median, scaled_mad_usd: b.scaledMad, threshold_usd: threshold,
          above_usd: above, baseline_points: b.points, day_kind: b.kind, sensitivity: o.sensitivity,
          contributors: contributors.map((c) => ({ ...c })),
        },
      }),
    );
  }
  return events;
}

/** A key or model with spend on a complete day and none in the 28 days before (history must reach back that far). */
export async function newSpenders(wh: Warehouse, days: IsoDay[], judged: JudgedDays, minUsd: string, names: Names, firstDataDay: IsoDay): Promise<AlertEvent[]> {
  const todo = days.filter((d) => judged.has(d) && addDays(d, -BASELINE_DAYS) >= firstDataDay);
  if (todo.length === 0) return [];
  const from = addDays(todo[0]!, -BASELINE_DAYS);
  const to = todo[todo.length - 1]!;
  const seen = (rows: Array<{ day: IsoDay; id: string }>) => {
    const m = new Map<string, Set<IsoDay>>();
    for (const r of rows) (m.get(r.id) ?? m.set(r.id, new Set()).get(r.id)!).add(r.day);
    return m;
  };
  const keys = seen((await keyActivityByDay(wh, from, to)).map((r) => ({ day: r.day, id: r.key })));
  const modelRows = await modelSpendByDay(wh, from, to);
  const models = seen(modelRows.map((r) => ({ day: r.day, id: r.model })));
  const events: AlertEvent[] = [];
  for (const day of todo) {
    const quiet = (active: Set<IsoDay>) => {
      for (let k = 1; k <= BASELINE_DAYS; k++) if (active.has(addDays(day, -k))) return false;
      return true;
    };
    const newKeys = [...keys].filter(([, a]) => a.has(day) && quiet(a)).map(([id]) => id);
    const newModels = [...models].filter(([, a]) => a.has(day) && quiet(a)).map(([id]) => id);
    const keySpend = newKeys.length > 0 ? sumByKey(await allocateByKey(wh, { from: day, to: day })) : new Map<string | null, string>();
    const candidates = [
      ...newKeys.map((id) => ({ kind: 'api_key' as const, id, name: `API key ${names.apiKey(id)}`, usd: keySpend.get(id) ?? '0', estimated: true })),
      ...newModels.map((id) => ({ kind: 'model' as const, id, name: `model ${id}`, usd: sumDecimals(modelRows.filter((r) => r.day === day && r.model === id).map((r) => r.usd)), estimated: false })),
    ];
    for (const c of candidates) {
      if (compareDecimal(c.usd, minUsd) < 0) continue;
      const where = c.kind === 'api_key' ? names.apiKeys.find((k) => k.id === c.id) : undefined;
      events.push(
        makeEvent({
          rule: 'new_spender', subject: `${c.kind}:${c.id}`, period: day, level: 'new', rank: 1, severity: 'info',
          title: `New spender on ${day}: ${c.name}`,
          text: `${c.name[0]!.toUpperCase()}${c.name.slice(1)}${where ? ` (workspace ${names.workspace(where.workspaceId)})` : ''} spent ${c.estimated ? '≈' : ''}${formatUsd(c.usd)} on ${day}; it had no spend in the previous ${BASELINE_DAYS} days.`,
          details: [],
          figures: { day, kind: c.kind, id: c.id, name: c.name, usd: c.usd, estimated: c.estimated },
        }),
      );
    }
  }
  return events;
}

/** The organization's cache hit rate (cache reads / all input tokens) fell `points` below its 28-day median. */
export async function cacheHitRateDrops(wh: Warehouse, days: IsoDay[], judged: JudgedDays, points: number): Promise<AlertEvent[]> {
  const todo = days.filter((d) => judged.has(d));
  if (todo.length === 0) return [];
  const data = await cacheByDay(wh, addDays(todo[0]!, -BASELINE_DAYS), todo[todo.length - 1]!);
  const rate = (d: IsoDay) => {
    const r = data.get(d);
    return r && r.input > 0 ? multiplyDecimal(divideDecimal(r.read, r.input), 100) : null;
  };
  const events: AlertEvent[] = [];
  for (const day of todo) {
    const today = rate(day);
    if (today === null) continue;
    const history: string[] = [];
    for (let k = 1; k <= BASELINE_DAYS; k++) {
      const d = addDays(day, -k);
      const r = judged.has(d) ? rate(d) : null;
      if (r !== null) history.push(r);
    }
    if (history.length < MIN_POINTS) continue;
    const usual = median(history);
    const drop = subtractDecimal(usual, today);
    if (compareDecimal(drop, points) < 0) continue;
    events.push(
      makeEvent({
        rule: 'cache_hit_rate_drop', subject: 'organization', period: day, level: 'drop', rank: 1, severity: 'warning',
        title: `Cache hit rate dropped to ${f1(today)} % on ${day}`,
        text: `The prompt cache hit rate on ${day} was ${f1(today)} %, ${f1(drop)} points below its ${BASELINE_DAYS}-day median of ${f1(usual)} %: input that used to be read from cache is being paid at full price.`,
        details: [],
        figures: { day, hit_rate_percent: today, median_percent: usual, drop_points: drop, threshold_points: points },
      }),
    );
  }
  return events;
}
