/**
 * Name lists for identities the Analytics API attributes spend to beyond users and keys: service
 * accounts and RBAC groups (the org stream's snapshots). Kept apart from tables.ts like the
 * analytics tables; this module imports only types from there, so there is no import cycle.
 */
import { extra, lineage } from './columns.js';
import type { TableSpec } from './table-spec.js';

export type NameTableName = 'claude_service_accounts' | 'claude_rbac_groups';

export const NAME_TABLES = {
  claude_service_accounts: {
    name: 'claude_service_accounts',
    kind: 'snapshot',
    doc: 'Latest snapshot of the organization\'s service accounts (GET /v1/organizations/service_accounts), for the names of svac_… actors; empty where the API does not offer the list.',
    columns: [
      { name: 'id', type: 'string', doc: 'Service account id, as analytics actors carry it (service_account_id).', nullable: false },
      { name: 'name', type: 'string', doc: 'Display name.' },
      { name: 'created_at', type: 'timestamp', doc: 'Created.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
  claude_rbac_groups: {
    name: 'claude_rbac_groups',
    kind: 'snapshot',
    doc: 'Latest snapshot of the organization\'s RBAC groups (GET /v1/organizations/rbac_groups), for the names of rbac_group_id values; empty where the API does not offer the list.',
    columns: [
      { name: 'id', type: 'string', doc: 'RBAC group id.', nullable: false },
      { name: 'name', type: 'string', doc: 'Display name.' },
      { name: 'created_at', type: 'timestamp', doc: 'Created.' },
      extra,
      ...lineage,
    ],
    naturalKey: ['id'],
  },
} as const satisfies Record<NameTableName, TableSpec>;
