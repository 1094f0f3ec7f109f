/**
 * Table-driven unit tests of every transform (API item → warehouse row), no emulator and no
 * warehouse: part of `npm run test:fast`, so a change to a transform gets feedback in seconds.
 */
import { describe, expect, it } from 'vitest';
import { analyticsCostRowSchema, analyticsUsageRowSchema } from '../../src/source/analytics-schemas.js';
import { costResultSchema, organizationSchema, usageResultSchema, userItemSchema, workspaceItemSchema } from '../../src/source/schemas.js';
import { costByActorRow, costByKeyRow, usageByActorRow } from '../../src/transform/analytics-rows.js';
import { costTotalRow } from '../../src/transform/cost-rows.js';
import { numericLeaves, unmappedFields, type FieldSpec } from '../../src/transform/extra.js';
import { bucketDay, bucketInstant } from '../../src/transform/bucket-times.js';
import { organizationRow, userRow, workspaceRow } from '../../src/transform/org-rows.js';
import { WindowTally } from '../../src/transform/tally.js';
import { usageRow, usageTotalRow } from '../../src/transform/usage-rows.js';
import { STAMPED_COLUMNS, TABLES, type TableName } from '../../src/warehouse/tables.js';
import { DateDataError } from '../../src/util/dates.js';


describe('bucket days and instants', () => {
  it.each([
    ['2025-01-01T00:00:00Z', '2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01T23:00:00Z', '2025-01-01', '2025-01-01T23:00:00.000Z'],
    ['2025-01-02T01:00:00+02:00', '2025-01-01', '2025-01-01T23:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', '2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s is day %s, instant %s', (start, day, instant) => {
    expect(bucketDay(start)).toBe(day);
    expect(bucketInstant(start)).toBe(instant);
  });

  it('refuses a start that is not a timestamp', () => {
    expect(() => bucketDay('yesterday')).toThrow(DateDataError);
  });
});

describe('extra fields', () => {
  it.each<[string, Record<string, unknown>, FieldSpec, unknown]>([
    ['nothing unmapped', { a: 1, b: 'x' }, { a: true, b: true }, null],
    ['nulls say nothing', { a: 1, c: null }, { a: true }, null],
    ['an unknown field', { a: 1, c: 2 }, { a: true }, { c: 2 }],
    ['an unknown nested field', { a: { x: 1, y: 2 } }, { a: { x: true } }, { a: { y: 2 } }],
    ['an object where a value was mapped', { a: 1, d: { e: [1] } }, { a: true }, { d: { e: [1] } }],
  ])('%s', (_name, value, spec, extra) => {
    expect(unmappedFields(value, spec)).toEqual(extra);
  });

  it.each([
    [{ a: 1, b: { c: 2.5, d: 'x' }, e: [3] }, [['a', 1], ['b.c', 2.5]]],
    [{ a: Number.NaN }, []],
    [{}, []],
  ])('numeric leaves of %j', (value, leaves) => {
    expect(numericLeaves(value)).toEqual(leaves);
  });
});

describe('cost and usage totals', () => {
  it.each([
    ['123.78912', '123.78912', '1.2378912'],
    ['0', '0', '0'],
    ['-1.5', '-1.5', '-0.015'],
  ])('cost total %j is %s cents, $%s', (amount, cents, usd) => {
    const row = costTotalRow('2025-03-01T00:00:00Z', costResultSchema.parse({ amount }), new WindowTally());
    expect(row).toMatchObject({ activity_date: '2025-03-01', currency: 'USD', amount_cents: cents, amount_usd: usd, extra: null });
  });

  it('cost total keeps unmapped fields', () => {
    const row = costTotalRow('2025-03-01T00:00:00Z', costResultSchema.parse({ amount: '1', currency: 'USD', novel: 7 }), new WindowTally());
    expect(JSON.parse(String(row.extra))).toEqual({ novel: 7 });
  });

  it.each([
    [{ uncached_input_tokens: 1, cache_read_input_tokens: 2, output_tokens: 3, cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 5 } }, 0],
    [{ uncached_input_tokens: 1, cache_read_input_tokens: 2, output_tokens: 3, cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 5 }, server_tool_use: { web_search_requests: 6 } }, 6],
  ])('usage total %#', (result, searches) => {
    const row = usageTotalRow('2025-03-01T05:00:00Z', usageResultSchema.parse(result));
    expect(row).toMatchObject({
      activity_date: '2025-03-01',
      bucket_start: '2025-03-01T05:00:00.000Z',
      uncached_input_tokens: 1,
      cache_read_input_tokens: 2,
      output_tokens: 3,
      cache_creation_5m_input_tokens: 4,
      cache_creation_1h_input_tokens: 5,
      web_search_requests: searches,
    });
  });
});

describe('organization lists', () => {
  it.each([
    [
      'workspace',
      () => workspaceRow(workspaceItemSchema.parse({ id: 'wrkspc_1', type: 'workspace', name: 'Prod', display_color: '#fff', created_at: '2025-01-01T00:00:00Z', archived_at: null })),
      { id: 'wrkspc_1', name: 'Prod', display_color: '#fff', archived_at: null, extra: null },
    ],
    [
      'user',
      () => userRow(userItemSchema.parse({ id: 'user_1', type: 'user', email: 'a@example.com', name: 'A', role: 'admin', added_at: '2025-01-01T00:00:00Z' })),
      { id: 'user_1', email: 'a@example.com', name: 'A', role: 'admin', extra: null },
    ],
    ['organization', () => organizationRow(organizationSchema.parse({ id: 'org_1', type: 'organization', name: 'Acme' })), { id: 'org_1', name: 'Acme', extra: null }],
    [
      'organization with an unknown field',
      () => organizationRow(organizationSchema.parse({ id: 'org_1', type: 'organization', name: 'Acme', plan: 'team' })),
      { id: 'org_1', extra: JSON.stringify({ plan: 'team' }) },
    ],
  ])('%s row', (_name, make, expected) => {
    expect(make()).toMatchObject({ ...expected });
  });
});

describe('Analytics API rows', () => {
  const cost = (c: Record<string, unknown>, group: Record<string, unknown> = {}) =>
    analyticsCostRowSchema.parse({ starting_at: '2026-02-01T00:00:00Z', ending_at: '2026-02-02T00:00:00Z', group, cost: c });

  it.each([
    ['12.5', '15', '12.5', '0.125', '15', '0.15'],
    ['0.000000000001', '0', '0.000000000001', '0.00000000000001', '0', '0'],
  ])('cost by key keeps %j cents (list %j) exactly', (amount, list, cents, usd, listCents, listUsd) => {
    const row = costByKeyRow(cost({ amount, list_amount: list, currency: 'USD' }, { api_key_id: 'key_1', model: 'm' }), new WindowTally());
    expect(row).toMatchObject({
      activity_date: '2026-02-01',
      api_key_id: 'key_1',
      model: 'm',
      amount_cents: cents,
      amount_usd: usd,
      list_amount_cents: listCents,
      list_amount_usd: listUsd,
    });
  });

  it('cost by actor and usage by actor take the day and the group', () => {
    const byActor = costByActorRow(cost({ amount: '3', list_amount: '3' }, { product: 'claude_code', workspace_id: 'w' }), new WindowTally());
    expect(byActor).toMatchObject({ activity_date: '2026-02-01', product: 'claude_code', workspace_id: 'w', amount_cents: '3', amount_usd: '0.03', currency: 'USD' });
    const usage = analyticsUsageRowSchema.parse({
      starting_at: '2026-02-01T00:00:00Z',
      ending_at: '2026-02-02T00:00:00Z',
      group: { model: 'm' },
      usage: { uncached_input_tokens: 1, cache_creation: { ephemeral_5m_input_tokens: 2, ephemeral_1h_input_tokens: 3 }, cache_read_input_tokens: 4, output_tokens: 5, requests: 6, total_tokens: 15 },
    });
    expect(usageByActorRow(usage, new WindowTally())).toMatchObject({
      activity_date: '2026-02-01',
      model: 'm',
      uncached_input_tokens: 1,
      cache_creation_5m_input_tokens: 2,
      cache_creation_1h_input_tokens: 3,
      cache_read_input_tokens: 4,
      output_tokens: 5,
      web_search_requests: 0,
      requests: 6,
      total_tokens: 15,
    });
  });
});

describe('every row has exactly its table\'s columns', () => {
  const usage = { uncached_input_tokens: 1, cache_read_input_tokens: 2, output_tokens: 3, cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 5 } };
  const at = { starting_at: '2026-02-01T00:00:00Z', ending_at: '2026-02-02T00:00:00Z' };
  const actor = { type: 'user_actor', email_address: 'a@example.com' };
  it.each<[TableName, () => object]>([
    ['claude_usage_keys', () => usageRow('2025-03-01T00:00:00Z', usageResultSchema.parse({ ...usage, api_key_id: 'k' }), new WindowTally())],
    ['claude_usage_daily_totals', () => usageTotalRow('2025-03-01T00:00:00Z', usageResultSchema.parse(usage))],
    ['claude_cost_by_key', () => costByKeyRow(analyticsCostRowSchema.parse({ ...at, group: {}, cost: { amount: '1', list_amount: '1' } }), new WindowTally())],
    ['claude_cost_by_actor', () => costByActorRow(analyticsCostRowSchema.parse({ ...at, group: { actor }, cost: { amount: '1', list_amount: '1' } }), new WindowTally())],
    ['claude_usage_by_actor', () => usageByActorRow(analyticsUsageRowSchema.parse({ ...at, group: { actor }, usage: { ...usage, total_tokens: 15 } }), new WindowTally())],
  ])('%s', (table, build) => {
    // Rows built by Object.assign from shared pieces: no column missing, none extra or misspelled.
    // The stamped columns (organization_id, run_id, ingested_at) are the window writer's, never a transform's.
    const declared = TABLES[table].columns.map((c) => c.name).filter((n) => !(STAMPED_COLUMNS as readonly string[]).includes(n));
    expect(Object.keys(build()).sort()).toEqual([...declared].sort());
  });
});
