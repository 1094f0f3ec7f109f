/**
 * `chargeback --month YYYY-MM`: the month's billed cost as detail lines, one per dimension value ×
 * API key × person × product × model (and the source that held the day), which add up exactly to
 * each value's total and to the month's total, the unallocated value included. CSV holds the lines
 * only (no subtotal rows), under a `#` header with the rules' hash and the data's last refresh, so a
 * restated month can be explained; JSON (and xlsx) carry the totals too.
 */
import { addDays, asIsoDay, type IsoDay } from '../../util/dates.js';
import { csvLine, type CsvOptions } from '../../util/csv.js';
import { formatUsd } from '../../util/money.js';
import { formatTable, type Align } from '../../util/table-format.js';
import { ReportInputError, type ReportFilter } from '../filter.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { allocate, type AllocatedLine } from './engine.js';
import type { AllocationFact } from './facts.js';
import { allocatedLines } from './materialised-lines.js';
import type { AllocationRules } from './rules.js';
import { compareKeys, feesOf, groupLines, sharePct, totalIncludes, totalOf, usdOf, type Key } from './summary.js';

/** Per line: who and what used it, and (configured fees) which fee; source is analytics, cost_report or configured. */
export const DETAIL_COLUMNS = ['api_key', 'person', 'product', 'model', 'source', 'fee'] as const;

export interface ChargebackTotal {
  values: string[];
  /** Usage and configured fees. */
  billed: bigint;
  list: bigint;
  /** The configured fees' part. */
  fees: bigint;
}

export interface Chargeback {
  month: string;
  from: IsoDay;
  to: IsoDay;
  /** The dimension columns: the one asked with --by, else every dimension. */
  dimensions: string[];
  rulesHash: string;
  rules: number;
  /** When the month's cost data was last written (and the Analytics API's own refresh time), or null. */
  lastRefresh: string | null;
  lines: Array<{ keys: Key[]; billed: bigint; list: bigint }>;
  totals: ChargebackTotal[];
  /** billed and list include the configured fees (fees is their part). */
  total: { billed: bigint; list: bigint; fees: bigint };
}

export function monthRange(month: string): { from: IsoDay; to: IsoDay } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new ReportInputError(`--month ${month} is not a month such as 2026-10`);
  const from = asIsoDay(`${month}-01`);
  const next = Number(m[2]) === 12 ? `${Number(m[1]) + 1}-01-01` : `${m[1]}-${String(Number(m[2]) + 1).padStart(2, '0')}-01`;
  return { from, to: addDays(asIsoDay(next), -1) };
}

/** The chargeback of facts already read (pure: the parity tests feed both warehouses' facts to it). */
export function chargebackOf(rules: AllocationRules, facts: readonly AllocationFact[], month: string, by: string | undefined, lastRefresh: string | null): Chargeback {
  monthRange(month);
  if (by !== undefined && !rules.dimensions.includes(by)) throw new ReportInputError(`--by ${by} is not an allocation dimension: use one of ${rules.dimensions.join(', ')}`);
  return chargebackOfLines(rules, allocate(rules, facts).lines, month, by, lastRefresh);
}

/** The chargeback of lines already allocated (by the engine, or kept: materialised-lines.ts). */
export function chargebackOfLines(rules: AllocationRules, lines: readonly AllocatedLine[], month: string, by: string | undefined, lastRefresh: string | null): Chargeback {
  const range = monthRange(month);
  if (by !== undefined && !rules.dimensions.includes(by)) throw new ReportInputError(`--by ${by} is not an allocation dimension: use one of ${rules.dimensions.join(', ')}`);
  const dimensions = by === undefined ? [...rules.dimensions] : [by];
  const n = dimensions.length;
  const detail = groupLines(rules, lines, [...dimensions, ...DETAIL_COLUMNS]).sort((a, b) => compareKeys(a.keys.slice(0, n), b.keys.slice(0, n)) || (a.billed !== b.billed ? (a.billed > b.billed ? -1 : 1) : compareKeys(a.keys, b.keys)));
  const totals = groupLines(rules, lines, dimensions).map((g) => ({ values: g.keys.map(String), billed: g.billed, list: g.list, fees: g.fees }));
  return { month, ...range, dimensions, rulesHash: rules.hash, rules: rules.rules.length, lastRefresh, lines: detail, totals, total: { ...totalOf(lines), fees: feesOf(lines) } };
}

/** The newest time the month's cost windows were written, with the Analytics API's newest data_refreshed_at. */
export async function lastRefreshOf(wh: Warehouse, range: { from: string; to: string }): Promise<string | null> {
  const windows = (await wh.listWindows({ status: 'ok' })).filter((w) => (w.stream === 'cost' || w.stream === 'analytics_cost') && w.windowStart <= range.to && w.windowEnd >= range.from);
  const newest = (vs: Array<string | null | undefined>) => vs.filter((v): v is string => typeof v === 'string').sort().at(-1) ?? null;
  const written = newest(windows.map((w) => w.finishedAt));
  const refreshed = newest(windows.map((w) => w.dataRefreshedAt));
  if (written === null) return null;
  return refreshed === null ? written : `${written} (Analytics API data refreshed ${refreshed})`;
}

/** From the kept lines when they answer exactly, else from the engine (`slow` is told why). */
export async function buildChargeback(wh: Warehouse, rules: AllocationRules, month: string, by: string | undefined, filter: Omit<ReportFilter, 'from' | 'to'> = {}, slow?: (reason: string) => void): Promise<Chargeback> {
  const range = monthRange(month);
  if (by !== undefined && !rules.dimensions.includes(by)) throw new ReportInputError(`--by ${by} is not an allocation dimension: use one of ${rules.dimensions.join(', ')}`);
  const lines = await allocatedLines(wh, rules, { ...filter, ...range }, [...rules.dimensions, ...DETAIL_COLUMNS], slow);
  return chargebackOfLines(rules, lines, month, by, await lastRefreshOf(wh, range));
}

const header = (c: Chargeback) => [...c.dimensions, ...DETAIL_COLUMNS, 'billed_usd', 'list_usd'];

export function renderChargebackCsv(c: Chargeback, options: CsvOptions = {}): string {
  const comments = [
    `# claude-ingest chargeback ${c.month} (${c.from}..${c.to}) by ${c.dimensions.join(', ')}`,
    `# rules: ${c.rulesHash} (${c.rules} rules)`,
    `# data last refreshed: ${c.lastRefresh ?? 'unknown (no ingest recorded for the month)'}`,
    `# billed_usd total: ${usdOf(c.total.billed)}; list_usd total: ${usdOf(c.total.list)}`,
    `# the totals include: ${totalIncludes(c.total.fees)}${c.total.fees === 0n ? '' : `: API usage ${usdOf(c.total.billed - c.total.fees)} + fixed fees (configured) ${usdOf(c.total.fees)}; fee lines have source configured`}`,
  ];
  let out = comments.map((l) => `${l}\n`).join('') + csvLine(header(c), options);
  for (const l of c.lines) out += csvLine([...l.keys, usdOf(l.billed), usdOf(l.list)], options);
  return out;
}

export function chargebackJson(c: Chargeback): Record<string, unknown> {
  const cols = header(c);
  return {
    month: c.month,
    from: c.from,
    to: c.to,
    by: c.dimensions,
    rules_hash: c.rulesHash,
    rules: c.rules,
    data_last_refreshed: c.lastRefresh,
    columns: cols,
    lines: c.lines.map((l) => Object.fromEntries(cols.map((name, k) => [name, k < l.keys.length ? l.keys[k] : usdOf(k === l.keys.length ? l.billed : l.list)]))),
    totals: c.totals.map((t) => ({
      ...Object.fromEntries(c.dimensions.map((d, k) => [d, t.values[k]])),
      billed_usd: usdOf(t.billed),
      list_usd: usdOf(t.list),
      usage_billed_usd: usdOf(t.billed - t.fees),
      fixed_fees_configured_usd: usdOf(t.fees),
      share_pct: sharePct(t.billed, c.total.billed),
    })),
    total: {
      billed_usd: usdOf(c.total.billed),
      list_usd: usdOf(c.total.list),
      usage_billed_usd: usdOf(c.total.billed - c.total.fees),
      fixed_fees_configured_usd: usdOf(c.total.fees),
      includes: totalIncludes(c.total.fees),
    },
  };
}

/** A short table of the totals per value for a terminal (the demo, the chargeback command's summary). */
export function renderChargebackSummary(c: Chargeback): string {
  const rows = c.totals.map((t) => [...t.values, formatUsd(usdOf(t.billed)), `${sharePct(t.billed, c.total.billed).toFixed(1)} %`]);
  rows.push([...c.dimensions.map((_, k) => (k === 0 ? 'Total' : '')), formatUsd(usdOf(c.total.billed)), '100.0 %']);
  const align: Align[] = [...c.dimensions.map((): Align => 'left'), 'right', 'right'];
  const fees = c.total.fees === 0n ? '' : `\nThe totals include fixed fees (configured, not API data): ${formatUsd(usdOf(c.total.fees))} of ${formatUsd(usdOf(c.total.billed))}.`;
  return `Chargeback ${c.month} by ${c.dimensions.join(', ')} (allocation rules ${c.rulesHash}, ${c.lines.length} detail lines)\n\n${formatTable([...c.dimensions, 'billed', 'share'], rows, align)}${fees}`;
}
