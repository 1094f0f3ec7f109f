/**
 * The limit endpoints (rate_limits, spend_limits): `page=<next_page>` until next_page is null, no
 * has_more. No `limit` is sent: the API then answers everything in one page (its documented default;
 * its maximum `limit` is not documented, and a value above it would be a 400), and a next_page, if
 * one comes anyway, is still followed.
 */
import type { z } from 'zod';
import { nextPageListSchema } from '../limit-schemas.js';
import { withRequestId } from '../errors.js';
import { requestIdOf } from '../http-client.js';
import { parseOrThrow } from '../schemas.js';
import type { QueryParams, RequestStats } from '../types.js';
import { paginate, type JsonGetter } from './cursor-loop.js';

export function paginateNextPage<T>(client: JsonGetter, path: string, query: QueryParams, itemSchema: z.ZodType<T>, stats?: RequestStats): AsyncGenerator<T[]> {
  return paginate<T>(path, {
    cursorField: 'next_page',
    maxRestarts: 0,
    async *readPage(page) {
      const raw = await client.getJson(path, { ...query, page }, stats);
      const requestId = requestIdOf(raw);
      const { body, items } = withRequestId(requestId, () => {
        const body = parseOrThrow(nextPageListSchema, raw, path);
        return { body, items: body.data.map((item, i) => parseOrThrow(itemSchema, item, path, ['data', i])) };
      });
      yield { type: 'items', items };
      yield { type: 'end', hasMore: body.next_page !== null, next: body.next_page, requestId };
    },
  });
}
