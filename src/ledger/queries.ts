/**
 * What the ledger (ingest_windows, latest row per window) says about days and windows. The jobs plan
 * and retry from these answers and the checks, alerts, status and dashboard judge from the same ones,
 * so "complete", "present" and "unfinished" mean one thing everywhere.
 */
import { eachDay, type IsoDay } from '../util/dates.js';
import type { RunRecord, Warehouse, WindowRecord } from '../warehouse/warehouse.js';

/** Days a stream already holds for good: covered by an ok window fetched after the window had ended. */
export function completeDays(ledger: WindowRecord[], stream: string): Set<IsoDay> {
  const days = new Set<IsoDay>();
  for (const w of ledger) {
    if (w.stream !== stream || w.status !== 'ok' || !w.complete) continue;
    for (const d of eachDay(w.windowStart, w.windowEnd)) days.add(d);
  }
  return days;
}

/**
 * okDays' answers per ledger array, as long as it holds as many windows: a validate asks for the same
 * stream's days from the gaps and freshness checks, the judged days and the status (~2 ms a call on a
 * one-year ledger, dozens of calls a pass). A ledger is read whole and not edited in place.
 */
const okDaysMemo = new WeakMap<readonly WindowRecord[], { length: number; byStream: Map<string, ReadonlySet<IsoDay>> }>();

/** Days covered by any ok window (complete or not): what status calls present. */
export function okDays(ledger: readonly WindowRecord[], stream: string): ReadonlySet<IsoDay> {
  let memo = okDaysMemo.get(ledger);
  if (!memo || memo.length !== ledger.length) okDaysMemo.set(ledger, (memo = { length: ledger.length, byStream: new Map() }));
  const hit = memo.byStream.get(stream);
  if (hit) return hit;
  const days = new Set<IsoDay>();
  for (const w of ledger) {
    if (w.stream !== stream || w.status !== 'ok') continue;
    for (const d of eachDay(w.windowStart, w.windowEnd)) days.add(d);
  }
  memo.byStream.set(stream, days);
  return days;
}

/**
 * The last day a stream holds complete: a day of an ok window that was marked complete, or that had
 * ended (UTC) before the window was fetched. Null when there is none.
 */
export function lastCompleteDay(ledger: WindowRecord[], stream: string): IsoDay | null {
  let last: IsoDay | null = null;
  for (const w of ledger) {
    if (w.stream !== stream || w.status !== 'ok') continue;
    const fetchedOn = w.startedAt.slice(0, 10);
    for (const day of eachDay(w.windowStart, w.windowEnd)) {
      if ((w.complete || day < fetchedOn) && (last === null || day > last)) last = day;
    }
  }
  return last;
}

/**
 * Windows whose latest ledger row is failed, or still "running" from a process that died (one
 * process writes a warehouse at a time, so a running row seen at start belongs to a dead run),
 * unless a later successful window of the same stream has since covered every one of their days.
 */
export function unfinishedWindows(ledger: WindowRecord[]): WindowRecord[] {
  return ledger.filter((w) => {
    // An unavailable endpoint is not a failure: the next backfill or run asks again by itself.
    if (w.status === 'ok' || w.status === 'unavailable') return false;
    const later = ledger.filter((o) => o.stream === w.stream && o.status === 'ok' && o.startedAt > w.startedAt);
    return !eachDay(w.windowStart, w.windowEnd).every((d) => later.some((o) => o.windowStart <= d && d <= o.windowEnd));
  });
}

/**
 * Days an optional stream holds for every organization asked (every one in the ledger when none, pass
 * the whole ledger): a day
 * held by one organization only is not held for a figure summed over several, so such a sum never
 * mixes one organization's hours with another's missing ones (local days, docs/time-zones.md).
 */
export function okDaysOfEvery(ledger: WindowRecord[], stream: string, organizationIds?: readonly string[]): Set<IsoDay> {
  const windows = ledger.filter((w) => w.stream === stream);
  // Every organization the ledger knows (any stream): one that never read this stream holds none of its days.
  const orgs = organizationIds && organizationIds.length > 0 ? [...organizationIds] : ledgerOrganizations(ledger);
  const sets = orgs.map((id) => okDays(windows.filter((w) => (w.organizationId ?? null) === id), stream));
  const [first, ...rest] = sets;
  return new Set([...(first ?? [])].filter((d) => rest.every((s) => s.has(d))));
}

/** The organizations a ledger's windows belong to; windows from before organization ids (null) count only when nothing else does. */
export function ledgerOrganizations(ledger: WindowRecord[]): Array<string | null> {
  const ids = [...new Set(ledger.map((w) => w.organizationId ?? null))];
  return ids.length > 1 ? ids.filter((id) => id !== null) : ids;
}

/**
 * The UTC days whose token usage is held per hour: days whose latest ok `usage` window was read by
 * one of `hourlyRuns` (runs with `--usage-bucket 1h`; a later daily read replaces the hours with one
 * row a day, and then the day is a UTC day again). With several organizations a day counts only when
 * every one of them (those asked, else all the ledger knows) holds it hourly, as for billed cost.
 */
export function hourlyUsageDaysOf(ledger: WindowRecord[], hourlyRuns: ReadonlySet<string>, organizationIds?: readonly string[]): Set<IsoDay> {
  const windows = ledger.filter((w) => w.stream === 'usage' && w.status === 'ok');
  if (windows.length === 0) return new Set();
  const orgs = organizationIds && organizationIds.length > 0 ? organizationIds : ledgerOrganizations(ledger);
  const sets = orgs.map((id) => {
    const latest = new Map<IsoDay, { at: string; hourly: boolean }>();
    for (const w of windows) {
      if ((w.organizationId ?? null) !== id) continue;
      for (const day of eachDay(w.windowStart, w.windowEnd)) {
        const cur = latest.get(day);
        if (!cur || w.startedAt >= cur.at) latest.set(day, { at: w.startedAt, hourly: hourlyRuns.has(w.runId) });
      }
    }
    return new Set([...latest].filter(([, v]) => v.hourly).map(([d]) => d));
  });
  const [first, ...rest] = sets;
  return new Set([...(first ?? [])].filter((d) => rest.every((s) => s.has(d))));
}

/** The runs that read usage per hour (`--usage-bucket 1h`), by run id. */
export function hourlyUsageRuns(runs: readonly RunRecord[]): Set<string> {
  return new Set(runs.filter((r) => r.args.usageBucket === '1h').map((r) => r.runId));
}

/**
 * hourlyUsageDaysOf over a warehouse's ledger and runs (the runs are read only when some usage is
 * held): what `report --tz`, `status` and the dashboard count as usage held per hour.
 */
export async function hourlyUsageDays(wh: Pick<Warehouse, 'listWindows' | 'listRuns'>, organizationIds?: readonly string[]): Promise<Set<IsoDay>> {
  const ledger = await wh.listWindows();
  if (!ledger.some((w) => w.stream === 'usage' && w.status === 'ok')) return new Set();
  return hourlyUsageDaysOf(ledger, hourlyUsageRuns(await wh.listRuns(1_000_000)), organizationIds);
}
