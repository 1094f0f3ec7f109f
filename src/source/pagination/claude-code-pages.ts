/** Claude Code pages (usage_report/claude_code): one UTC day, `page`/`next_page` cursors, flat records. */
import { canonicalJson } from '../../util/canonical-json.js';
import { ENDPOINTS } from '../endpoints.js';
import { withRequestId } from '../errors.js';
import { requestIdOf } from '../http-client.js';
import { parseResult } from '../fast-paths.js';
import { claudeCodeRecordSchema, parseOrThrow, reportEnvelopeSchema, type ClaudeCodeRecord } from '../schemas.js';
import type { RequestStats } from '../types.js';
import { MAX_CURSOR_RESTARTS, paginate, type JsonGetter } from './cursor-loop.js';

/** Claude Code records of one UTC day (`day` is YYYY-MM-DD), a page at a time. */
export function paginateClaudeCode(client: JsonGetter, day: string, stats?: RequestStats, limit = 1000): AsyncGenerator<ClaudeCodeRecord[]> {
  const path = ENDPOINTS.claudeCode;
  return paginate<ClaudeCodeRecord>(path, {
    cursorField: 'next_page',
    maxRestarts: MAX_CURSOR_RESTARTS,
    // The warehouse's natural key for a record: one per actor, day and customer_type (a person who
    // uses Claude Code both through the API and on a subscription has two records for the day).
    keyOf: (r) => JSON.stringify([r.date, canonicalJson(r.actor), r.customer_type ?? null]),
    async *readPage(page) {
      const raw = await client.getJson(path, { starting_at: day, limit, page }, stats);
      const requestId = requestIdOf(raw);
      const { body, items } = withRequestId(requestId, () => {
        const body = parseOrThrow(reportEnvelopeSchema, raw, path);
        return { body, items: body.data.map((r, i) => parseResult(claudeCodeRecordSchema, r, path, ['data', i])) };
      });
      yield { type: 'items', items };
      yield { type: 'end', hasMore: body.has_more, next: body.next_page, requestId };
    },
  });
}
