/**
 * Anomaly rules over complete days only: a day's spend far above its robust baseline, a key or model
 * that starts spending after 28 quiet days, and a sharp drop of the prompt cache hit rate.
 */
import { addDays, type IsoDay } from '../util/dates.js';
import { ExactDecimal, formatUsd } from '../util/money.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { anomalyThreshold, BASELINE_DAYS, baselineFor, median, MIN_POINTS } from './baseline.js';
import type { JudgedDays } from '../checks/judged-days.js';
import { allocateByKey, cacheByDay, dailySpend, keyActivityByDay, modelSpendByDay, type Names } from '../reports/spend-data.js';
import { spendBy } from '../reports/queries.js';
import { isLocal, localDailySpend, periodIn, type AlertCalendar } from './local-calendar.js';
import { makeEvent, type AlertEvent } from './types.js';

type Dec = InstanceType<typeof ExactDecimal>;

const WEEKDAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const dayName = (d: IsoDay) => WEEKDAY[new Date(`${d}T00:00:00Z`).getUTCDay()]!;
const pct = (part: Dec | string, whole: Dec | string) =>
  new ExactDecimal(whole).isZero() ? '0' : new ExactDecimal(part).div(whole).times(100).toDecimalPlaces(1).toFixed(1);

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
  const byKey = new Map<string | null, Dec>();
  for (const r of await allocateByKey(wh, f)) byKey.set(r.key, (byKey.get(r.key) ?? new ExactDecimal(0)).plus(r.usd));
  push('api_key', [...byKey].sort((a, b) => b[1].comparedTo(a[1])).map(([k, v]) => ({ name: names.apiKey(k), usd: v.toFixed() })));
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
    const above = new ExactDecimal(amount).minus(b.median);
    if (!new ExactDecimal(amount).gt(threshold) || above.lt(String(o.min_usd))) continue;
    // Contributors are read per UTC day (the breakdown has no hours): named as such in local calendars.
    const contributors = await topContributors(wh, day, amount, names);
    const ratio = new ExactDecimal(b.median).isZero() ? null : new ExactDecimal(amount).div(b.median).toDecimalPlaces(1).toFixed(1);
    events.push(
      makeEvent({
        rule: 'daily_spend', subject: 'organization', period: periodIn(ac, day), level: 'anomaly', rank: 1, severity: 'warning',
        title: `Spend anomaly on ${day}: ${formatUsd(amount)}${ratio ? ` (${ratio}x the usual ${b.kind})` : ''}`,
        text:
          `Spend on ${dayName(day)} ${day} was ${formatUsd(amount)} against a baseline of ${formatUsd(b.median)} ` +
          `(median of the ${b.points} ${b.kind}s among the previous ${BASELINE_DAYS} days; alert above ${formatUsd(threshold)}), ${formatUsd(above.toFixed())} more.`,
        details: contributorLines(contributors),
        figures: {
          day, timezone: ac?.calendar.timeZone ?? 'UTC', amount_usd: amount, baseline_usd: b.median, scaled_mad_usd: b.scaledMad, threshold_usd: threshold,
          above_usd: above.toFixed(), baseline_points: b.points, day_kind: b.kind, sensitivity: o.sensitivity,
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
    let keySpend = new Map<string | null, Dec>();
    if (newKeys.length > 0) {
      keySpend = new Map();
      for (const r of await allocateByKey(wh, { from: day, to: day })) keySpend.set(r.key, (keySpend.get(r.key) ?? new ExactDecimal(0)).plus(r.usd));
    }
    const candidates = [
      ...newKeys.map((id) => ({ kind: 'api_key' as const, id, name: `API key ${names.apiKey(id)}`, usd: (keySpend.get(id) ?? new ExactDecimal(0)).toFixed(), estimated: true })),
      ...newModels.map((id) => ({ kind: 'model' as const, id, name: `model ${id}`, usd: modelRows.filter((r) => r.day === day && r.model === id).reduce((s, r) => s.plus(r.usd), new ExactDecimal(0)).toFixed(), estimated: false })),
    ];
    for (const c of candidates) {
      if (new ExactDecimal(c.usd).lt(minUsd)) continue;
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
    return r && r.input > 0 ? new ExactDecimal(r.read).div(r.input).times(100).toFixed() : null;
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
    const drop = new ExactDecimal(usual).minus(today);
    if (drop.lt(points)) continue;
    const f1 = (v: string | Dec) => new ExactDecimal(v).toDecimalPlaces(1).toFixed(1);
    events.push(
      makeEvent({
        rule: 'cache_hit_rate_drop', subject: 'organization', period: day, level: 'drop', rank: 1, severity: 'warning',
        title: `Cache hit rate dropped to ${f1(today)} % on ${day}`,
        text: `The prompt cache hit rate on ${day} was ${f1(today)} %, ${f1(drop)} points below its ${BASELINE_DAYS}-day median of ${f1(usual)} %: input that used to be read from cache is being paid at full price.`,
        details: [],
        figures: { day, hit_rate_percent: today, median_percent: usual, drop_points: drop.toFixed(), threshold_points: points },
      }),
    );
  }
  return events;
}
