/** Organisation lists (api_keys, workspaces, users): `after_id=<last_id>` until has_more is false. */
import type { z } from 'zod';
import { withRequestId } from '../errors.js';
import { requestIdOf } from '../http-client.js';
import { listPageSchema, parseOrThrow } from '../schemas.js';
import type { QueryParams, RequestStats } from '../types.js';
import { paginate, type JsonGetter } from './cursor-loop.js';

export function paginateList<T>(client: JsonGetter, path: string, query: QueryParams, itemSchema: z.ZodType<T>, stats?: RequestStats): AsyncGenerator<T[]> {
  const schema = listPageSchema(itemSchema);
  return paginate<T>(path, {
    cursorField: 'last_id',
    // These lists have no page cursor to expire.
    maxRestarts: 0,
    async *readPage(afterId) {
      const raw = await client.getJson(path, { ...query, limit: 1000, after_id: afterId }, stats);
      const requestId = requestIdOf(raw);
      const body = withRequestId(requestId, () => parseOrThrow(schema, raw, path));
      yield { type: 'items', items: body.data as T[] };
      // last_id is set on the final page too, so only has_more decides.
      yield { type: 'end', hasMore: body.has_more, next: body.last_id, requestId };
    },
  });
}
