/**
 * A BigQuery dataset exactly as schema version 1 left it, for migration tests and the ZetaSQL check.
 */
import { tableResource } from '../../src/warehouse/bigquery/bigquery-sql.js';
import { REMOVED_COLUMNS, TABLES, type ColumnType, type TableName } from '../../src/warehouse/tables.js';
import { DATASET, PROJECT } from './harness.js';
import type { BigQueryStandIn } from './stand-in.js';

type Field = { name: string; type: string; mode?: string; description?: string };
const id = (t: string) => `${PROJECT}.${DATASET}.${t}`;

/** The tables schema version 1 had (history: it cannot change, unlike TABLES). */
export const V1_TABLES: readonly TableName[] = [
  'claude_costs',
  'claude_cost_daily_totals',
  'claude_usage_keys',
  'claude_usage_daily_totals',
  'claude_code_productivity',
  'claude_code_model_usage',
  'claude_api_keys',
  'claude_workspaces',
  'claude_users',
  'ingest_runs',
  'ingest_windows',
  'claude_ingest_meta',
  'alert_events',
];
/** Columns version 2 added (table.column or, for every table, column); everything else in TABLES is what version 1 had. */
const ADDED_IN_V2 = new Set(['extra', 'scope_type', 'scope_workspace_id', 'principal_type', 'principal_id', 'rounded_values', 'unknown_measures', 'ingest_runs.organization_name']);
/** The two version-1 tables that already had an organization_id; every other one got it later. */
const V1_ORGANIZATION_ID = new Set(['claude_code_productivity', 'alert_events']);
export const addedInV2 = (table: string, column: string) =>
  ADDED_IN_V2.has(column) || ADDED_IN_V2.has(`${table}.${column}`) || (column === 'organization_id' && !V1_ORGANIZATION_ID.has(table));

/** A stored cell of each type, as BigQuery's REST API renders it. */
const CELL: Record<ColumnType, (col: string, i: number) => string> = {
  date: (_c, i) => `2025-01-0${i + 1}`,
  timestamp: (_c, i) => String(Date.UTC(2025, 0, i + 1, 6) * 1000),
  string: (c, i) => `${c}-${i}`,
  int: (_c, i) => String(40 + i),
  bool: (_c, i) => String(i % 2 === 0),
  cents: (_c, i) => `12345.${i}00000001`,
  usd: (_c, i) => `123.45${i}00000001`,
  json: (c, i) => JSON.stringify({ [c]: i }),
};

/**
 * A dataset exactly as version 1 left it, derived from TABLES: the version-1 tables without the
 * columns version 2 added, is_remote (BOOL REQUIRED) after actor_id in both Claude Code tables, and
 * two rows in every table.
 */
export function seedVersion1Dataset(standIn: BigQueryStandIn): Map<string, Record<string, unknown>[]> {
  standIn.datasets.set(`${PROJECT}.${DATASET}`, { id: `${PROJECT}:${DATASET}`, datasetReference: { datasetId: DATASET }, location: 'US' });
  const removed = REMOVED_COLUMNS[2] ?? [];
  const seeded = new Map<string, Record<string, unknown>[]>();
  for (const name of V1_TABLES) {
    const def = TABLES[name];
    const res = JSON.parse(JSON.stringify(tableResource(def, PROJECT, DATASET))) as { schema: { fields: Field[] }; clustering?: { fields: string[] } };
    const fields: Field[] = [];
    for (const f of res.schema.fields) {
      if (addedInV2(name, f.name)) continue;
      fields.push(f);
      if (f.name === 'actor_id' && removed.some((r) => r.table === name)) {
        fields.push({ name: 'is_remote', type: 'BOOL', mode: 'REQUIRED', description: 'Remote or local record.' });
      }
    }
    res.schema.fields = fields;
    if (res.clustering) res.clustering.fields = res.clustering.fields.filter((c) => fields.some((f) => f.name === c));
    standIn.tables.set(id(name), { ...res, id: id(name) });
    const types = new Map(def.columns.map((c) => [c.name, c.type]));
    const rows = [0, 1].map((i) =>
      Object.fromEntries(fields.map((f) => [f.name, f.name === 'is_remote' ? String(i === 0) : CELL[types.get(f.name)!](f.name, i)])),
    );
    standIn.rows.set(id(name), rows);
    seeded.set(name, rows);
  }
  return seeded;
}
