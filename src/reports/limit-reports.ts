/**
 * The limit reports: `report --by rate_limit` (each day's busiest minute per model group and limiter
 * against the limit, from the claude_rate_limit_peaks cache) and `report --by spend_limit` (each
 * spend limit with spent, share, forecast and the day it is reached, computed by
 * alerts/spend-limits.ts and shaped here), rendered like every other report.
 */
import type { DayRange, IsoDay } from '../util/dates.js';
import { decimalToNumber, divideDecimal, multiplyDecimal, roundDecimal } from '../util/money.js';
import type { QueryRow, Warehouse } from '../warehouse/warehouse.js';
import { dayCell } from './cells.js';
import type { ReportColumn } from './queries.js';
import type { ReportResult } from './registry.js';

export const LIMIT_REPORT_NAMES = ['rate_limit', 'spend_limit'] as const;
export type LimitReportName = (typeof LIMIT_REPORT_NAMES)[number];

const col = (name: string, kind: ReportColumn['kind'], header = name): ReportColumn => ({ name, header, kind });

export const RATE_LIMIT_COLUMNS: ReportColumn[] = [
  col('day', 'date'),
  col('model_group', 'text'),
  col('limiter', 'text'),
  col('peak', 'int'),
  col('peak_minute', 'text'),
  col('limit', 'int'),
  col('share_pct', 'pct'),
  col('workspace', 'text'),
  col('note', 'text'),
];

/** share = peak / limit in percent, 2 decimals, rounded down (99.999 % is not 100 %). */
export function sharePct(peak: number | null, limit: number | null): number | null {
  if (peak === null || limit === null || limit <= 0) return null;
  return decimalToNumber(roundDecimal(divideDecimal(multiplyDecimal(peak, 100), limit), 2, 'down'));
}

function instant(v: QueryRow[string] | undefined): string | null {
  if (v === null || v === undefined) return null;
  const ms = Date.parse(String(v).replace(' ', 'T').replace(/(\+00(:00)?|Z)?$/, 'Z'));
  return Number.isNaN(ms) ? String(v) : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export interface PeakRow {
  day: IsoDay;
  model_group: string;
  group_id: string;
  limiter: string;
  peak: number | null;
  peak_minute: string | null;
  limit: number | null;
  share_pct: number | null;
  workspace_id: string | null;
  workspace: string | null;
  note: string | null;
  organization_id: string | null;
}

/** Cached peaks of the range (every organization, or those given), highest share first per day. */
export async function ratePeaks(wh: Warehouse, range: DayRange, organizationIds?: string[]): Promise<PeakRow[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const org = organizationIds && organizationIds.length > 0 ? ` AND p.${i('organization_id')} IN (${organizationIds.map(() => '?').join(', ')})` : '';
  const rows = await wh.query(
    `SELECT p.${i('activity_date')} AS ${i('day')}, p.${i('organization_id')} AS ${i('organization_id')}, p.${i('group_id')} AS ${i('group_id')},
            p.${i('group_name')} AS ${i('group_name')}, p.${i('limiter')} AS ${i('limiter')}, p.${i('peak')} AS ${i('peak')},
            ${d.toText(`p.${i('peak_minute')}`)} AS ${i('peak_minute')}, p.${i('limit_value')} AS ${i('limit_value')},
            p.${i('workspace_id')} AS ${i('workspace_id')}, w.${i('name')} AS ${i('workspace')}, p.${i('note')} AS ${i('note')}
       FROM ${d.table('claude_rate_limit_peaks')} p
       LEFT JOIN ${d.table('claude_workspaces')} w ON w.${i('id')} = p.${i('workspace_id')} AND w.${i('organization_id')} = p.${i('organization_id')}
      WHERE p.${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}${org}`,
    [range.from, range.to, ...(organizationIds ?? [])],
  );
  const out = rows.map((r) => {
    const peak = r.peak === null ? null : Number(r.peak);
    const limit = r.limit_value === null ? null : Number(r.limit_value);
    return {
      day: dayCell(r.day),
      model_group: String(r.group_name ?? r.group_id),
      group_id: String(r.group_id),
      limiter: String(r.limiter),
      peak,
      peak_minute: instant(r.peak_minute),
      limit,
      share_pct: sharePct(peak, limit),
      workspace_id: r.workspace_id === null ? null : String(r.workspace_id),
      workspace: r.peak === null || r.peak_minute === null ? null : r.workspace_id === null ? 'Default workspace' : String(r.workspace ?? r.workspace_id),
      note: r.note === null ? null : String(r.note),
      organization_id: r.organization_id === null ? null : String(r.organization_id),
    };
  });
  return out.sort((a, b) => a.day.localeCompare(b.day) || (b.share_pct ?? -1) - (a.share_pct ?? -1) || a.model_group.localeCompare(b.model_group) || a.limiter.localeCompare(b.limiter));
}

export function rateLimitResult(range: DayRange, rows: PeakRow[]): ReportResult {
  return {
    report: 'rate_limit',
    title: 'Rate-limit headroom: each day\'s busiest minute per model group and limiter (usage_report 1-minute buckets; cache reads left out of cache-aware input limits)',
    filter: range,
    columns: RATE_LIMIT_COLUMNS,
    rows: rows.map((r) => ({ ...r })),
  };
}

export interface SpendLimitReportRow {
  limit: string;
  spend_limit_id: string;
  scope_type: string;
  period_from: IsoDay;
  period_to: IsoDay;
  amount_usd: string;
  spent_usd: string;
  share_pct: number;
  forecast_usd: string | null;
  forecast_low_usd: string | null;
  forecast_high_usd: string | null;
  /** The day the amount is (was) reached at the current rate, or "not this period". */
  reached_on: string;
}

export const SPEND_LIMIT_COLUMNS: ReportColumn[] = [
  col('limit', 'text'),
  col('period_from', 'date'),
  col('period_to', 'date'),
  col('amount_usd', 'usd'),
  col('spent_usd', 'usd'),
  col('share_pct', 'pct'),
  col('forecast_usd', 'usd'),
  col('forecast_low_usd', 'usd'),
  col('forecast_high_usd', 'usd'),
  col('reached_on', 'text'),
  col('spend_limit_id', 'text'),
];

export function spendLimitResult(range: DayRange, rows: SpendLimitReportRow[]): ReportResult {
  return { report: 'spend_limit', title: 'Spend limits: spent, share, forecast and the day each is reached at the current rate', filter: range, columns: SPEND_LIMIT_COLUMNS, rows: rows.map((r) => ({ ...r })) };
}
