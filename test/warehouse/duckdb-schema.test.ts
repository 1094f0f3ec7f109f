import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { SCHEMA_VERSION, TABLES } from '../../src/warehouse/tables.js';
import { VIEWS } from '../../src/warehouse/views/index.js';
import { WarehouseError, WarehouseLockedError, WarehouseSchemaError } from '../../src/warehouse/warehouse.js';
import { costRow, ledger, tempDir } from './helpers.js';
import type { DayRange } from '../../src/util/dates.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Runs raw SQL against a file with DuckDB directly, bypassing the code under test. */
async function raw(path: string, statements: string[]): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  let rows: unknown[][] = [];
  try {
    for (const sql of statements) rows = (await conn.runAndReadAll(sql)).getRowsJson() as unknown[][];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return rows;
}

const EXPECTED_TYPES: Record<string, string> = {
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  string: 'VARCHAR',
  int: 'BIGINT',
  bool: 'BOOLEAN',
  cents: 'DECIMAL(38,12)',
  usd: 'DECIMAL(38,14)',
  json: 'VARCHAR',
};

/** Columns version 2 added; everything else in TABLES is what version 1 had. */
const ADDED_IN_V2 = new Set(['extra', 'scope_type', 'scope_workspace_id', 'principal_type', 'principal_id', 'organization_id', 'organization_name', 'rounded_values', 'unknown_measures']);
const V1_TYPES: Record<string, string> = { ...EXPECTED_TYPES, cents: 'DECIMAL(38,9)', usd: 'DECIMAL(38,11)' };
/** Columns version 3 added (issue 24). */
const ADDED_IN_V3: Record<string, string[]> = {
  claude_cost_by_key: ['ordinal'],
  claude_cost_by_actor: ['ordinal'],
  claude_usage_by_actor: ['ordinal'],
  claude_code_model_usage: ['customer_type'],
  ingest_windows: ['data_refreshed_at'],
};

const V1_TABLES = new Set(['claude_costs', 'claude_cost_daily_totals', 'claude_usage_keys', 'claude_usage_daily_totals', 'claude_code_productivity', 'claude_code_model_usage', 'claude_api_keys', 'claude_workspaces', 'claude_users', 'ingest_runs', 'ingest_windows', 'claude_ingest_meta']);

/** The version-1 layout, derived from TABLES: no version-2 columns, is_remote after actor_id, narrower money. */
function version1Ddl(): string[] {
  return Object.values(TABLES)
    .filter((t) => V1_TABLES.has(t.name))
    .map((t) => {
      const cols: string[] = [];
      for (const c of t.columns) {
        // claude_code_productivity had the Claude Code record's organization_id column already.
        if (ADDED_IN_V2.has(c.name) && !(t.name === 'claude_code_productivity' && c.name === 'organization_id')) continue;
        if (ADDED_IN_V3[t.name]?.includes(c.name)) continue;
        cols.push(`"${c.name}" ${V1_TYPES[c.type]}${c.nullable === false ? ' NOT NULL' : ''}`);
        if (c.name === 'actor_id') cols.push('"is_remote" BOOLEAN NOT NULL');
      }
      return `CREATE TABLE "${t.name}" (${cols.join(', ')})`;
    });
}

describe('DDL and schema version', () => {
  it('creates every table in TABLES with the mapped types and NOT NULL constraints', async () => {
    const path = tmp.file('ddl.duckdb');
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.init(); // idempotent
    await wh.close();

    const cols = (await raw(path, [
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'main' AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')
       ORDER BY table_name, ordinal_position`,
    ])) as [string, string, string, string][];
    const tables = new Set(cols.map(([t]) => t));
    expect([...tables].sort()).toEqual(Object.keys(TABLES).sort());
    for (const def of Object.values(TABLES)) {
      const actual = cols.filter(([t]) => t === def.name).map(([, c, type, nullable]) => [c, type, nullable]);
      const expected = def.columns.map((c) => [c.name, EXPECTED_TYPES[c.type], c.nullable === false ? 'NO' : 'YES']);
      expect(actual, def.name).toEqual(expected);
    }
    expect(cols).toContainEqual(['claude_costs', 'amount_cents', 'DECIMAL(38,12)', 'NO']);
    expect(await raw(path, ["SELECT value FROM claude_ingest_meta WHERE key = 'schema_version'"])).toEqual([[String(SCHEMA_VERSION)]]);
  });

  it('creates the views once: a later open writes nothing, a view dropped or replaced by hand (other columns) is created again', async () => {
    const path = tmp.file('views.duckdb');
    /** Opens and inits, and returns the size of the write-ahead log the init left (0: it wrote nothing). */
    const init = async () => {
      const wh = await openDuckDbWarehouse(path);
      try {
        await wh.init();
        return existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0;
      } finally {
        await wh.close();
      }
    };
    const views = async () => (await raw(path, ['SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1'])) as [string, string][];
    expect(await init()).toBeGreaterThan(0);
    const first = await views();
    expect(first.map(([name]) => name)).toEqual(VIEWS.map((v) => v.name).sort());
    expect(await init()).toBe(0);
    expect(await views()).toEqual(first);

    const name = VIEWS[0]!.name;
    await raw(path, [`CREATE OR REPLACE VIEW "${name}" AS SELECT 1 AS x`]);
    expect(await init()).toBeGreaterThan(0);
    expect(await views()).toEqual(first);
    await raw(path, [`DROP VIEW "${name}"`]);
    await init();
    expect(await views()).toEqual(first);
  });

  it('refuses a warehouse written by a newer claude-ingest', async () => {
    const path = tmp.file('newer.duckdb');
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.close();
    await raw(path, [`UPDATE claude_ingest_meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`]);

    const again = await openDuckDbWarehouse(path);
    try {
      await expect(again.init()).rejects.toThrow(WarehouseSchemaError);
      await expect(again.init()).rejects.toThrow(
        `this warehouse was written by a newer claude-ingest (schema ${SCHEMA_VERSION + 1} > ${SCHEMA_VERSION}): upgrade claude-ingest`,
      );
    } finally {
      await again.close();
    }
  });

  it('migrates a version-0 warehouse (missing columns) forward, keeping its rows', async () => {
    const path = tmp.file('v0.duckdb');
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.recordWindow(ledger({ runId: 'old-run', rateLimited: 2 }));
    await wh.close();
    // Fake the pre-release layout: two nullable columns missing, version 0.
    await raw(path, [
      'ALTER TABLE ingest_windows DROP COLUMN rate_limited',
      'ALTER TABLE claude_costs DROP COLUMN inference_geo',
      "UPDATE claude_ingest_meta SET value = '0' WHERE key = 'schema_version'",
    ]);

    const migrated = await openDuckDbWarehouse(path);
    try {
      await migrated.init();
      const version = await migrated.query("SELECT value FROM claude_ingest_meta WHERE key = 'schema_version'");
      expect(version).toEqual([{ value: String(SCHEMA_VERSION) }]);
      const cols = await migrated.query(
        "SELECT table_name, column_name FROM information_schema.columns WHERE column_name IN ('rate_limited', 'inference_geo') ORDER BY 1",
      );
      expect(cols).toEqual([
        // claude_cost_allocation (issue 25): created whole, naming the allocated claude_costs row's inference_geo.
        { table_name: 'claude_cost_allocation', column_name: 'inference_geo' },
        { table_name: 'claude_costs', column_name: 'inference_geo' },
        { table_name: 'ingest_windows', column_name: 'rate_limited' },
      ]);
      const [w] = await migrated.listWindows();
      expect(w).toMatchObject({ runId: 'old-run', rateLimited: 0, requests: 3 });
      // The migrated table (column now last) still takes a full replaceWindow.
      await migrated.replaceWindow({ organizationId: 'org_test', tables: ['claude_workspaces'], ledger: ledger({ stream: 'org' }) }, async (sink) => {
        await sink.append('claude_workspaces', [{ id: 'w1', name: 'A', display_color: null, created_at: null, archived_at: null, extra: null }]);
      });
      // claude_costs now has inference_geo last, unlike TABLES: every value still lands in its own column.
      const day: DayRange = { from: '2025-01-01', to: '2025-01-01' };
      await migrated.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: day, ledger: ledger({ stream: 'cost' }) }, async (sink) => {
        await sink.append('claude_costs', [{ ...costRow('2025-01-01', '12.5', 'line'), inference_geo: 'us' }]);
      });
      expect(await migrated.query('SELECT inference_geo, description, amount_cents::VARCHAR AS cents, currency FROM claude_costs')).toEqual([
        { inference_geo: 'us', description: 'line', cents: '12.500000000000', currency: 'USD' },
      ]);
    } finally {
      await migrated.close();
    }
  });

  it('migrates a version-1 warehouse to version 2 in one go: is_remote dropped, extra and new columns added, money widened, rows kept', async () => {
    const path = tmp.file('v1.duckdb');
    await raw(path, [
      ...version1Ddl(),
      `INSERT INTO claude_ingest_meta VALUES ('schema_version', '1')`,
      `INSERT INTO claude_costs (activity_date, description, currency, amount_cents, amount_usd, run_id, ingested_at)
         VALUES ('2025-01-01', 'line', 'USD', 123.123456789, 1.23123456789, 'r1', '2025-01-02 00:00:00')`,
      `INSERT INTO claude_code_productivity VALUES ('2025-01-01', 'user_actor', 'a@x.com', false, NULL, NULL, NULL, NULL,
         3, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '{}', 'r1', '2025-01-02 00:00:00')`,
    ]);
    const wh = await openDuckDbWarehouse(path);
    try {
      await wh.init();
      expect(await wh.query("SELECT value FROM claude_ingest_meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
      const cols = await wh.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE column_name IN ('is_remote', 'extra', 'amount_cents', 'amount_usd', 'scope_type', 'principal_id', 'estimated_cost_cents')
            AND table_name IN ('claude_costs', 'claude_code_productivity', 'claude_code_model_usage', 'claude_api_keys')
          ORDER BY 1, 2`,
      );
      expect(cols).toEqual([
        { table_name: 'claude_api_keys', column_name: 'extra', data_type: 'VARCHAR' },
        { table_name: 'claude_api_keys', column_name: 'principal_id', data_type: 'VARCHAR' },
        { table_name: 'claude_api_keys', column_name: 'scope_type', data_type: 'VARCHAR' },
        { table_name: 'claude_code_model_usage', column_name: 'estimated_cost_cents', data_type: 'DECIMAL(38,12)' },
        { table_name: 'claude_code_model_usage', column_name: 'extra', data_type: 'VARCHAR' },
        { table_name: 'claude_code_productivity', column_name: 'extra', data_type: 'VARCHAR' },
        { table_name: 'claude_costs', column_name: 'amount_cents', data_type: 'DECIMAL(38,12)' },
        { table_name: 'claude_costs', column_name: 'amount_usd', data_type: 'DECIMAL(38,14)' },
        { table_name: 'claude_costs', column_name: 'extra', data_type: 'VARCHAR' },
      ]);
      expect(await wh.query('SELECT amount_cents::VARCHAR AS c, amount_usd::VARCHAR AS u, extra FROM claude_costs')).toEqual([
        { c: '123.123456789000', u: '1.23123456789000', extra: null },
      ]);
      expect(await wh.query('SELECT actor_id, num_sessions FROM claude_code_productivity')).toEqual([{ actor_id: 'a@x.com', num_sessions: 3 }]);
      expect(await wh.query('SELECT COUNT(*) AS n FROM claude_organization')).toEqual([{ n: 0 }]);
    } finally {
      await wh.close();
    }
  });

  it('migrates a version-2 warehouse to version 3: ordinals number identical analytics rows, users are keyed by user_id, new columns added', async () => {
    const path = tmp.file('v2.duckdb');
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.close();
    const usage = (actorType: string | null, actorId: string | null, email: string | null, extra: string | null, out: number) =>
      `INSERT INTO claude_usage_by_actor BY NAME SELECT 'org_1' AS organization_id, DATE '2026-02-01' AS activity_date, TIMESTAMP '2026-02-01 00:00:00' AS bucket_start,
         ${actorType === null ? 'NULL' : `'${actorType}'`} AS actor_type, ${actorId === null ? 'NULL' : `'${actorId}'`} AS actor_id, ${email === null ? 'NULL' : `'${email}'`} AS actor_email,
         'messages_api' AS product, 'wrkspc_1' AS workspace_id, 'claude-opus-4' AS model, NULL AS api_key_id,
         1 AS uncached_input_tokens, 0 AS cache_read_input_tokens, 0 AS cache_creation_5m_input_tokens, 0 AS cache_creation_1h_input_tokens,
         ${out} AS output_tokens, 0 AS web_search_requests, 1 AS requests, ${out + 1} AS total_tokens, ${extra === null ? 'NULL' : `'${extra}'`} AS extra, 'r1' AS run_id, TIMESTAMP '2026-02-02 00:00:00' AS ingested_at`;
    await raw(path, [
      ...Object.entries(ADDED_IN_V3).flatMap(([t, cols]) => cols.map((c) => `ALTER TABLE ${t} DROP COLUMN ${c}`)),
      "UPDATE claude_ingest_meta SET value = '2' WHERE key = 'schema_version'",
      // Two identical null-actor rows (the API's hidden identities) and one user keyed by email, as version 2 stored them.
      usage(null, null, null, null, 5),
      usage(null, null, null, null, 7),
      usage('user_actor', 'ann@example.com', 'ann@example.com', '{"group":{"actor":{"user_id":"user_01ann"}}}', 11),
    ]);
    const migrated = await openDuckDbWarehouse(path);
    try {
      await migrated.init();
      expect(await migrated.query("SELECT value FROM claude_ingest_meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
      expect(await migrated.query('SELECT actor_id, actor_email, ordinal, output_tokens FROM claude_usage_by_actor ORDER BY output_tokens')).toEqual([
        { actor_id: null, actor_email: null, ordinal: 0, output_tokens: 5 },
        { actor_id: null, actor_email: null, ordinal: 1, output_tokens: 7 },
        { actor_id: 'user_01ann', actor_email: 'ann@example.com', ordinal: 0, output_tokens: 11 },
      ]);
      const cols = await migrated.query(
        `SELECT table_name, column_name FROM information_schema.columns WHERE column_name IN ('ordinal', 'customer_type', 'data_refreshed_at') ORDER BY 1, 2`,
      );
      expect(cols).toEqual([
        { table_name: 'claude_code_model_usage', column_name: 'customer_type' },
        { table_name: 'claude_code_productivity', column_name: 'customer_type' },
        // claude_cost_allocation (issue 25) is derived, created whole; it names the allocated row's ordinal.
        { table_name: 'claude_cost_allocation', column_name: 'ordinal' },
        { table_name: 'claude_cost_by_actor', column_name: 'ordinal' },
        { table_name: 'claude_cost_by_key', column_name: 'ordinal' },
        // A table new since version 2 (claude_cost_hourly, issue 27) is created whole, its ordinal with it.
        { table_name: 'claude_cost_hourly', column_name: 'ordinal' },
        { table_name: 'claude_usage_by_actor', column_name: 'ordinal' },
        { table_name: 'ingest_windows', column_name: 'data_refreshed_at' },
      ]);
    } finally {
      await migrated.close();
    }
  });

  it('leaves a version-1 warehouse untouched when its migration fails halfway', async () => {
    const path = tmp.file('v1-fail.duckdb');
    // A required column version 2 declares is missing: the migration refuses after dropping is_remote,
    // and the rollback must bring is_remote back.
    await raw(path, [...version1Ddl(), `INSERT INTO claude_ingest_meta VALUES ('schema_version', '1')`, 'ALTER TABLE claude_costs DROP COLUMN currency']);
    const wh = await openDuckDbWarehouse(path);
    try {
      await expect(wh.init()).rejects.toThrow(/cannot migrate claude_costs: it lacks the required column currency/);
    } finally {
      await wh.close();
    }
    expect(await raw(path, ["SELECT value FROM claude_ingest_meta WHERE key = 'schema_version'"])).toEqual([['1']]);
    expect(await raw(path, ["SELECT COUNT(*) FROM information_schema.columns WHERE column_name = 'is_remote'"])).toEqual([['2']]);
  });

  it('refuses a DuckDB file that is not a claude-ingest warehouse', async () => {
    const path = tmp.file('foreign.duckdb');
    await raw(path, ['CREATE TABLE sales (id INTEGER)', 'INSERT INTO sales VALUES (1)']);
    const wh = await openDuckDbWarehouse(path);
    try {
      await expect(wh.init()).rejects.toThrow(WarehouseSchemaError);
      await expect(wh.init()).rejects.toThrow(/foreign\.duckdb is not a claude-ingest warehouse \(it has other tables: sales\)/);
    } finally {
      await wh.close();
    }
    // Nothing was created in it.
    expect(await raw(path, ["SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'claude%'"])).toEqual([['0']]);
  });

  it('refuses a file that is not a DuckDB database with a clear line', async () => {
    const path = tmp.file('garbage.duckdb');
    writeFileSync(path, 'this is not a database\n'.repeat(500));
    const err = await openDuckDbWarehouse(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as Error).message).toBe(
      `${path} is not a DuckDB database (or is damaged): point --warehouse at a .duckdb file claude-ingest created, or at a new path`,
    );
  });

  it('reports an unwritable path', async () => {
    const missingDir = join(tmp.dir, 'no', 'such', 'dir', 'w.duckdb');
    await expect(openDuckDbWarehouse(missingDir)).rejects.toThrow(
      new RegExp(`^cannot create the warehouse at ${missingDir}: .*No such file or directory.*; check the path or pass --warehouse$`),
    );
    if (process.getuid?.() !== 0) {
      const locked = join(tmp.dir, 'readonly-dir');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      await expect(openDuckDbWarehouse(join(locked, 'w.duckdb'))).rejects.toThrow(/^cannot create the warehouse at .*check the path/);
    }
  });

  it('read-only mode reads, refuses writes, and needs an existing warehouse', async () => {
    const path = tmp.file('ro.duckdb');
    await expect(openDuckDbWarehouse(path, { readOnly: true })).rejects.toThrow(
      `there is no warehouse at ${path}: run an ingest first or check --warehouse`,
    );
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.recordWindow(ledger());
    await wh.close();

    const ro = await openDuckDbWarehouse(path, { readOnly: true });
    try {
      await ro.init();
      expect(await ro.listWindows()).toHaveLength(1);
      await expect(ro.recordWindow(ledger())).rejects.toThrow(/open read-only/);
      await expect(openDuckDbWarehouse(path)).rejects.toThrow(WarehouseLockedError);
    } finally {
      await ro.close();
    }
  });

  it('a reader of a warehouse that lacks a table added within its schema version is refused with one line; the next write-open adds it', async () => {
    const path = tmp.file('added-table.duckdb');
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.recordWindow(ledger());
    await wh.close();
    // As a build before claude_cost_allocation left it: same schema version, one table fewer.
    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    await conn.run('DROP VIEW IF EXISTS claude_focus_costs');
    await conn.run('DROP TABLE claude_cost_allocation');
    conn.closeSync();
    db.closeSync();

    const ro = await openDuckDbWarehouse(path, { readOnly: true });
    try {
      await expect(ro.init()).rejects.toThrow(
        new WarehouseSchemaError(`${path} lacks tables this claude-ingest reads (claude_cost_allocation): run an ingest command (e.g. claude-ingest run) or claude-ingest allocate once to add them`),
      );
    } finally {
      await ro.close();
    }
    const writer = await openDuckDbWarehouse(path);
    await writer.init();
    await writer.close();
    const again = await openDuckDbWarehouse(path, { readOnly: true });
    try {
      await again.init();
      expect(await again.listWindows()).toHaveLength(1);
      expect(await again.query('SELECT COUNT(*) AS n FROM claude_cost_allocation')).toEqual([{ n: 0 }]);
    } finally {
      await again.close();
    }
  });

  it('a reader of a warehouse that lacks claude_cost_allocation_days (reader-optional) is not refused: it reads the lines meanwhile; the next write-open adds it', async () => {
    const path = tmp.file('no-kept-days.duckdb');
    const wh = await openDuckDbWarehouse(path);
    await wh.init();
    await wh.recordWindow(ledger());
    expect(wh.lacks('claude_cost_allocation_days')).toBe(false);
    await wh.close();
    // As a build before the kept days left it: same schema version, that table fewer.
    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    await conn.run('DROP TABLE claude_cost_allocation_days');
    conn.closeSync();
    db.closeSync();

    const ro = await openDuckDbWarehouse(path, { readOnly: true });
    try {
      await ro.init();
      expect(ro.lacks('claude_cost_allocation_days')).toBe(true);
      expect(ro.lacks('claude_cost_allocation_lines')).toBe(false);
      expect(await ro.listWindows()).toHaveLength(1);
    } finally {
      await ro.close();
    }
    const writer = await openDuckDbWarehouse(path);
    await writer.init();
    await writer.close();
    const again = await openDuckDbWarehouse(path, { readOnly: true });
    try {
      await again.init();
      expect(again.lacks('claude_cost_allocation_days')).toBe(false);
      expect(await again.query('SELECT COUNT(*) AS n FROM claude_cost_allocation_days')).toEqual([{ n: 0 }]);
    } finally {
      await again.close();
    }
  });
});
