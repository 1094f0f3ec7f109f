/**
 * Dataset, tables, views and the schema version: creates what is missing, migrates an older schema
 * forward (migrations.ts), refuses a newer one, and checks every table's columns against TABLES.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { VIEWS } from '../views/index.js';
import { READER_OPTIONAL_TABLES } from '../allocation-tables.js';
import { SCHEMA_VERSION, TABLES, type TableDef } from '../tables.js';
import { WarehouseError, WarehouseSchemaError, type SqlDialect } from '../warehouse.js';
import { createViewSql, mergeRowSql, normalizeBqType, schemaFields, schemaVersionSql, tableResource } from './bigquery-sql.js';
import { namedParam, rowParams } from './bigquery-values.js';
import { apiStatus, isNotFound } from './errors.js';
import type { JobRunner } from './jobs.js';
import { migrate, migrations, type BigQueryMigration, type MigrationContext } from './migrations.js';

export interface SchemaContext {
  client: BigQuery;
  jobs: JobRunner;
  project: string;
  dataset: string;
  /** The location the URL asked for, if any. */
  location: string | undefined;
  /** Printable warehouse URL, for messages. */
  printable: string;
  readOnly: boolean;
  dialect: SqlDialect;
  ref: (name: string) => string;
  /** Replaces the migration steps (tests). */
  migrations?: Record<number, BigQueryMigration>;
}

type Fields = { name: string; type: string }[];

async function tableFields(client: BigQuery, dataset: string, table: string): Promise<Fields | null> {
  try {
    const [meta] = await client.dataset(dataset).table(table).getMetadata();
    return (meta as { schema?: { fields?: Fields } }).schema?.fields ?? [];
  } catch (err) {
    if (isNotFound(err, 'Table')) return null;
    throw err;
  }
}

function checkSchema(printable: string, def: TableDef, fields: Fields): void {
  const have = new Map(fields.map((f) => [f.name, normalizeBqType(f.type)]));
  for (const want of schemaFields(def)) {
    const type = have.get(want.name);
    if (type === undefined || type !== want.type) {
      throw new WarehouseSchemaError(
        `${printable}: table ${def.name} column ${want.name} is ${type ?? 'missing'}, expected ${want.type}; ` +
          'the table was not made by this version of claude-ingest',
      );
    }
  }
}

/** Makes sure the dataset exists (creating it unless read-only) and returns its location. */
async function ensureDataset(ctx: SchemaContext): Promise<string | undefined> {
  const { client } = ctx;
  let meta: { location?: string } | undefined;
  try {
    [meta] = await client.dataset(ctx.dataset).getMetadata();
  } catch (err) {
    if (!isNotFound(err, 'Dataset')) throw err;
    if (ctx.readOnly) throw new WarehouseError(`${ctx.printable} does not exist: run a backfill first to create it`);
    [, meta] = await client.createDataset(ctx.dataset, {
      ...(ctx.location ? { location: ctx.location } : {}),
      description: 'Anthropic usage and cost data, written by claude-ingest.',
      labels: { 'managed-by': 'claude-ingest' },
    });
  }
  const actual = meta?.location;
  if (ctx.location && actual && actual.toLowerCase() !== ctx.location.toLowerCase()) {
    throw new WarehouseError(`dataset ${ctx.project}.${ctx.dataset} is in ${actual}, not ${ctx.location}`);
  }
  return actual;
}

/** The recorded schema version: null without a meta table, 0 for a meta table without the row. */
async function readVersion(ctx: SchemaContext): Promise<number> {
  const rows = await ctx.jobs.runQuery(schemaVersionSql(ctx.ref), [namedParam('key', 'STRING', 'schema_version')], 'schema version');
  const raw = rows[0]?.value;
  if (raw === undefined || raw === null) return 0;
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 1) {
    throw new WarehouseSchemaError(`${ctx.printable} has schema_version "${String(raw)}": not a claude-ingest warehouse`);
  }
  return version;
}

/** The views whose stored SQL differs from ours (a routine init then sends no DDL job). */
async function staleViews(ctx: SchemaContext): Promise<{ name: string; sql: string }[]> {
  const out: { name: string; sql: string }[] = [];
  for (const v of VIEWS) {
    const sql = v.sql(ctx.dialect);
    try {
      const [vmeta] = await ctx.client.dataset(ctx.dataset).table(v.name).getMetadata();
      if ((vmeta as { view?: { query?: string } }).view?.query === sql) continue;
    } catch (err) {
      if (!isNotFound(err, 'Table')) throw err;
    }
    out.push({ name: v.name, sql });
  }
  return out;
}

/** Returns the reader-optional tables (READER_OPTIONAL_TABLES) a read-only open found missing. */
export async function initSchema(ctx: SchemaContext): Promise<Set<string>> {
  const { client, jobs } = ctx;
  const actualLocation = await ensureDataset(ctx);
  jobs.location ??= actualLocation;

  const fields = new Map<string, Fields>();
  for (const def of Object.values(TABLES)) {
    const f = await tableFields(client, ctx.dataset, def.name);
    if (f) fields.set(def.name, f);
  }
  const allTables = fields.size === Object.keys(TABLES).length;
  // A read-only open does without a reader-optional table (readers read what it is derived from).
  const absent = new Set(Object.values(TABLES).map((t) => t.name).filter((n) => !fields.has(n)));
  const usable = ctx.readOnly ? [...absent].every((n) => READER_OPTIONAL_TABLES.has(n)) : absent.size === 0;
  const version = fields.has('claude_ingest_meta') ? await readVersion(ctx) : null;
  if (version !== null && version > SCHEMA_VERSION) {
    throw new WarehouseSchemaError(
      `${ctx.printable} was written by a newer claude-ingest (schema ${version}, this one knows ${SCHEMA_VERSION}): upgrade claude-ingest`,
    );
  }
  const views = await staleViews(ctx);

  if (version === SCHEMA_VERSION && (allTables || usable)) {
    for (const def of Object.values(TABLES)) if (fields.has(def.name)) checkSchema(ctx.printable, def, fields.get(def.name)!);
    // Read-only opens leave an outdated view alone: the tables, which every job needs, are fine.
    if (!ctx.readOnly) await createViews(ctx, views);
    return ctx.readOnly ? absent : new Set();
  }
  if (ctx.readOnly) {
    if (version !== null && version < SCHEMA_VERSION) {
      throw new WarehouseSchemaError(
        `${ctx.printable} has schema ${version}, older than ${SCHEMA_VERSION}: run an ingest command (e.g. claude-ingest run) once to migrate it`,
      );
    }
    throw new WarehouseError(`${ctx.printable} is not initialised: run a backfill first to create its tables`);
  }

  if (version !== null && version < SCHEMA_VERSION) {
    const m: MigrationContext = {
      columns: async (table) => {
        const f = await tableFields(client, ctx.dataset, table);
        return f ? new Set(f.map((x) => x.name)) : null;
      },
      ddl: async (purpose, sql) => {
        await jobs.mutate(purpose, sql, []);
      },
      ref: ctx.ref,
    };
    await migrate(m, version, SCHEMA_VERSION, ctx.printable, ctx.migrations ?? migrations);
  }

  for (const def of Object.values(TABLES)) {
    if (!fields.has(def.name)) {
      try {
        await client.dataset(ctx.dataset).table(def.name).create(tableResource(def, ctx.project, ctx.dataset));
      } catch (err) {
        // Another process created it between our get and insert: same definition, nothing to do.
        if (apiStatus(err) !== 409) throw err;
      }
      continue;
    }
    // A migrated table is read again: the check proves the migration left what TABLES declares.
    const now = version === SCHEMA_VERSION ? fields.get(def.name)! : await tableFields(client, ctx.dataset, def.name);
    checkSchema(ctx.printable, def, now ?? []);
  }
  // Views after the tables they read (BigQuery resolves a view's tables when it is created).
  await createViews(ctx, views);
  // Written last: until every step above succeeded, the old version stays recorded and the next init redoes them.
  await jobs.mutate('schema version', mergeRowSql(TABLES.claude_ingest_meta, ctx.ref), [
    ...rowParams(TABLES.claude_ingest_meta, { key: 'schema_version', value: String(SCHEMA_VERSION) }),
  ]);
  return new Set();
}

async function createViews(ctx: SchemaContext, views: { name: string; sql: string }[]): Promise<void> {
  for (const v of views) await ctx.jobs.mutate(`view ${v.name}`, createViewSql(ctx.ref(v.name), v.sql), []);
}
