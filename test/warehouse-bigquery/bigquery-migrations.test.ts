/**
 * The BigQuery migration framework against the stand-in: steps run in order from the recorded
 * version, generic steps work from TABLES, DDL is idempotent and the version is written last, so a
 * failed step leaves the old version and a rerun finishes the job.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bqType, tableResource } from '../../src/warehouse/bigquery/bigquery-sql.js';
import { addMissingColumns, dropColumns, migrations, type BigQueryMigration } from '../../src/warehouse/bigquery/migrations.js';
import { REMOVED_COLUMNS, SCHEMA_VERSION, TABLES, type TableName } from '../../src/warehouse/tables.js';
import { WarehouseSchemaError } from '../../src/warehouse/warehouse.js';
import { DATASET, PROJECT, useStandIn } from './harness.js';
import { addedInV2, seedVersion1Dataset, V1_TABLES } from './version1.js';

const h = useStandIn();
const { standIn } = h;

type Field = { name: string; type: string; mode?: string; description?: string };
const id = (t: string) => `${PROJECT}.${DATASET}.${t}`;
const fieldsOf = (t: string) => ((standIn.tables.get(id(t)) as { schema: { fields: Field[] } } | undefined)?.schema.fields ?? []);

/** The first table (in TABLES order) with a nullable column, and that column: chosen from TABLES, not named. */
const [gapTable, gapColumn] = (() => {
  for (const def of Object.values(TABLES)) {
    const col = def.columns.find((c) => c.nullable !== false && def.kind !== 'meta');
    if (col) return [def.name, col] as const;
  }
  throw new Error('no table has a nullable column');
})();
const missingTable: TableName = Object.values(TABLES).find((d) => d.kind === 'snapshot' && d.name !== gapTable)!.name;

let recorded: number | null = null;

/** A dataset as an older claude-ingest left it: one nullable column missing, one retired column, one table missing. */
function seedOlderDataset(version: number): void {
  standIn.datasets.set(`${PROJECT}.${DATASET}`, { id: `${PROJECT}:${DATASET}`, datasetReference: { datasetId: DATASET }, location: 'US' });
  for (const def of Object.values(TABLES)) {
    if (def.name === missingTable) continue;
    const res = JSON.parse(JSON.stringify(tableResource(def, PROJECT, DATASET))) as { schema: { fields: Field[] } };
    if (def.name === gapTable) {
      res.schema.fields = res.schema.fields.filter((f) => f.name !== gapColumn.name);
      res.schema.fields.push({ name: 'retired_flag', type: 'BOOL', mode: 'NULLABLE' });
    }
    standIn.tables.set(id(def.name), { ...res, id: id(def.name) });
  }
  // Version 0 is a meta table without a version row (a pre-release build).
  recorded = version === 0 ? null : version;
}

const ddl = () => standIn.queries.filter((q) => q.sql.startsWith('ALTER TABLE'));
const versionWrites = () => standIn.queries.filter((q) => q.sql.startsWith('MERGE') && q.sql.includes('claude_ingest_meta'));

/** What the lead registers for a new version: the generic step plus a column drop. */
const nextStep: BigQueryMigration = async (m) => {
  await addMissingColumns(m);
  await dropColumns(m, gapTable, ['retired_flag']);
};

beforeEach(() => {
  standIn.requests.length = 0;
  standIn.failQuery = () => undefined;
  standIn.answer = (sql) =>
    sql.startsWith('SELECT') && sql.includes('claude_ingest_meta')
      ? { fields: [{ name: 'value', type: 'STRING' }], rows: recorded === null ? [] : [[String(recorded)]] }
      : undefined;
});
afterEach(() => {
  standIn.tables.clear();
  standIn.datasets.clear();
  recorded = null;
});

describe('BigQuery migrations', () => {
  it('brings an older dataset to the current schema: adds columns, drops a retired one, creates a new table, records the version last', async () => {
    seedOlderDataset(SCHEMA_VERSION - 1);
    const wh = await h.open({ migrations: { [SCHEMA_VERSION]: nextStep } });
    await wh.init();

    const alters = ddl().map((q) => q.sql);
    expect(alters).toEqual([
      `ALTER TABLE \`${id(gapTable)}\`\n  ADD COLUMN IF NOT EXISTS \`${gapColumn.name}\` ${fieldsOf(gapTable).find((f) => f.name === gapColumn.name)!.type} OPTIONS(description = ${JSON.stringify(gapColumn.doc)})`,
      `ALTER TABLE \`${id(gapTable)}\`\n  DROP COLUMN IF EXISTS \`retired_flag\``,
    ]);
    // The stand-in applied the DDL: the table now has exactly the columns TABLES declares.
    expect(fieldsOf(gapTable).map((f) => f.name).sort()).toEqual(TABLES[gapTable].columns.map((c) => c.name).sort());
    expect(fieldsOf(gapTable).find((f) => f.name === gapColumn.name)).toMatchObject({ mode: 'NULLABLE', description: gapColumn.doc });
    expect(standIn.tables.has(id(missingTable))).toBe(true);

    // The version is the last statement, after every DDL.
    const last = standIn.queries.at(-1)!;
    expect(last.sql).toMatch(/^MERGE `test-project\.claude_usage\.claude_ingest_meta`/);
    expect(last.params).toContainEqual({ name: 'value', parameterType: { type: 'STRING' }, parameterValue: { value: String(SCHEMA_VERSION) } });

    // Once migrated, an init sends no DDL and writes no version.
    recorded = SCHEMA_VERSION;
    const before = standIn.queries.length;
    await (await h.open({ migrations: { [SCHEMA_VERSION]: nextStep } })).init();
    expect(standIn.queries.slice(before).map((q) => q.sql.split(' ')[0])).toEqual(['SELECT']);
  });

  it('a failed step leaves the old version recorded; the rerun skips what is done and finishes', async () => {
    seedOlderDataset(SCHEMA_VERSION - 1);
    standIn.failQuery = (sql) => (sql.includes('DROP COLUMN') ? 'Exceeded rate limits: too many table update operations for this table' : undefined);
    await expect((await h.open({ migrations: { [SCHEMA_VERSION]: nextStep } })).init()).rejects.toThrow(/too many table update operations/);
    expect(versionWrites()).toEqual([]);
    expect(fieldsOf(gapTable).some((f) => f.name === gapColumn.name)).toBe(true);

    standIn.failQuery = () => undefined;
    const before = standIn.queries.length;
    await (await h.open({ migrations: { [SCHEMA_VERSION]: nextStep } })).init();
    const rerun = standIn.queries.slice(before).filter((q) => q.sql.startsWith('ALTER TABLE')).map((q) => q.sql);
    // The column added before the failure is not added again; only the drop is sent.
    expect(rerun).toEqual([`ALTER TABLE \`${id(gapTable)}\`\n  DROP COLUMN IF EXISTS \`retired_flag\``]);
    expect(versionWrites()).toHaveLength(1);
    expect(fieldsOf(gapTable).map((f) => f.name).sort()).toEqual(TABLES[gapTable].columns.map((c) => c.name).sort());
  });

  it('runs every step from the recorded version up, in order', async () => {
    seedOlderDataset(SCHEMA_VERSION - 1);
    recorded = null;
    const ran: number[] = [];
    const steps: Record<number, BigQueryMigration> = {};
    for (let v = 1; v <= SCHEMA_VERSION; v++) {
      steps[v] = async (m) => {
        ran.push(v);
        if (v === SCHEMA_VERSION) await nextStep(m);
      };
    }
    await (await h.open({ migrations: steps })).init();
    expect(ran).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('refuses when a step is missing, when a required column is missing, and when a drop names a declared column', async () => {
    seedOlderDataset(SCHEMA_VERSION - 1);
    await expect((await h.open({ migrations: {} })).init()).rejects.toThrow(new RegExp(`no migration to schema ${SCHEMA_VERSION}`));

    const required = TABLES[gapTable].columns.find((c) => c.nullable === false)!;
    const t = standIn.tables.get(id(gapTable)) as { schema: { fields: Field[] } };
    t.schema.fields = t.schema.fields.filter((f) => f.name !== required.name);
    await expect((await h.open({ migrations: { [SCHEMA_VERSION]: addMissingColumns } })).init()).rejects.toThrow(
      `cannot migrate ${gapTable}: it lacks the required column ${required.name}`,
    );

    const dropDeclared: BigQueryMigration = (m) => dropColumns(m, gapTable, [gapColumn.name]);
    await expect((await h.open({ migrations: { [SCHEMA_VERSION]: dropDeclared } })).init()).rejects.toThrow(WarehouseSchemaError);
    expect(versionWrites()).toEqual([]);
  });

  it('a read-only open of an older dataset says to run an ingest once', async () => {
    seedOlderDataset(SCHEMA_VERSION - 1);
    await expect((await h.open({ readOnly: true })).init()).rejects.toThrow(/older than .*run an ingest command/);
    expect(ddl()).toEqual([]);
  });
});

describe('BigQuery migration 1 → 2', () => {
  afterEach(() => standIn.rows.clear());

  it('drops is_remote, adds the version-2 columns and tables, keeps every row, records version 2', async () => {
    const seeded = seedVersion1Dataset(standIn);
    recorded = 1;
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
    // Only version 2's step: a later version's migration is tested on its own.
    const later = Object.fromEntries(Array.from({ length: SCHEMA_VERSION - 2 }, (_, i) => [i + 3, async () => undefined]));
    const wh = await h.open({ migrations: { 2: migrations[2]!, ...later } });
    await wh.init();

    const removed = REMOVED_COLUMNS[2] ?? [];
    expect(removed.map((r) => r.column)).toContain('is_remote');
    for (const name of V1_TABLES) {
      const def = TABLES[name];
      const fields = fieldsOf(name);
      // Exactly what TABLES declares now, types and modes included (is_remote gone, new columns NULLABLE).
      expect(fields.map((f) => f.name).sort(), name).toEqual(def.columns.map((c) => c.name).sort());
      for (const c of def.columns) {
        expect(fields.find((f) => f.name === c.name), `${name}.${c.name}`).toMatchObject({ type: bqType(c.type) });
      }
      // Every old row is still there with every old value; the new columns are NULL.
      const before = seeded.get(name)!;
      const after = standIn.rows.get(id(name))!;
      expect(after, name).toHaveLength(before.length);
      after.forEach((row, i) => {
        for (const c of def.columns) {
          expect(row[c.name], `${name}.${c.name}`).toBe(addedInV2(name, c.name) ? null : before[i]![c.name]);
        }
        expect(Object.keys(row)).not.toContain('is_remote');
      });
    }
    // Tables version 1 did not have are created.
    for (const name of Object.keys(TABLES).filter((t) => !V1_TABLES.includes(t as TableName))) expect(standIn.tables.has(id(name)), name).toBe(true);

    // Only column DDL touched the old tables: no table re-created or deleted, no DML on data rows.
    const statements = standIn.queries.map((q) => q.sql);
    const kinds = new Set(statements.map((s) => /^(\w+(?: TABLE| OR REPLACE VIEW)?)/.exec(s)![1]));
    expect([...kinds].sort()).toEqual(['ALTER TABLE', 'CREATE OR REPLACE VIEW', 'MERGE', 'SELECT']);
    expect(statements.filter((s) => s.startsWith('MERGE')).every((s) => s.includes('claude_ingest_meta'))).toBe(true);
    expect(standIn.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    // One ALTER per table at most (BigQuery rate-limits table metadata updates), the drop first.
    const alters = ddl().map((q) => /^ALTER TABLE `([^`]+)`/.exec(q.sql)![1]);
    for (const r of removed) expect(alters.indexOf(id(r.table)), r.table).toBeGreaterThanOrEqual(0);
    const last = standIn.queries.at(-1)!;
    expect(last.sql).toMatch(/^MERGE `test-project\.claude_usage\.claude_ingest_meta`/);
    expect(last.params).toContainEqual({ name: 'value', parameterType: { type: 'STRING' }, parameterValue: { value: String(SCHEMA_VERSION) } });

    // Migrated: the next init finds every column as declared and sends no DDL.
    recorded = SCHEMA_VERSION;
    const mark = standIn.queries.length;
    await (await h.open({ migrations: { 2: migrations[2]!, ...later } })).init();
    expect(standIn.queries.slice(mark).map((q) => q.sql.split(' ')[0])).toEqual(['SELECT']);
  });
});

describe('BigQuery migration 2 → 3', () => {
  it('adds ordinal, customer_type and data_refreshed_at as NULLABLE columns and keys analytics users by the user_id kept in extra', async () => {
    seedOlderDataset(2);
    for (const t of ['claude_cost_by_actor', 'claude_usage_by_actor', 'claude_cost_by_key', 'claude_code_model_usage', 'ingest_windows'] as const) {
      const res = JSON.parse(JSON.stringify(tableResource(TABLES[t], PROJECT, DATASET))) as { schema: { fields: Field[] } };
      res.schema.fields = res.schema.fields.filter((f) => !['ordinal', 'customer_type', 'data_refreshed_at'].includes(f.name));
      standIn.tables.set(id(t), { ...res, id: id(t) });
    }
    const later = Object.fromEntries(Array.from({ length: SCHEMA_VERSION - 3 }, (_, i) => [i + 4, async () => undefined]));
    const wh = await h.open({ migrations: { 3: migrations[3]!, ...later } });
    await wh.init();
    for (const [t, c] of [['claude_cost_by_actor', 'ordinal'], ['claude_usage_by_actor', 'ordinal'], ['claude_cost_by_key', 'ordinal'], ['claude_code_model_usage', 'customer_type'], ['ingest_windows', 'data_refreshed_at']] as const) {
      expect(fieldsOf(t).find((f) => f.name === c), `${t}.${c}`).toMatchObject({ mode: 'NULLABLE' });
    }
    const updates = standIn.queries.map((q) => q.sql).filter((q) => q.startsWith('UPDATE'));
    expect(updates.map((u) => /^UPDATE `([^`]+)`/.exec(u)![1]).sort()).toEqual([id('claude_cost_by_actor'), id('claude_usage_by_actor')]);
    for (const u of updates) {
      // The partition filter BigQuery requires, and only user actors whose extra kept a user_id.
      expect(u).toContain("`activity_date` >= DATE '1970-01-01'");
      expect(u).toContain("`actor_type` = 'user_actor'");
      expect(u).toContain("JSON_EXTRACT_SCALAR(`extra`, '$.group.actor.user_id') IS NOT NULL");
    }
    expect(versionWrites().length).toBeGreaterThan(0);
  });
});

describe('BigQuery migration 3 → 4', () => {
  it('adds period_start and period_end to claude_fixed_costs as NULLABLE columns (prorated months, issue 26)', async () => {
    seedOlderDataset(3);
    const res = JSON.parse(JSON.stringify(tableResource(TABLES.claude_fixed_costs, PROJECT, DATASET))) as { schema: { fields: Field[] } };
    res.schema.fields = res.schema.fields.filter((f) => !['period_start', 'period_end'].includes(f.name));
    standIn.tables.set(id('claude_fixed_costs'), { ...res, id: id('claude_fixed_costs') });
    const wh = await h.open({ migrations: { 4: migrations[4]! } });
    await wh.init();
    for (const c of ['period_start', 'period_end']) expect(fieldsOf('claude_fixed_costs').find((f) => f.name === c), c).toMatchObject({ mode: 'NULLABLE', type: 'DATE' });
    expect(versionWrites().length).toBeGreaterThan(0);
  });

  it('adds claude_cost_by_actor.api_key_id (issue 25) as a NULLABLE column, in one ALTER, and records version 4', async () => {
    seedOlderDataset(3);
    const res = JSON.parse(JSON.stringify(tableResource(TABLES.claude_cost_by_actor, PROJECT, DATASET))) as { schema: { fields: Field[] } };
    res.schema.fields = res.schema.fields.filter((f) => f.name !== 'api_key_id');
    standIn.tables.set(id('claude_cost_by_actor'), { ...res, id: id('claude_cost_by_actor') });
    const wh = await h.open({ migrations: { 4: migrations[4]! } });
    await wh.init();
    expect(fieldsOf('claude_cost_by_actor').find((f) => f.name === 'api_key_id')).toMatchObject({ mode: 'NULLABLE', type: 'STRING' });
    const alters = standIn.queries.map((q) => q.sql).filter((q) => q.startsWith('ALTER'));
    const onTable = alters.filter((a) => a.includes(id('claude_cost_by_actor')));
    expect(onTable).toHaveLength(1);
    expect(onTable[0]).toContain('api_key_id');
    expect(versionWrites().length).toBeGreaterThan(0);
  });
});
