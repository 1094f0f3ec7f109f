/** GET /v1/organizations/me: the organization an admin key belongs to (one key, one organization). */
import { ENDPOINTS } from './endpoints.js';
import { withRequestId } from './errors.js';
import { requestIdOf } from './http-client.js';
import type { JsonGetter } from './pagination.js';
import { organizationSchema, parseOrThrow, type Organization } from './schemas.js';
import type { RequestStats } from './types.js';

export async function fetchOrganization(client: JsonGetter, stats?: RequestStats): Promise<Organization> {
  const body = await client.getJson(ENDPOINTS.organization, {}, stats);
  return withRequestId(requestIdOf(body), () => parseOrThrow(organizationSchema, body, ENDPOINTS.organization));
}
