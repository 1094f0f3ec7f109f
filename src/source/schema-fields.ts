/**
 * The field schemas both API families share (schemas.ts for the Admin API reports and lists,
 * analytics-schemas.ts for the Usage and Cost Analytics API), so "absent means null" and "a count is
 * a non-negative integer" are decided once.
 */
import { z } from 'zod';

/** Null when absent too: the API omits or nulls grouping fields it was not asked to group by. */
export const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
export const count = z.number().int().nonnegative();
export const nullableCount = count.nullish().transform((v) => v ?? null);
export const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Billed cents: a decimal string (parsed exactly in util/money.ts parseCents). */
export const decimalCents = z.string().trim().regex(DECIMAL, 'expected a decimal string of cents');

/** The token measures of usage_report/messages results and analytics/usage rows (transform/token-counts.ts maps them). */
export const tokenMeasures = {
  uncached_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: z.looseObject({
    ephemeral_5m_input_tokens: count,
    ephemeral_1h_input_tokens: count,
  }),
  output_tokens: count,
  // Absent on older data and for organisations without server tools: zero, unlike tokens.
  server_tool_use: z
    .looseObject({ web_search_requests: count.nullish().transform((v) => v ?? 0) })
    .nullish()
    .transform((v) => v ?? { web_search_requests: 0 }),
};
