/**
 * The limit endpoints (admin-api.md "Limits"; the public reference's OrganizationRateLimit,
 * WorkspaceRateLimit and SpendLimit). Identity and measures are required: a rate-limit entry's group
 * and its limiter values, a spend limit's id, amount and scope type. Everything else is optional and
 * loose, so a new group type, limiter type, period or scope type passes through and is kept.
 */
import { z } from 'zod';
import { nullableString } from './schema-fields.js';

/** `{data, next_page}` (no has_more): the limit endpoints' page. */
export const nextPageListSchema = z.looseObject({
  data: z.array(z.unknown()),
  next_page: nullableString,
});

const groupSchema = z.looseObject({
  type: z.string(),
  id: nullableString,
  display_name: nullableString,
});

const limiterValueSchema = z.looseObject({
  type: z.string(),
  value: z.number(),
  /** Workspace entries: the organization's value for the same limiter (null: none). */
  org_limit: z.number().nullable().optional(),
  source: z.looseObject({ type: z.string() }).nullable().optional(),
});

export const rateLimitItemSchema = z.looseObject({
  id: nullableString,
  group: groupSchema,
  models: z.array(z.string()).nullable().optional(),
  limits: z.array(limiterValueSchema),
});

export const workspaceRateLimitItemSchema = rateLimitItemSchema.extend({
  workspace_id: nullableString,
  rate_limit_id: nullableString,
});

export const spendLimitItemSchema = z.looseObject({
  id: z.string(),
  /** Integer cents as text; null = no cap at this scope. */
  amount: z.union([z.string().regex(/^\d+$/, 'expected integer cents as text'), z.null()]),
  currency: nullableString,
  is_enabled: z.boolean().nullable().optional(),
  period: nullableString,
  scope: z.looseObject({ type: z.string() }),
  created_at: nullableString,
  updated_at: nullableString,
});

export type RateLimitItem = z.output<typeof rateLimitItemSchema>;
export type WorkspaceRateLimitItem = z.output<typeof workspaceRateLimitItemSchema>;
export type SpendLimitItem = z.output<typeof spendLimitItemSchema>;
