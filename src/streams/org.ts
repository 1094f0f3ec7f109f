import type { z } from 'zod';
import { ENDPOINTS } from '../source/endpoints.js';
import { fetchOrganization } from '../source/organization.js';
import { paginateList } from '../source/pagination.js';
import { apiKeyItemSchema, namedItemSchema, userItemSchema, workspaceItemSchema } from '../source/schemas.js';
import { isUnavailableAnswer } from './analytics-unavailable.js';
import type { QueryParams } from '../source/types.js';
import { apiKeyRow, namedRow, organizationRow, userRow, workspaceRow } from '../transform/org-rows.js';
import type { RowOf, TableName } from '../warehouse/tables.js';
import type { TableBatch } from '../warehouse/window-writer.js';
import type { StreamContext, StreamDef } from './stream.js';

interface ListRequest<T, N extends TableName = TableName> {
  endpoint: string;
  query: QueryParams;
  schema: z.ZodType<T>;
  table: N;
  toRow(item: T): RowOf<N>;
  /**
   * The list only gives names (service accounts, RBAC groups) and is not offered everywhere: a 403,
   * 404 or not-eligible answer leaves its table empty instead of failing the snapshot.
   */
  optional?: boolean;
}

/** A list request with its item type closed over: the lists below differ in item and table. */
interface ListSource {
  table: TableName;
  batches(ctx: StreamContext): AsyncGenerator<TableBatch>;
}

const list = <T, N extends TableName>(l: ListRequest<T, N>): ListSource => ({ table: l.table, batches: (ctx) => listBatches(l, ctx) });

const lists: ListSource[] = [
  // No status filter: every key, including archived and expired ones, so old usage still has a name.
  list({ endpoint: ENDPOINTS.apiKeys, query: {}, schema: apiKeyItemSchema, table: 'claude_api_keys', toRow: apiKeyRow }),
  list({ endpoint: ENDPOINTS.workspaces, query: { include_archived: true }, schema: workspaceItemSchema, table: 'claude_workspaces', toRow: workspaceRow }),
  list({ endpoint: ENDPOINTS.users, query: {}, schema: userItemSchema, table: 'claude_users', toRow: userRow }),
  list({ endpoint: ENDPOINTS.serviceAccounts, query: {}, schema: namedItemSchema, table: 'claude_service_accounts', toRow: namedRow, optional: true }),
  list({ endpoint: ENDPOINTS.rbacGroups, query: {}, schema: namedItemSchema, table: 'claude_rbac_groups', toRow: namedRow, optional: true }),
];


export const orgStream: StreamDef = {
  name: 'org',
  summary:
    'organizations/me, api_keys, workspaces (incl. archived), users, service_accounts, rbac_groups → claude_organization, claude_api_keys, claude_workspaces, claude_users, claude_service_accounts, claude_rbac_groups (latest snapshot)',
  writeMode: 'replace-all',
  windowDays: () => 1,
  tables: ['claude_organization', ...lists.map((l) => l.table)],
  async *fetchWindow(_window, ctx) {
    // Read once per run by the job; read again only if that failed, so a snapshot is never replaced by nothing.
    const organization = ctx.organization ?? (await fetchOrganization(ctx.client, ctx.stats));
    yield { table: 'claude_organization', rows: [organizationRow(organization)] };
    for (const l of lists) yield* l.batches(ctx);
  },
};

async function* listBatches<T, N extends TableName>(l: ListRequest<T, N>, ctx: StreamContext): AsyncGenerator<TableBatch<N>> {
  let listed = 0;
  try {
    for await (const items of paginateList(ctx.client, l.endpoint, l.query, l.schema, ctx.stats)) {
      if (items.length === 0) continue;
      listed += items.length;
      yield { table: l.table, rows: items.map((item) => l.toRow(item)) };
    }
  } catch (err) {
    // Only a refusal before anything of the list arrived: a list cut short still fails the snapshot.
    if (!l.optional || listed > 0 || !isUnavailableAnswer(err)) throw err;
  }
}
