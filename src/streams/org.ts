import type { z } from 'zod';
import { ENDPOINTS } from '../source/endpoints.js';
import { fetchOrganization } from '../source/organization.js';
import { paginateList } from '../source/pagination.js';
import { apiKeyItemSchema, namedItemSchema, userItemSchema, workspaceItemSchema } from '../source/schemas.js';
import { isUnavailableAnswer } from './analytics-unavailable.js';
import type { QueryParams } from '../source/types.js';
import type { Lineage } from '../transform/lineage.js';
import { apiKeyRow, namedRow, organizationRow, userRow, workspaceRow } from '../transform/org-rows.js';
import type { RowOf, TableName } from '../warehouse/tables.js';
import type { StreamDef } from './stream.js';

interface ListRequest<T, N extends TableName = TableName> {
  endpoint: string;
  query: QueryParams;
  schema: z.ZodType<T>;
  table: N;
  toRow(item: T, lineage: Lineage): RowOf<N>;
  /**
   * The list only gives names (service accounts, RBAC groups) and is not offered everywhere: a 403,
   * 404 or not-eligible answer leaves its table empty instead of failing the snapshot.
   */
  optional?: boolean;
}

const list = <T, N extends TableName>(l: ListRequest<T, N>) => l as ListRequest<unknown>;

const lists: ListRequest<unknown>[] = [
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
  async fetchWindow(_window, ctx, sink) {
    let rows = 0;
    // Read once per run by the job; read again only if that failed, so a snapshot is never replaced by nothing.
    const organization = ctx.organization ?? (await fetchOrganization(ctx.client, ctx.stats));
    await sink.append('claude_organization', [organizationRow(organization, ctx.lineage)]);
    rows++;
    for (const l of lists) {
      let listed = 0;
      try {
        for await (const items of paginateList(ctx.client, l.endpoint, l.query, l.schema, ctx.stats)) {
          const batch = items.map((item) => l.toRow(item, ctx.lineage));
          if (batch.length > 0) await sink.append(l.table, batch);
          listed += batch.length;
        }
      } catch (err) {
        // Only a refusal before anything of the list arrived: a list cut short still fails the snapshot.
        if (!l.optional || listed > 0 || !isUnavailableAnswer(err)) throw err;
      }
      rows += listed;
    }
    return { rows, centsTotal: null };
  },
};
