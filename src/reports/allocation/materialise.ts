/**
 * The allocation of every FOCUS usage row, materialised in claude_cost_allocation so the FOCUS view
 * can carry the dimensions in Tags (docs/allocation.md). Still a pure function of the rules and the
 * facts: the engine allocates the facts (claude_cost_by_actor's grain) as for `report --by`, and each
 * FOCUS row (a claude_cost_by_key row, or a claude_costs row on a cost_report day) is shared among
 * the dimension values its own group (day, key, workspace, model, cost type) was allocated to, in
 * proportion to their billed cost, apportioned in whole sub-cents by largest remainder: a row's parts
 * add up to the row exactly, and so does its quantity (in millionths). Ingested rows are never
 * touched. Rebuilt wholesale per organization and month (one window replacement each, so a killed
 * rebuild leaves the month as it was) whenever the rules, the names they match or the facts changed.
 */
import { randomUUID } from 'node:crypto';
import { addDays, asIsoDay, monthStart, type IsoDay } from '../../util/dates.js';
import { centsToUsd, formatScaled, parseCents, usdFromDecimal } from '../../util/money.js';
import { focusUsageRowsQueries } from '../../warehouse/views/focus-costs.js';
import type { RowOf } from '../../warehouse/tables.js';
import type { QueryRow, Warehouse, WindowRecord } from '../../warehouse/warehouse.js';
import { apportion } from './apportion.js';
import { allocate, type AllocatedLine } from './engine.js';
import { readAllocationFacts, subCents } from './facts.js';
import { ALLOCATION_DAYS_TABLE, ALLOCATION_LINES_TABLE, keptDayRows, keptLineRows, namesHash } from './materialised-lines.js';
import type { AllocationRules } from './rules.js';

export const ALLOCATION_TABLE = 'claude_cost_allocation';
/** The ledger's stream name for an allocation window. */
export const ALLOCATION_STREAM = 'allocation';
const BATCH = 5000;
const MICRO = 1_000_000n;

export interface MaterialiseOptions {
  /** Limit to a day range (inclusive); default every day the warehouse holds. */
  from?: IsoDay;
  to?: IsoDay;
  /** Rebuild every month of the range even when nothing changed. */
  rebuild?: boolean;
  toolVersion: string;
  command?: string;
}

export interface MaterialiseResult {
  /** Organization-months rebuilt (or cleared). */
  rebuilt: number;
  /** Organization-months already up to date. */
  current: number;
  /** Rows written. */
  rows: number;
}

interface Chunk {
  org: string;
  from: IsoDay;
  to: IsoDay;
}

const text = (v: QueryRow[string] | undefined): string | null => (v === null || v === undefined ? null : String(v));

/** Which organization-months need building: the allocation is missing, older than its facts, or made with other rules or names. */
async function plan(wh: Warehouse, rules: AllocationRules | null, names: string, o: MaterialiseOptions): Promise<{ stale: Chunk[]; current: number }> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const range = o.from !== undefined || o.to !== undefined;
  const where = range ? `${i('activity_date')} BETWEEN ${d.dateParam()} AND ${d.dateParam()}` : d.allDays(i('activity_date'));
  const params = range ? [o.from ?? '0001-01-01', o.to ?? '9999-12-31'] : [];
  const group = (table: string, extra: string) =>
    wh.query(
      `SELECT ${i('organization_id')} AS ${i('org')}, ${d.toText(d.dateTrunc(i('activity_date'), 'month'))} AS ${i('month')}, MIN(${i('activity_date')}) AS ${i('first')}, MAX(${i('activity_date')}) AS ${i('last')}${extra}
         FROM ${d.table(table)} WHERE ${where} AND ${i('organization_id')} IS NOT NULL GROUP BY 1, 2`,
      params,
    );
  const latest = `, ${d.toText(`MAX(${i('ingested_at')})`)} AS ${i('latest')}`;
  const sources = await Promise.all(['claude_cost_by_key', 'claude_cost_by_actor', 'claude_costs'].map((t) => group(t, latest)));
  const builtOf = (table: string) => group(table, `, ${d.toText(`MIN(${i('ingested_at')})`)} AS ${i('built')}, MIN(${i('rules_hash')}) AS ${i('h1')}, MAX(${i('rules_hash')}) AS ${i('h2')}, MIN(${i('names_hash')}) AS ${i('n1')}, MAX(${i('names_hash')}) AS ${i('n2')}`);
  // The kept days are written with the kept lines (same window, same transaction): their hashes and
  // time stand for the lines', read from about 2,000 rows a year instead of a million.
  const [built, builtLines] = await Promise.all([builtOf(ALLOCATION_TABLE), builtOf(ALLOCATION_DAYS_TABLE)]);
  const key = (r: QueryRow) => `${String(r.org)}\u0000${String(r.month).slice(0, 10)}`;
  const months = new Map<string, { org: string; month: IsoDay; latest: number; source: boolean; built: QueryRow | null; lines: QueryRow | null }>();
  const entry = (r: QueryRow) => {
    const k = key(r);
    let e = months.get(k);
    if (!e) months.set(k, (e = { org: String(r.org), month: monthStart(asIsoDay(String(r.month).slice(0, 10))), latest: 0, source: false, built: null, lines: null }));
    return e;
  };
  for (const rows of sources) {
    for (const r of rows) {
      const e = entry(r);
      e.source = true;
      e.latest = Math.max(e.latest, Date.parse(String(r.latest)));
    }
  }
  for (const r of built) entry(r).built = r;
  // The kept lines and days (materialised-lines.ts) are written with the parts: a month without them (kept by an older build) is built again.
  for (const r of builtLines) entry(r).lines = r;
  const stale: Chunk[] = [];
  let current = 0;
  for (const e of [...months.values()].sort((a, b) => (a.org === b.org ? (a.month < b.month ? -1 : 1) : a.org < b.org ? -1 : 1))) {
    const b = e.built;
    const fresh = (x: QueryRow | null) => rules !== null && x !== null && x.h1 === rules.hash && x.h2 === rules.hash && x.n1 === names && x.n2 === names && Date.parse(String(x.built)) >= e.latest;
    const upToDate = rules === null ? b === null && e.lines === null : e.source && !o.rebuild && fresh(b) && fresh(e.lines);
    if (upToDate) {
      if (b !== null) current++;
      continue;
    }
    const monthLast = addDays(monthStart(addDays(e.month, 31)), -1);
    const from = o.from && o.from > e.month ? o.from : e.month;
    const to = o.to && o.to < monthLast ? o.to : monthLast;
    stale.push({ org: e.org, from, to });
  }
  return { stale, current };
}

/** Per group of facts the FOCUS row shares (its day, key, workspace, model, cost type): billed and list cost per set of dimension values. */
type Weights = Map<string, { values: string[]; billed: bigint; list: bigint }>;
const groupKey = (...parts: Array<string | null>) => parts.map((p) => p ?? '\u0001').join('\u0000');

function weightsOf(lines: readonly AllocatedLine[]): { fine: Map<string, Weights>; coarse: Map<string, Weights> } {
  const fine = new Map<string, Weights>();
  const coarse = new Map<string, Weights>();
  const add = (m: Map<string, Weights>, k: string, l: AllocatedLine) => {
    let w = m.get(k);
    if (!w) m.set(k, (w = new Map()));
    const vk = JSON.stringify(l.values);
    const e = w.get(vk);
    if (e) {
      e.billed += l.billed;
      e.list += l.list;
    } else w.set(vk, { values: l.values, billed: l.billed, list: l.list });
  };
  for (const l of lines) {
    const f = l.fact;
    if (f.source === 'analytics') add(fine, groupKey(f.day, f.apiKeyId, f.workspaceId, f.model, f.costType), l);
    // Without the key (facts written before claude_cost_by_actor had one, and cost_report days).
    add(coarse, groupKey(f.day, f.workspaceId, f.model, f.costType), l);
  }
  return { fine, coarse };
}

/** The sets of values a row is shared among, and their integer weights (billed, else list, else all to the first). */
function shares(w: Weights | undefined, base: string[]): { values: string[][]; weights: bigint[] } {
  const entries = w ? [...w.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e) : [];
  if (entries.length === 0) return { values: [base], weights: [1n] };
  const pos = (x: bigint) => (x > 0n ? x : 0n);
  for (const pick of [(e: { billed: bigint }) => pos(e.billed), (e: { list: bigint }) => pos(e.list)]) {
    const weights = entries.map(pick);
    if (weights.some((x) => x > 0n)) return { values: entries.map((e) => e.values), weights };
  }
  return { values: [entries[0]!.values], weights: [1n] };
}

/** The allocation rows of one organization and day range. */
async function* buildRows(wh: Warehouse, rules: AllocationRules, names: string, c: Chunk): AsyncGenerator<{ parts: Array<RowOf<'claude_cost_allocation'>>; lines: Array<RowOf<'claude_cost_allocation_lines'>>; days: Array<RowOf<'claude_cost_allocation_days'>> }> {
  let fine = new Map<string, Weights>();
  let coarse = new Map<string, Weights>();
  const base = rules.dimensions.map((d) => rules.unallocated[d] ?? 'Unallocated');
  const q = focusUsageRowsQueries(wh.dialect);
  let out: Array<RowOf<'claude_cost_allocation'>> = [];
  const dimsJson = (values: string[]) => JSON.stringify(Object.fromEntries(rules.dimensions.map((d, k) => [d, values[k]])));
  const emit = (source: 'analytics' | 'cost_report', r: QueryRow) => {
    const day = String(r.activity_date);
    const ws = text(r.workspace_id);
    const model = text(r.model);
    const costType = text(r.cost_type);
    const w = (source === 'analytics' ? fine.get(groupKey(day, text(r.api_key_id), ws, model, costType)) : undefined) ?? coarse.get(groupKey(day, ws, model, costType));
    const { values, weights } = shares(w, base);
    const billed = apportion(subCents(r.amount_cents), weights);
    const list = apportion(subCents(r.list_amount_cents), weights);
    const quantity = r.quantity === null || r.quantity === undefined ? null : apportion(BigInt(String(r.quantity)) * MICRO, weights);
    let kept = weights.map((_, k) => k).filter((k) => billed[k] !== 0n || list[k] !== 0n || (quantity !== null && quantity[k] !== 0n));
    if (kept.length === 0) kept = [weights.indexOf(weights.reduce((a, b) => (b > a ? b : a)))];
    kept.forEach((k, part) => {
      const cents = parseCents(formatScaled(billed[k]!, 12));
      const listCents = parseCents(formatScaled(list[k]!, 12));
      out.push({
        activity_date: asIsoDay(day),
        source,
        bucket_start: source === 'analytics' ? text(r.bucket_start) : null,
        workspace_id: ws,
        api_key_id: source === 'analytics' ? text(r.api_key_id) : null,
        model,
        service_tier: text(r.service_tier),
        context_window: text(r.context_window),
        cost_type: costType,
        token_type: text(r.token_type),
        ordinal: source === 'analytics' && r.ordinal !== null && r.ordinal !== undefined ? Number(r.ordinal) : null,
        description: source === 'cost_report' ? text(r.description) : null,
        inference_geo: source === 'cost_report' ? text(r.inference_geo) : null,
        part,
        dimensions: dimsJson(values[k]!),
        amount_cents: cents,
        amount_usd: centsToUsd(cents),
        list_amount_cents: listCents,
        list_amount_usd: centsToUsd(listCents),
        quantity_micro: quantity === null ? null : quantity[k]!,
        row_amount_usd: usdFromDecimal(String(r.amount_usd)),
        row_list_amount_usd: usdFromDecimal(String(r.list_amount_usd)),
        rules_hash: rules.hash,
        names_hash: names,
      });
    });
  };
  // A day at a time: the engine allocates each day from that day's facts alone (a split's basis is
  // its day's), so the month's parts are the days' parts; and a large organization's month held at
  // once (135,000 facts, their lines and weights, then its rows and parts) ran out of the 128 MB heap
  // an ingest runs with, and of the writer DuckDB's memory limit ("failed to pin block").
  for (let day = c.from; day <= c.to; day = addDays(day, 1)) {
    const facts = await readAllocationFacts(wh, { from: day, to: day, organizationIds: [c.org] });
    const { lines } = allocate(rules, facts);
    ({ fine, coarse } = weightsOf(lines));
    for (const r of await wh.query(q.analytics, [day, day, c.org])) emit('analytics', r);
    for (const r of await wh.query(q.costReport, [day, day, c.org])) emit('cost_report', r);
    const kept = keptLineRows(rules, lines, names, day);
    yield { parts: out, lines: kept, days: keptDayRows(kept) };
    out = [];
  }
}

/**
 * Brings claude_cost_allocation up to date with the rules (null: no rules configured, so every
 * allocation row of the range is removed and the FOCUS view shows the rows as ingested).
 */
export async function materialiseAllocation(wh: Warehouse, rules: AllocationRules | null, o: MaterialiseOptions): Promise<MaterialiseResult> {
  const names = await namesHash(wh);
  const { stale, current } = await plan(wh, rules, names, o);
  if (stale.length === 0) return { rebuilt: 0, current, rows: 0 };
  const runId = randomUUID();
  const startedAt = new Date().toISOString();
  const run = { runId, command: o.command ?? 'allocate', args: { from: o.from ?? null, to: o.to ?? null, rebuild: o.rebuild ?? false, rules_hash: rules?.hash ?? null }, toolVersion: o.toolVersion, windowsOk: 0, windowsFailed: 0, startedAt };
  await wh.recordRun({ ...run, status: 'running', finishedAt: null });
  let rows = 0;
  try {
    for (const c of stale) {
      const ledger: WindowRecord = { runId, organizationId: c.org, stream: ALLOCATION_STREAM, windowStart: c.from, windowEnd: c.to, status: 'ok', complete: true, rows: 0, requests: 0, retries: 0, rateLimited: 0, centsTotal: '0', error: null, startedAt, finishedAt: null };
      rows += await wh.replaceWindow({ organizationId: c.org, tables: [ALLOCATION_TABLE, ALLOCATION_LINES_TABLE, ALLOCATION_DAYS_TABLE], days: { from: c.from, to: c.to }, ledger }, async (sink) => {
        if (rules === null) return;
        let cents = 0n;
        for await (const { parts, lines, days } of buildRows(wh, rules, names, c)) {
          for (const r of parts) cents += subCents(r.amount_cents);
          for (let k = 0; k < parts.length; k += BATCH) await sink.append(ALLOCATION_TABLE, parts.slice(k, k + BATCH));
          for (let k = 0; k < lines.length; k += BATCH) await sink.append(ALLOCATION_LINES_TABLE, lines.slice(k, k + BATCH));
          if (days.length > 0) await sink.append(ALLOCATION_DAYS_TABLE, days);
        }
        // The ledger row is recorded at commit, after the fill: its total is the parts written.
        ledger.centsTotal = formatScaled(cents, 12);
      });
      run.windowsOk++;
    }
  } catch (err) {
    await wh.recordRun({ ...run, status: 'failed', finishedAt: new Date().toISOString() }).catch(() => undefined);
    throw err;
  }
  await wh.recordRun({ ...run, status: 'ok', finishedAt: new Date().toISOString() });
  return { rebuilt: stale.length, current, rows };
}

/** Whether any allocation is kept: a run without rules then removes what rules configured before left. */
export async function holdsAllocation(wh: Warehouse): Promise<boolean> {
  const d = wh.dialect;
  return (await wh.query(`SELECT 1 AS ${d.ident('one')} FROM ${d.table(ALLOCATION_TABLE)} LIMIT 1`)).length > 0;
}
