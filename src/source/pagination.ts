/**
 * The pagination styles of the Admin API, one cursor strategy each, all driven by the one loop in
 * pagination/cursor-loop.ts. Each yields as it reads so callers can stream into the warehouse.
 */
export { MAX_CURSOR_RESTARTS, paginate, type CursorStrategy, type JsonGetter, type JsonStreamer, type PageEvent } from './pagination/cursor-loop.js';
export { paginateReportBuckets } from './pagination/report-buckets.js';
export { paginateClaudeCode } from './pagination/claude-code-pages.js';
export { paginateList } from './pagination/after-id-list.js';
export { ANALYTICS_PAGE_LIMIT, analyticsRowKey, paginateAnalyticsRows } from './pagination/analytics-rows.js';
export { paginateNextPage } from './pagination/next-page-list.js';
