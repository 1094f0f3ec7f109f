/** `--org NAME|ID` for the ingest commands: which of the configured organizations to read. */
import type { OrganizationKey } from '../config/organization-keys.js';
import { fetchOrganization } from '../source/organization.js';
import type { JsonGetter } from '../source/pagination.js';
import { InputError } from '../util/errors.js';

/**
 * `--org NAME|ID`: a configured name first; otherwise each key's organization is read
 * (GET /v1/organizations/me) and matched by id or by the API's name.
 */
export async function selectOrganizations(keys: OrganizationKey[], wanted: string | undefined, clientFor: (k: OrganizationKey) => JsonGetter): Promise<OrganizationKey[]> {
  if (wanted === undefined) return keys;
  const byName = keys.filter((k) => k.name === wanted);
  if (byName.length > 0) return byName;
  for (const k of keys) {
    const org = await fetchOrganization(clientFor(k)).catch(() => null);
    if (org && (org.id === wanted || org.name === wanted)) return [k];
  }
  const names = keys.map((k) => k.name).filter((n): n is string => n !== null);
  throw new InputError(`--org ${wanted} matches no configured organization${names.length > 0 ? ` (names: ${names.join(', ')})` : ''}: use a name from claude-ingest.yaml or an organization id`);
}
