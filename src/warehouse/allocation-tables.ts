/**
 * The allocation the rules give each FOCUS usage row (issue 25), materialised so the FOCUS view can
 * carry the dimensions in Tags: derived from claude-ingest.yaml's allocation rules and the ingested
 * facts, never API data, and never a rewrite of an ingested row. Rebuilt wholesale per organization
 * and month by src/reports/allocation/materialise.ts (`claude-ingest allocate`, and the end of run and
 * backfill), kept apart from tables.ts like the analytics tables to ease merges. Beside it, the
 * engine's own lines summed per day and what reports group by (claude_cost_allocation_lines), so
 * `report --by team`, `chargeback` and /api/allocation answer with a GROUP BY instead of the engine;
 * and those lines summed once more per day and dimension values (claude_cost_allocation_days, about
 * 2,000 rows a year instead of a million), which answer `--by <dimensions>`, the dashboard's days and
 * every reader's currency check without reading the lines.
 */
import { activityDate, lineage } from './columns.js';
import type { TableSpec } from './table-spec.js';

export type AllocationTableName = 'claude_cost_allocation' | 'claude_cost_allocation_lines' | 'claude_cost_allocation_days';

const identity = <const N extends string>(name: N, doc: string) => ({ name, type: 'string', doc: `${doc} (the allocated row's; NULL where it has none).` }) as const;

export const ALLOCATION_TABLES = {
  claude_cost_allocation: {
    name: 'claude_cost_allocation',
    kind: 'fact',
    doc: 'Who pays each FOCUS usage row (claude_focus_costs): one row per part of a claude_cost_by_key row (source analytics) or of a claude_costs row on days only cost_report serves (source cost_report), with the allocation rules\' dimension values and the part\'s billed and list cost, apportioned in whole sub-cents so a row\'s parts add up to it exactly. Derived from the rules and the facts by claude-ingest allocate (and run/backfill with allocation: configured); the FOCUS view shows a row\'s parts only while row_amount_usd and row_list_amount_usd still equal the row\'s (a row ingested again since shows as it is until allocated again).',
    columns: [
      activityDate,
      { name: 'source', type: 'string', doc: 'analytics (a claude_cost_by_key row) or cost_report (a claude_costs row).', nullable: false },
      { name: 'bucket_start', type: 'timestamp', doc: 'The claude_cost_by_key row\'s bucket_start; NULL for cost_report rows.' },
      identity('workspace_id', 'Workspace'),
      identity('api_key_id', 'API key'),
      identity('model', 'Model'),
      identity('service_tier', 'Service tier'),
      identity('context_window', 'Context window'),
      identity('cost_type', 'Cost type'),
      identity('token_type', 'Token type'),
      { name: 'ordinal', type: 'int', doc: 'The claude_cost_by_key row\'s ordinal; NULL for cost_report rows.' },
      identity('description', 'claude_costs description'),
      identity('inference_geo', 'claude_costs inference_geo'),
      { name: 'part', type: 'int', doc: 'Which part of the row: 0, 1, … in the order of the dimension values.', nullable: false },
      { name: 'dimensions', type: 'json', doc: 'The part\'s dimension values as a JSON object in the order of allocation.dimensions, e.g. {"team":"Search","cost_center":"CC-104"}; the unallocated values where no rule matched.', nullable: false },
      { name: 'amount_cents', type: 'cents', doc: 'The part\'s billed cost in cents (the row\'s, apportioned by largest remainder in sub-cents).', nullable: false },
      { name: 'amount_usd', type: 'usd', doc: 'amount_cents / 100, exact.', nullable: false },
      { name: 'list_amount_cents', type: 'cents', doc: 'The part\'s list-price cost in cents, apportioned by the same weights (cost_report rows: the billed cost).', nullable: false },
      { name: 'list_amount_usd', type: 'usd', doc: 'list_amount_cents / 100, exact.', nullable: false },
      { name: 'quantity_micro', type: 'int', doc: 'The part\'s share of the row\'s usage quantity (tokens, or web searches) in millionths, apportioned by the same weights, so price × quantity still gives the part\'s cost; NULL where the row has no quantity.' },
      { name: 'row_amount_usd', type: 'usd', doc: 'The allocated row\'s billed cost when allocated: the view joins only while the row still has it.', nullable: false },
      { name: 'row_list_amount_usd', type: 'usd', doc: 'The allocated row\'s list cost when allocated (cost_report rows: the billed cost).', nullable: false },
      { name: 'rules_hash', type: 'string', doc: 'The allocation rules\' hash (as in chargeback headers): a change rebuilds the allocation.', nullable: false },
      { name: 'names_hash', type: 'string', doc: 'A hash of the key, workspace, user and service-account names the rules matched against: a rename rebuilds the allocation.', nullable: false },
      ...lineage,
    ],
    naturalKey: ['activity_date', 'source', 'bucket_start', 'workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'cost_type', 'token_type', 'ordinal', 'description', 'inference_geo', 'part'],
    clusterBy: ['api_key_id', 'workspace_id', 'model'],
  },
  claude_cost_allocation_lines: {
    name: 'claude_cost_allocation_lines',
    kind: 'fact',
    doc: 'The allocation engine\'s lines (who pays each cost fact: claude_cost_by_actor rows on Analytics API days, claude_costs rows on days only cost_report serves), summed exactly per day, dimension values and the columns allocation reports show, so report --by <dimension>, chargeback and the dashboard\'s allocation answer from it while it is current (same rules hash, same names, written after the facts: docs/allocation.md); configured fees are not in it (they are allocated when read). Derived by claude-ingest allocate with claude_cost_allocation.',
    columns: [
      activityDate,
      { name: 'source', type: 'string', doc: 'analytics (Analytics API facts) or cost_report (a day only cost_report serves).', nullable: false },
      { name: 'dimensions', type: 'string', doc: 'The dimension values as JSON object text in the order of allocation.dimensions (text, so both warehouses group by it); the unallocated values where no rule matched.', nullable: false },
      { name: 'rule', type: 'string', doc: 'The rule that allocated the lines; NULL: unallocated.' },
      { name: 'api_key', type: 'string', doc: 'The API key as reports show it (its name, else its id); NULL where there is none.' },
      { name: 'person', type: 'string', doc: 'The person as reports show it (email, service account name, a key alone by its name); NULL on cost_report days.' },
      { name: 'product', type: 'string', doc: 'The product as reports show it; NULL on cost_report days.' },
      { name: 'model', type: 'string', doc: 'Model.' },
      { name: 'workspace_id', type: 'string', doc: 'Workspace id (NULL: the default workspace).' },
      { name: 'workspace', type: 'string', doc: 'The workspace as reports show it (its name).' },
      { name: 'cost_type', type: 'string', doc: 'Cost type.' },
      { name: 'amount_cents', type: 'cents', doc: 'The lines\' billed cost in cents, exact (sub-cents as the engine apportioned them).', nullable: false },
      { name: 'list_amount_cents', type: 'cents', doc: 'The lines\' list-price cost in cents (cost_report days: the billed cost).', nullable: false },
      { name: 'rules_hash', type: 'string', doc: 'The allocation rules\' hash the lines were made with.', nullable: false },
      { name: 'names_hash', type: 'string', doc: 'A hash of the key, workspace, user and service-account names they were made with.', nullable: false },
      ...lineage,
    ],
    naturalKey: ['activity_date', 'source', 'dimensions', 'rule', 'api_key', 'person', 'product', 'model', 'workspace_id', 'workspace', 'cost_type'],
  },
  claude_cost_allocation_days: {
    name: 'claude_cost_allocation_days',
    kind: 'fact',
    doc: 'claude_cost_allocation_lines summed per day, source and dimension values, written with them (same window, same transaction), so report --by <dimensions>, the dashboard\'s allocation per day and the kept lines\' currency check read about 2,000 rows a year instead of the lines (docs/allocation.md). Derived by claude-ingest allocate; a file without it (made by an older build) is read from the lines until the next allocate or run adds it.',
    columns: [
      activityDate,
      { name: 'source', type: 'string', doc: 'analytics or cost_report, as in claude_cost_allocation_lines.', nullable: false },
      { name: 'dimensions', type: 'string', doc: 'The dimension values as JSON object text, as in claude_cost_allocation_lines.', nullable: false },
      { name: 'amount_cents', type: 'cents', doc: 'The day\'s kept lines\' billed cost for these values, exact.', nullable: false },
      { name: 'list_amount_cents', type: 'cents', doc: 'The day\'s kept lines\' list-price cost for these values, exact.', nullable: false },
      { name: 'line_count', type: 'int', doc: 'How many claude_cost_allocation_lines rows were summed into this row.', nullable: false },
      { name: 'rules_hash', type: 'string', doc: 'The allocation rules\' hash the lines were made with.', nullable: false },
      { name: 'names_hash', type: 'string', doc: 'A hash of the key, workspace, user and service-account names they were made with.', nullable: false },
      ...lineage,
    ],
    naturalKey: ['activity_date', 'source', 'dimensions'],
  },
} as const satisfies Record<AllocationTableName, TableSpec>;

/**
 * Derived tables added within a schema version that readers can do without: a read-only open of a
 * warehouse made before them is not refused (the next write-open creates them), and readers ask
 * Warehouse.lacks() and read what they are derived from instead.
 */
export const READER_OPTIONAL_TABLES: ReadonlySet<string> = new Set<AllocationTableName>(['claude_cost_allocation_days']);
