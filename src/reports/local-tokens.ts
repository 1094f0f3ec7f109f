/**
 * Token usage in the organization's calendar (docs/time-zones.md): the token figures of
 * `report --by day|week|month|quarter|fiscal_year` with a zone.
 *
 * usage_report keeps hours only when read with `--usage-bucket 1h` (claude_usage_keys then holds one
 * row per hour and group; with daily buckets one per UTC day, its bucket_start at midnight). The ledger
 * says which width last wrote each UTC day (ledger/queries.ts hourlyUsageDays): those days' hours
 * are placed on local days exactly as billed cost's are (local-placement.ts); the other days are
 * reported whole under their own date, "UTC days", never shifted or split.
 *
 * The warehouse only sums integers per bucket_start; the local day is decided in code from ICU's
 * rules, so DuckDB and BigQuery give the same text.
 */
import type { Calendar, PeriodKind } from '../util/calendar.js';
import type { IsoDay } from '../util/dates.js';
import type { QueryRow, Warehouse } from '../warehouse/warehouse.js';
import { int } from './cells.js';
import { filterWhere, type ReportFilter } from './filter.js';
import { groupIntoPeriods, placeOnLocalDays, utcReadRange, type DayBasis, type HourFigure, type Measure } from './local-placement.js';
import { TOKEN_COLUMNS, type ReportColumn } from './queries.js';

export interface LocalTokenRow {
  period: IsoDay;
  label: string;
  /** Token counts by type, in TOKEN_COLUMNS order. */
  tokens: number[];
  day_basis: DayBasis;
}

const counts: Measure<number[], number[]> = {
  zero: () => TOKEN_COLUMNS.map(() => 0),
  add: (s, v) => v.forEach((n, i) => (s[i]! += n)),
  merge: (s, o) => o.forEach((n, i) => (s[i]! += n)),
};

/** SQL: tokens by type per bucket (an hour, or a UTC day read with daily buckets) of the UTC days f.from..f.to. */
export function usageBucketsQuery(wh: Pick<Warehouse, 'dialect'>, f: ReportFilter): { sql: string; params: unknown[] } {
  const d = wh.dialect;
  const where = filterWhere(d, f, 'u', { workspace: true, model: true }, 'claude_usage_keys');
  return {
    sql: `SELECT u.${d.ident('bucket_start')} AS ${d.ident('bucket')}, ${TOKEN_COLUMNS.map((c) => `SUM(u.${d.ident(c)}) AS ${d.ident(c)}`).join(', ')}
            FROM ${d.table('claude_usage_keys')} u WHERE ${where.sql}
           GROUP BY 1 ORDER BY 1`,
    params: where.params,
  };
}

/** Tokens per local period over the local days f.from..f.to; `hourlyDays`: UTC days whose usage is held per hour. */
export async function localTokens(wh: Warehouse, cal: Calendar, f: ReportFilter, kind: PeriodKind, hourlyDays: ReadonlySet<IsoDay>): Promise<LocalTokenRow[]> {
  const q = usageBucketsQuery(wh, utcReadRange(cal, f));
  const rows = await wh.query(q.sql, q.params);
  const hours: HourFigure<number[]>[] = [];
  const days = new Map<IsoDay, number[]>();
  for (const r of rows) {
    const ms = Date.parse(String(r.bucket));
    const day = new Date(ms).toISOString().slice(0, 10) as IsoDay;
    const value = TOKEN_COLUMNS.map((c) => int(r[c]));
    if (hourlyDays.has(day)) hours.push({ hourMs: ms, value });
    else {
      // A day read with daily buckets: one row at midnight (summed in case a width change left two).
      const cur = days.get(day);
      if (cur) counts.merge(cur, value);
      else days.set(day, value);
    }
  }
  hours.sort((a, b) => a.hourMs - b.hourMs);
  const placed = placeOnLocalDays(cal, f, hours, days, hourlyDays, counts);
  return groupIntoPeriods(cal, placed, kind, counts).map((p) => ({ period: p.period, label: p.label, tokens: p.sum, day_basis: p.basis }));
}

export function localTokenColumns(): ReportColumn[] {
  return [...TOKEN_COLUMNS.map((c) => ({ name: c, header: c, kind: 'int' as const })), { name: 'tokens_day_basis', header: 'tokens_day_basis', kind: 'text' }];
}

/**
 * Spend rows (period, label, usd, day_basis) with each period's tokens beside them. A period with
 * only one of the two gets 0 for the other and a null basis: nothing of that kind was held there.
 */
export function withTokens(spend: QueryRow[], tokens: LocalTokenRow[]): QueryRow[] {
  const byPeriod = new Map<string, QueryRow>();
  for (const r of spend) byPeriod.set(String(r.period), { ...r, ...Object.fromEntries(TOKEN_COLUMNS.map((c) => [c, 0])), tokens_day_basis: null });
  for (const t of tokens) {
    const row = byPeriod.get(t.period) ?? { period: t.period, label: t.label, usd: '0', day_basis: null };
    TOKEN_COLUMNS.forEach((c, i) => (row[c] = t.tokens[i]!));
    row.tokens_day_basis = t.day_basis;
    byPeriod.set(t.period, row);
  }
  return [...byPeriod.values()].sort((a, b) => String(a.period).localeCompare(String(b.period)));
}
