import type { z } from 'zod';
import { paginateList } from '../source/pagination.js';
import { apiKeyItemSchema, userItemSchema, workspaceItemSchema } from '../source/schemas.js';
import type { QueryParams } from '../source/types.js';
import type { Lineage } from '../transform/lineage.js';
import { apiKeyRow, userRow, workspaceRow } from '../transform/org-rows.js';
import type { Row, TableName } from '../warehouse/tables.js';
import type { StreamDef } from './stream.js';

interface ListRequest {
  endpoint: string;
  query: QueryParams;
  schema: z.ZodType<Record<string, unknown>>;
  table: TableName;
  toRow(item: Record<string, unknown>, lineage: Lineage): Row;
}

const lists: ListRequest[] = [
  // No status filter: every key, including archived and expired ones, so old usage still has a name.
  { endpoint: '/v1/organizations/api_keys', query: {}, schema: apiKeyItemSchema as z.ZodType<Record<string, unknown>>, table: 'claude_api_keys', toRow: apiKeyRow },
  { endpoint: '/v1/organizations/workspaces', query: { include_archived: true }, schema: workspaceItemSchema as z.ZodType<Record<string, unknown>>, table: 'claude_workspaces', toRow: workspaceRow },
  { endpoint: '/v1/organizations/users', query: {}, schema: userItemSchema as z.ZodType<Record<string, unknown>>, table: 'claude_users', toRow: userRow },
];

export const orgStream: StreamDef = {
  name: 'org',
  summary: 'api_keys, workspaces (incl. archived), users → claude_api_keys, claude_workspaces, claude_users (latest snapshot)',
  writeMode: 'replace-all',
  windowDays: () => 1,
  tables: lists.map((l) => l.table),
  async fetchWindow(_window, ctx, sink) {
    let rows = 0;
    for (const list of lists) {
      for await (const items of paginateList(ctx.client, list.endpoint, list.query, list.schema, ctx.stats)) {
        const batch = items.map((item) => list.toRow(item, ctx.lineage));
        if (batch.length > 0) await sink.append(list.table, batch);
        rows += batch.length;
      }
    }
    return { rows, centsTotal: null };
  },
};
