/**
 * The limit endpoints (rate_limits, spend_limits): `page=<next_page>` until next_page is null, no
 * has_more. Without `limit` the API answers everything in one page; a limit is sent anyway so a long
 * list cannot come back as one unbounded body.
 */
import type { z } from 'zod';
import { nextPageListSchema } from '../limit-schemas.js';
import { parseOrThrow } from '../schemas.js';
import type { QueryParams, RequestStats } from '../types.js';
import { paginate, type JsonGetter } from './cursor-loop.js';

export const NEXT_PAGE_LIMIT = 1000;

export function paginateNextPage<T>(client: JsonGetter, path: string, query: QueryParams, itemSchema: z.ZodType<T>, stats?: RequestStats): AsyncGenerator<T[]> {
  return paginate<T>(path, {
    cursorField: 'next_page',
    maxRestarts: 0,
    async *readPage(page) {
      const body = parseOrThrow(nextPageListSchema, await client.getJson(path, { limit: NEXT_PAGE_LIMIT, ...query, page }, stats), path);
      yield { type: 'items', items: body.data.map((item, i) => parseOrThrow(itemSchema, item, path, ['data', i])) };
      yield { type: 'end', hasMore: body.next_page !== null, next: body.next_page };
    },
  });
}
