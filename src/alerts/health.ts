/** Data health: a validate FAIL over the last 35 days, or data older than max_age_days. Once per day each. */
import { runValidation } from '../checks/index.js';
import { dataSpan } from '../reports/queries.js';
import { addDays, daysBetween, type IsoDay } from '../util/dates.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { JudgedDays } from '../checks/judged-days.js';
import { makeEvent, type AlertEvent } from './types.js';

export const HEALTH_DAYS = 35;

export async function dataHealth(wh: Warehouse, judged: JudgedDays, today: IsoDay, maxAgeDays: number): Promise<AlertEvent[]> {
  const span = await dataSpan(wh);
  if (!span) return [];
  const events: AlertEvent[] = [];
  const from = [addDays(today, -(HEALTH_DAYS - 1)), span.from].sort().reverse()[0]!;
  const to = span.to > today ? today : span.to;
  if (from <= to) {
    const report = await runValidation(wh, { range: { from, to }, today });
    const failed = report.results.filter((r) => r.status === 'FAIL');
    if (failed.length > 0) {
      events.push(
        makeEvent({
          rule: 'data_health', subject: 'organization', period: today, level: 'fail', rank: 2, severity: 'critical',
          title: `Data health: validate FAILs (${failed.map((r) => r.id).join(', ')})`,
          text: `claude-ingest validate fails for ${from}..${to}: the figures in the warehouse cannot be trusted until this is fixed.`,
          details: failed.map((r) => `${r.id}: ${r.figure}. ${r.detail}${r.action ? ` Fix: ${r.action}` : ''}`),
          figures: { from, to, failed_checks: failed.map((r) => r.id) },
        }),
      );
    }
  }
  const last = judged.lastComplete;
  const age = last === null ? null : daysBetween(last, today);
  if (age === null || age > maxAgeDays) {
    events.push(
      makeEvent({
        rule: 'data_health', subject: 'organization', period: today, level: 'stale', rank: 1, severity: 'warning',
        title: last === null ? 'Data health: no complete day of cost and usage yet' : `Data health: data is ${age} days old`,
        text:
          last === null
            ? `The warehouse holds no complete day of cost and usage data (today is ${today} UTC): run claude-ingest run, and schedule it daily.`
            : `The last complete day of cost and usage data is ${last}, ${age} days before today (${today} UTC): the daily run may have stopped.`,
        details: [],
        figures: { last_complete_day: last, age_days: age, max_age_days: maxAgeDays },
      }),
    );
  }
  return events;
}
