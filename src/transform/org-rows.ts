/** Organization lists → name tables (latest snapshot). */
import type { Row } from '../warehouse/tables.js';
import type { Lineage } from './lineage.js';

type Loose = Record<string, unknown>;

const str = (v: unknown): string | null => (v == null ? null : String(v));

export function apiKeyRow(k: Loose, lineage: Lineage): Row {
  const createdBy = (k.created_by ?? null) as Loose | null;
  return {
    id: String(k.id),
    name: str(k.name),
    workspace_id: str(k.workspace_id),
    status: str(k.status),
    created_at: str(k.created_at),
    created_by_id: str(createdBy?.id),
    created_by_type: str(createdBy?.type),
    partial_key_hint: str(k.partial_key_hint),
    expires_at: str(k.expires_at),
    ...lineage,
  };
}

export function workspaceRow(w: Loose, lineage: Lineage): Row {
  return {
    id: String(w.id),
    name: str(w.name),
    display_color: str(w.display_color),
    created_at: str(w.created_at),
    archived_at: str(w.archived_at),
    ...lineage,
  };
}

export function userRow(u: Loose, lineage: Lineage): Row {
  return {
    id: String(u.id),
    email: str(u.email),
    name: str(u.name),
    role: str(u.role),
    added_at: str(u.added_at),
    ...lineage,
  };
}
