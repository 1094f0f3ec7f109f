/** What the warehouse holds: per table and per stream, with the gaps and failures that need action. */
import { asIsoDay, eachDay, todayUtc, type IsoDay } from '../util/dates.js';
import { TABLES, type TableName } from '../warehouse/tables.js';
import type { RunRecord, Warehouse, WindowRecord } from '../warehouse/warehouse.js';
import { DAY_STREAMS, OPTIONAL_DAY_STREAMS, servedFrom } from './day-streams.js';
import { okDays, unfinishedWindows } from './queries.js';

export interface TableStatus {
  table: TableName;
  rows: number;
  firstDay: IsoDay | null;
  lastDay: IsoDay | null;
  daysWithRows: number;
}

export interface StreamStatus {
  stream: string;
  firstDay: IsoDay | null;
  lastDay: IsoDay | null;
  daysPresent: number;
  /** Days between first and last that no successful window covers. */
  missingDays: IsoDay[];
  lastSuccess: string | null;
  /** The source serves nothing before this day (Analytics API): older days are "not served", not missing. */
  notServedBefore: IsoDay | null;
  /** The latest attempt found the endpoint closed to this organization (403/404), with no success since. */
  unavailable: { since: string; error: string | null } | null;
  /**
   * The Analytics API's `data_refreshed_at` as the latest successful window read it: its data was
   * complete up to then. null for streams whose source does not say.
   */
  dataRefreshedAt: string | null;
}

/** One organization's streams, failures and runs, judged on its own ledger windows. */
export interface OrganizationStatus {
  /** null: windows from before organization ids that no run has attributed yet. */
  id: string | null;
  name: string | null;
  streams: StreamStatus[];
  failedWindows: WindowRecord[];
  lastRuns: RunRecord[];
}

export interface WarehouseStatus {
  location: string;
  /** The organization whose data this is (claude_organization, else the latest run that read it). */
  organization: { id: string; name: string | null } | null;
  tables: TableStatus[];
  streams: StreamStatus[];
  failedWindows: WindowRecord[];
  lastRuns: RunRecord[];
  /** Per organization, when the status was asked for several or for one (--org). */
  organizations?: OrganizationStatus[];
}

async function tableStatus(wh: Warehouse, table: TableName, organizationId?: string): Promise<TableStatus> {
  const t = wh.dialect.table(table);
  const owned = organizationId !== undefined && TABLES[table].columns.some((c) => c.name === 'organization_id');
  const org = owned ? ' AND organization_id = ?' : '';
  const params = owned ? [organizationId] : [];
  if (!TABLES[table].columns.some((c) => c.name === 'activity_date')) {
    const [r] = await wh.query(`SELECT COUNT(*) AS n FROM ${t}${owned ? ' WHERE TRUE' + org : ''}`, params);
    return { table, rows: Number(r?.n ?? 0), firstDay: null, lastDay: null, daysWithRows: 0 };
  }
  const [r] = await wh.query(
    `SELECT COUNT(*) AS n, MIN(activity_date) AS first_day, MAX(activity_date) AS last_day, COUNT(DISTINCT activity_date) AS days FROM ${t} WHERE ${wh.dialect.allDays('activity_date')}${org}`,
    params,
  );
  return {
    table,
    rows: Number(r?.n ?? 0),
    firstDay: r?.first_day == null ? null : asIsoDay(String(r.first_day)),
    lastDay: r?.last_day == null ? null : asIsoDay(String(r.last_day)),
    daysWithRows: Number(r?.days ?? 0),
  };
}

/**
 * Sorts ISO timestamps newest first. Not localeCompare: it loads ICU's collation at its first call
 * (30–50 ms of CPU in every validate), and ISO text sorts by code point as by time.
 */
function newestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

export function streamStatus(ledger: WindowRecord[], stream: string, notServedBefore: IsoDay | null = null): StreamStatus {
  const all = ledger.filter((w) => w.stream === stream);
  const lastUnavailable = all.filter((w) => w.status === 'unavailable').sort((a, b) => newestFirst(a.startedAt, b.startedAt))[0];
  const lastOk = all.filter((w) => w.status === 'ok').map((w) => w.startedAt).sort().at(-1);
  const unavailable = lastUnavailable && (!lastOk || lastOk < lastUnavailable.startedAt) ? { since: lastUnavailable.startedAt, error: lastUnavailable.error } : null;
  // Windows of an unavailable endpoint held no data to miss.
  const mine = all.filter((w) => w.status !== 'unavailable');
  if (mine.length === 0) return { stream, firstDay: null, lastDay: null, daysPresent: 0, missingDays: [], lastSuccess: null, notServedBefore, unavailable, dataRefreshedAt: null };
  const refreshed = mine.filter((w) => w.status === 'ok' && w.dataRefreshedAt).sort((a, b) => newestFirst(a.startedAt, b.startedAt))[0];
  const first = mine.map((w) => w.windowStart).sort()[0]!;
  const last = mine.map((w) => w.windowEnd).sort().at(-1)!;
  const present = okDays(ledger, stream);
  const span = eachDay(first, last);
  const lastSuccess = mine.filter((w) => w.status === 'ok').map((w) => w.finishedAt ?? w.startedAt).sort().at(-1) ?? null;
  return {
    stream,
    firstDay: first,
    lastDay: last,
    daysPresent: span.filter((d) => present.has(d)).length,
    missingDays: span.filter((d) => !present.has(d)),
    lastSuccess,
    notServedBefore,
    unavailable,
    dataRefreshedAt: refreshed?.dataRefreshedAt ?? null,
  };
}

function dayStreams(ledger: WindowRecord[], today: IsoDay): StreamStatus[] {
  // The org snapshot has no days to miss; an optional stream (hourly cost) is listed once it was read.
  const optional = OPTIONAL_DAY_STREAMS.filter((s) => ledger.some((w) => w.stream === s));
  return [...DAY_STREAMS, ...optional].map((s) => streamStatus(ledger, s, servedFrom(s, today)));
}

/**
 * What the warehouse holds. With `organizations` (several held, or one chosen with --org), each is
 * judged on its own windows and runs, since one organization's windows never cover another's days;
 * with exactly one chosen, the table counts and the top-level fields are that organization's alone.
 */
export async function warehouseStatus(wh: Warehouse, today: IsoDay = todayUtc(), organizations?: Array<{ id: string | null; name: string | null }>): Promise<WarehouseStatus> {
  const everyWindow = await wh.listWindows();
  const only = organizations?.length === 1 && organizations[0]!.id !== null ? organizations[0]! : undefined;
  const ledger = only ? everyWindow.filter((w) => w.organizationId === only.id) : everyWindow;
  const tables: TableStatus[] = [];
  for (const def of Object.values(TABLES)) {
    // (Nor a reader-optional table a read-only open lacks: allocation-tables.ts.)
    if (def.kind === 'meta' || wh.lacks?.(def.name)) continue;
    tables.push(await tableStatus(wh, def.name, only?.id ?? undefined));
  }
  const recent = await wh.listRuns(organizations ? 50 : 5);
  const runsOf = (id: string | null) => recent.filter((r) => (r.organizationId ?? null) === id).slice(0, 5);
  const lastRuns = only ? runsOf(only.id) : recent.slice(0, 5);
  const perOrganization = organizations?.map((o): OrganizationStatus => {
    const own = everyWindow.filter((w) => (w.organizationId ?? null) === o.id);
    return { id: o.id, name: o.name, streams: dayStreams(own, today), failedWindows: unfinishedWindows(own), lastRuns: runsOf(o.id) };
  });
  return {
    location: wh.location,
    organization: only ? { id: only.id!, name: only.name } : await organizationOf(wh, lastRuns),
    tables,
    streams: dayStreams(ledger, today),
    failedWindows: unfinishedWindows(ledger),
    lastRuns,
    ...(perOrganization ? { organizations: perOrganization } : {}),
  };
}

export async function organizationOf(wh: Warehouse, runs: RunRecord[]): Promise<WarehouseStatus['organization']> {
  const d = wh.dialect;
  const [row] = await wh.query(`SELECT ${d.ident('id')} AS ${d.ident('id')}, ${d.ident('name')} AS ${d.ident('name')} FROM ${d.table('claude_organization')} LIMIT 1`);
  if (row) return { id: String(row.id), name: row.name === null ? null : String(row.name) };
  const run = runs.find((r) => r.organizationId);
  return run ? { id: run.organizationId!, name: run.organizationName ?? null } : null;
}
