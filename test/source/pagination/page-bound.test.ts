/** The page bound of the one pagination loop: record pages by MAX_RECORD_PAGES, report buckets by their window. */
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_PAGES, paginate } from '../../../src/source/pagination/cursor-loop.js';
import { reportPageBound } from '../../../src/source/pagination/report-buckets.js';

describe('page bounds', () => {
  it('a record-paged chain with fresh cursors forever stops at MAX_RECORD_PAGES as "the API kept paging"', async () => {
    let pages = 0;
    const gen = paginate<number>('/v1/organizations/usage_report/claude_code', {
      cursorField: 'next_page',
      maxRestarts: 0,
      async *readPage() {
        pages++;
        yield { type: 'items', items: [pages] };
        yield { type: 'end', hasMore: true, next: `c${pages}` };
      },
    });
    let items = 0;
    await expect(
      (async () => {
        for await (const batch of gen) items += batch.length;
      })(),
    ).rejects.toThrow(`(at next_page: the API kept paging: has_more was still true after 10,000 pages, the most this window can need (at most 10,000 pages per window))`);
    expect(pages).toBe(MAX_RECORD_PAGES);
    expect(items).toBe(MAX_RECORD_PAGES);
  });

  it('report pages are bounded by the window’s buckets and page limit, with a margin', () => {
    const q = (from: string, to: string, width: string, limit?: number) => ({ starting_at: from, ending_at: to, bucket_width: width, ...(limit ? { limit } : {}) });
    expect(reportPageBound(q('2026-11-01T00:00:00Z', '2026-12-02T00:00:00Z', '1d', 31))).toEqual({
      pages: 4,
      reason: '31 buckets of 1d at 31 per page need 1; the margin allows twice that plus 2',
    });
    // A lower limit (e.g. after report_page_too_large) raises the bound with it.
    expect(reportPageBound(q('2026-11-01T00:00:00Z', '2026-12-02T00:00:00Z', '1d', 5))?.pages).toBe(2 * 7 + 2);
    // No limit: the API's default per width (1h: 24).
    expect(reportPageBound(q('2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z', '1h'))?.pages).toBe(2 * 7 + 2);
    expect(reportPageBound({})).toBeUndefined();
  });
});
