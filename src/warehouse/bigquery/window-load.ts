/**
 * One window's replacement: the window writer's batches (window-writer.ts: batch size and stamped
 * columns) are staged as newline-delimited JSON in temporary files while the stream fetches them, uploaded by load jobs into expiring staging tables, then swapped in by one
 * multi-statement transaction together with the ledger row (replaceWindowScript).
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { windowRow } from '../ledger-rows.js';
import { TABLES, type Row, type TableDef, type TableName } from '../tables.js';
import { WarehouseError, type WindowSink, type WindowWrite } from '../warehouse.js';
import { windowStamp, WindowWriter, type BatchTarget } from '../window-writer.js';
import {
  WINDOW_FROM_PARAM,
  WINDOW_ORG_PARAM,
  WINDOW_TO_PARAM,
  replaceWindowScript,
  stagingResource,
  stagingTableId,
  type ReplaceTarget,
} from './bigquery-sql.js';
import { namedParam, ndjsonEncoder, rowParams, type QueryParameter } from './bigquery-values.js';
import { apiStatus } from './errors.js';
import type { JobRunner } from './jobs.js';

export interface LoadContext {
  client: BigQuery;
  jobs: JobRunner;
  project: string;
  dataset: string;
  ref: (name: string) => string;
  tempDir?: string;
  /** Wraps a BigQuery call so whatever it throws becomes one readable WarehouseError. */
  guard<T>(during: string, fn: () => Promise<T>): Promise<T>;
}

interface StagedTable {
  def: TableDef;
  path: string;
  stream: WriteStream | null;
  encode: (row: Row) => string;
  /** NDJSON of the current batch, written to the file when the window writer ends the batch. */
  pending: string;
  rows: number;
}

export async function replaceWindow(ctx: LoadContext, write: WindowWrite, fill: (sink: WindowSink) => Promise<void>): Promise<number> {
  const dir = await mkdtemp(join(ctx.tempDir ?? tmpdir(), 'claude-ingest-bq-'));
  const staged = new Map<TableName, StagedTable>();
  const stamp = windowStamp(write);
  for (const name of write.tables) {
    const def = TABLES[name];
    if (!def) throw new WarehouseError(`unknown table ${String(name)}`);
    staged.set(name, { def, path: join(dir, `${name}.ndjson`), stream: null, encode: ndjsonEncoder(def, stamp), pending: '', rows: 0 });
  }
  const stagedTable = (table: TableName): StagedTable => {
    const s = staged.get(table);
    if (!s) throw new WarehouseError(`table ${table} is not part of this window (${write.tables.join(', ')})`);
    return s;
  };
  const days = write.days;
  const createdStaging: string[] = [];
  try {
    const target: BatchTarget = {
      stage: (table, rows, from, to) => {
        const s = stagedTable(table);
        // Rows dated outside the window's days were refused by the window writer (OutOfWindow).
        for (let i = from; i < to; i++) s.pending += s.encode(rows[i]!);
        s.rows += to - from;
      },
      endBatch: async (table) => {
        const s = stagedTable(table);
        const chunk = s.pending;
        s.pending = '';
        if (chunk.length === 0) return;
        s.stream ??= createWriteStream(s.path, { encoding: 'utf8' });
        if (!s.stream.write(chunk)) await once(s.stream, 'drain');
      },
    };
    const writer = new WindowWriter(write, target);
    await fill(writer);
    const total = await writer.finish();
    for (const s of staged.values()) {
      if (!s.stream) continue;
      const stream = s.stream;
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }

    const targets: ReplaceTarget[] = [];
    for (const s of staged.values()) {
      let staging: string | null = null;
      if (s.rows > 0) {
        const id = stagingTableId(s.def.name, days);
        createdStaging.push(id);
        await ctx.guard(`loading ${s.def.name}`, () => loadStaging(ctx, s.def, id, s.path));
        staging = ctx.ref(id);
      }
      targets.push({ table: s.def.name, staging });
    }
    const params: QueryParameter[] = [...rowParams(TABLES.ingest_windows, windowRow({ ...write.ledger, status: 'ok', rows: total }))];
    if (days) params.push(namedParam(WINDOW_FROM_PARAM, 'DATE', days.from), namedParam(WINDOW_TO_PARAM, 'DATE', days.to));
    params.push(namedParam(WINDOW_ORG_PARAM, 'STRING', write.organizationId));
    const purpose = `replace ${write.ledger.stream} ${days ? `${days.from}..${days.to}` : 'snapshot'}`;
    await ctx.guard(`replacing ${write.ledger.stream}`, () => ctx.jobs.mutate(purpose, replaceWindowScript(targets, days !== undefined, ctx.ref), params));
    return total;
  } finally {
    for (const s of staged.values()) s.stream?.destroy();
    await rm(dir, { recursive: true, force: true });
    for (const id of createdStaging) {
      try {
        await ctx.client.dataset(ctx.dataset).table(id).delete({ ignoreNotFound: true });
      } catch {
        // The staging table expires on its own within a day; a failed drop is not worth failing the window.
      }
    }
  }
}

/**
 * Upload through a load job (never streaming inserts: their buffer blocks DML for up to 90
 * minutes). The staging table is created first with an expiration, then truncated by the load.
 */
async function loadStaging(ctx: LoadContext, def: TableDef, tableId: string, path: string): Promise<void> {
  const dataset = ctx.client.dataset(ctx.dataset);
  const resource = stagingResource(def, ctx.project, ctx.dataset, tableId, Date.now());
  const table = dataset.table(tableId, ctx.jobs.location ? { location: ctx.jobs.location } : {});
  try {
    await table.create(resource);
  } catch (err) {
    if (apiStatus(err) !== 409) throw err;
    // Left over from a killed run of this window: the load truncates it; only refresh the expiry.
    await table.setMetadata({ expirationTime: resource.expirationTime });
  }
  const [job] = await table.createLoadJob(path, {
    sourceFormat: 'NEWLINE_DELIMITED_JSON',
    writeDisposition: 'WRITE_TRUNCATE',
    createDisposition: 'CREATE_NEVER',
    schema: resource.schema,
    maxBadRecords: 0,
    ignoreUnknownValues: false,
    jobPrefix: 'claude_ingest_load_',
  });
  await ctx.jobs.waitJob(job, 'load', `stage ${def.name}`);
}
