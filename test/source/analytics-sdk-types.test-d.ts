/**
 * Contract check at the type level (run by `npm run typecheck`, not by vitest): what our zod schemas
 * output for an analytics row must be assignable to the official SDK's item types, so a renamed,
 * removed or retyped field in @anthropic-ai/sdk is a compile error here. Two deliberate widenings,
 * both from the schema policy (src/source/schemas.ts): enum-like fields are plain strings (new values
 * are kept, not rejected), and the actor is any object with a `type` (unknown actor types are kept).
 */
import type { BetaAnalyticsCostItem } from '@anthropic-ai/sdk/resources/beta/organization/analytics/cost.js';
import type { BetaAnalyticsUsageItem } from '@anthropic-ai/sdk/resources/beta/organization/analytics/usage.js';
import type { AnalyticsCostRow, AnalyticsUsageRow } from '../../src/source/analytics-schemas.js';

/** String literal unions become string, the actor union becomes "an object with a type"; the rest is kept field by field. */
type Widen<T> = T extends string
  ? string
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer E)[]
      ? Widen<E>[]
      : { [K in keyof T]: K extends 'actor' ? { type: string } | null : Widen<T[K]> };

type Assignable<From, To> = [From] extends [To] ? true : false;
const expectTrue = <T extends true>(value: T): T => value;

// Our outputs are accepted wherever the SDK's (widened) items are.
expectTrue<Assignable<AnalyticsCostRow, Widen<BetaAnalyticsCostItem>>>(true);
expectTrue<Assignable<AnalyticsUsageRow, Widen<BetaAnalyticsUsageItem>>>(true);
// And every item the SDK describes fits what our schemas produce (no field we require is optional there).
expectTrue<Assignable<Widen<BetaAnalyticsCostItem>['cost'], Pick<AnalyticsCostRow['cost'], 'amount' | 'list_amount' | 'currency' | 'requests'>>>(true);
expectTrue<Assignable<Widen<BetaAnalyticsUsageItem>['usage'], AnalyticsUsageRow['usage']>>(true);
