/**
 * The organizations a warehouse holds, for the commands that read across them (status, validate,
 * report, export): every organization a window was written for, named from claude_organization
 * (else the name its latest run read), and `--org NAME|ID` resolved against them. Read commands
 * never call the API, so a name here is the organization's name as the API reports it, not the
 * `name:` of claude-ingest.yaml (ingest commands take those).
 */
import { InputError } from '../util/errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface WarehouseOrganization {
  /** null: rows from before organization ids that no run has attributed yet. */
  id: string | null;
  name: string | null;
}

/** "Production (org_…)", the id alone when there is no name, or what null means. */
export function organizationLabel(o: WarehouseOrganization): string {
  if (o.id === null) return 'rows without an organization';
  return o.name ? `${o.name} (${o.id})` : o.id;
}

/** Every organization the ledger or the organization snapshot knows, by name then id; the unattributed last. */
export async function warehouseOrganizations(wh: Warehouse): Promise<WarehouseOrganization[]> {
  const d = wh.dialect;
  const i = (n: string) => d.ident(n);
  const ids = await wh.query(`SELECT DISTINCT ${i('organization_id')} AS ${i('id')} FROM ${d.table('ingest_windows')}`);
  const snapshot = await wh.query(`SELECT ${i('id')} AS ${i('id')}, MAX(${i('name')}) AS ${i('name')} FROM ${d.table('claude_organization')} GROUP BY 1`);
  const runs = await wh.query(
    `SELECT ${i('organization_id')} AS ${i('id')}, MAX(${i('organization_name')}) AS ${i('name')} FROM ${d.table('ingest_runs')} WHERE ${i('organization_id')} IS NOT NULL GROUP BY 1`,
  );
  const names = new Map<string, string | null>();
  for (const r of runs) names.set(String(r.id), r.name === null ? null : String(r.name));
  // The snapshot is refreshed by every run's org stream: its name wins over an older run's.
  for (const r of snapshot) names.set(String(r.id), r.name === null ? (names.get(String(r.id)) ?? null) : String(r.name));
  const known = new Set<string>(names.keys());
  let unattributed = false;
  for (const r of ids) {
    if (r.id === null) unattributed = true;
    else known.add(String(r.id));
  }
  const out: WarehouseOrganization[] = [...known].map((id) => ({ id, name: names.get(id) ?? null }));
  out.sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.id!.localeCompare(b.id!));
  if (unattributed) out.push({ id: null, name: null });
  return out;
}

/**
 * `--org NAME|ID` against the warehouse's organizations: an id, else a name (exact, then ignoring
 * case). Absent: every organization.
 */
export async function selectWarehouseOrganizations(wh: Warehouse, wanted: string | undefined): Promise<WarehouseOrganization[]> {
  const all = await warehouseOrganizations(wh);
  if (wanted === undefined) return all;
  const named = all.filter((o) => o.id !== null);
  const match =
    named.filter((o) => o.id === wanted).at(0) ??
    named.filter((o) => o.name === wanted).at(0) ??
    named.filter((o) => o.name !== null && o.name.toLowerCase() === wanted.toLowerCase()).at(0);
  if (match) return [match];
  const held = named.map(organizationLabel);
  throw new InputError(
    `--org ${wanted} matches no organization in ${wh.location}${held.length > 0 ? ` (it holds: ${held.join(', ')})` : ' (it holds none yet)'}: use an organization id or its name as the API reports it`,
  );
}

/** The ids to filter reports on: undefined for every organization. */
export function organizationIdsOf(selected: WarehouseOrganization[] | undefined): string[] | undefined {
  if (!selected) return undefined;
  return selected.map((o) => o.id).filter((id): id is string => id !== null);
}
