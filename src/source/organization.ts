/** GET /v1/organizations/me: the organization an admin key belongs to (one key, one organization). */
import { ENDPOINTS } from './endpoints.js';
import type { JsonGetter } from './pagination.js';
import { organizationSchema, parseOrThrow, type Organization } from './schemas.js';
import type { RequestStats } from './types.js';

export async function fetchOrganization(client: JsonGetter, stats?: RequestStats): Promise<Organization> {
  return parseOrThrow(organizationSchema, await client.getJson(ENDPOINTS.organization, {}, stats), ENDPOINTS.organization);
}
