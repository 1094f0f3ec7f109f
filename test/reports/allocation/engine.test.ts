/** The allocation engine as a pure function: matching order, globs, effective dates, splits (exact), unallocated, cost_report days. */
import { describe, expect, it } from 'vitest';
import { apportion } from '../../../src/reports/allocation/apportion.js';
import { allocate, NOTE_COST_REPORT, NOTE_NO_BASIS, NOTE_NO_RULE } from '../../../src/reports/allocation/engine.js';
import type { AllocationFact } from '../../../src/reports/allocation/facts.js';
import { globRegExp, type AllocationRule, type AllocationRules } from '../../../src/reports/allocation/rules.js';
import { groupLines, totalOf, usdOf } from '../../../src/reports/allocation/summary.js';

const fact = (o: Partial<AllocationFact>): AllocationFact => ({
  day: '2026-10-01',
  organizationId: 'org_1',
  source: 'analytics',
  actorType: 'api_actor',
  actorId: 'apikey_1',
  userEmail: null,
  serviceAccountName: null,
  apiKeyId: 'apikey_1',
  apiKeyName: 'prod-search-eu',
  workspaceId: 'wrkspc_1',
  workspaceName: 'Production',
  product: 'messages_api',
  model: 'claude-sonnet-4-20250514',
  costType: 'tokens',
  billed: 100n,
  list: 120n,
  ...o,
});
const rules = (list: AllocationRule[], dimensions = ['team', 'cost_center']): AllocationRules => ({
  dimensions,
  rules: list,
  unallocated: Object.fromEntries(dimensions.map((d) => [d, d === 'team' ? 'Unallocated' : '-'])),
  hash: 'x',
});

describe('allocation rules', () => {
  it('globs: * and ? only, anchored, case-insensitive; everything else literal', () => {
    expect(globRegExp('prod-search-*').test('prod-search-eu')).toBe(true);
    expect(globRegExp('prod-search-*').test('xprod-search-eu')).toBe(false);
    expect(globRegExp('*@ML.example.com').test('ada@ml.example.com')).toBe(true);
    expect(globRegExp('*@ml.example.com').test('ada@mlxexample.com')).toBe(false);
    expect(globRegExp('key-?').test('key-1')).toBe(true);
    expect(globRegExp('key-?').test('key-12')).toBe(false);
    expect(globRegExp('a+b(c)').test('a+b(c)')).toBe(true);
  });

  it('the first matching rule wins; a rule matches by name or id; every match key must hold', () => {
    const r = rules([
      { name: 'search keys', match: { api_key: 'prod-search-*' }, set: { team: 'Search', cost_center: 'CC-104' } },
      { name: 'production', match: { workspace: 'Production' }, set: { team: 'Platform' } },
      { name: 'by id', match: { api_key: 'apikey_2', model: 'claude-opus-*' }, set: { team: 'Research' } },
    ]);
    const { lines, matched } = allocate(r, [
      fact({}),
      fact({ apiKeyId: 'apikey_2', apiKeyName: 'batch', model: 'claude-opus-4-1' }),
      fact({ apiKeyId: 'apikey_2', apiKeyName: 'batch', workspaceName: 'Sandbox', workspaceId: 'wrkspc_2' }),
      fact({ apiKeyId: 'apikey_3', apiKeyName: 'other', workspaceName: 'Sandbox', workspaceId: 'wrkspc_2' }),
    ]);
    expect(lines.map((l) => [l.rule, ...l.values])).toEqual([
      ['search keys', 'Search', 'CC-104'],
      ['production', 'Platform', '-'],
      [null, 'Unallocated', '-'],
      [null, 'Unallocated', '-'],
    ]);
    expect(lines[2]!.note).toBe(NOTE_NO_RULE);
    expect(matched).toEqual([1, 1, 0]);
  });

  it('users by email glob or user id, service accounts by name or id, products and cost types', () => {
    const r = rules([
      { name: 'ml code', match: { user: '*@ml.example.com', product: 'claude_code' }, set: { team: 'ML' } },
      { name: 'ada', match: { user: 'user_ada' }, set: { team: 'Search' } },
      { name: 'bots', match: { service_account: 'ci-*' }, set: { team: 'Platform' } },
      { name: 'web', match: { cost_type: 'web_search' }, set: { team: 'Research' } },
    ]);
    const u = (o: Partial<AllocationFact>) => fact({ actorType: 'user_actor', actorId: 'user_bob', userEmail: 'bob@ml.example.com', product: 'claude_code', ...o });
    const { lines } = allocate(r, [
      u({}),
      u({ product: 'chat' }),
      u({ actorId: 'user_ada', userEmail: 'ada@example.com' }),
      fact({ actorType: 'service_account_actor', actorId: 'svac_1', serviceAccountName: 'ci-runner' }),
      fact({ costType: 'web_search' }),
      // an api_actor is never a user, whatever its id looks like
      fact({ actorId: 'user_ada' }),
    ]);
    expect(lines.map((l) => l.values[0])).toEqual(['ML', 'Unallocated', 'Search', 'Platform', 'Research', 'Unallocated']);
  });

  it('effective dates: from inclusive, to exclusive; overlapping rules hand over on the day', () => {
    const r = rules([
      { name: 'old', match: { workspace: 'Production' }, set: { team: 'Old' }, to: '2026-10-02' },
      { name: 'new', match: { workspace: 'Production' }, set: { team: 'New' }, from: '2026-10-02' },
    ]);
    const { lines } = allocate(r, ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => fact({ day })));
    expect(lines.map((l) => l.values[0])).toEqual(['Old', 'New', 'New']);
  });

  it('cost_report days: only workspace, model and cost_type rules apply; the rest is unallocated and says why', () => {
    const r = rules([
      { name: 'keys', match: { api_key: '*' }, set: { team: 'Keys' } },
      { name: 'research', match: { workspace: 'Research' }, set: { team: 'Research' } },
    ]);
    const cr = (o: Partial<AllocationFact>) => fact({ source: 'cost_report', actorType: null, actorId: null, apiKeyId: null, apiKeyName: null, product: null, ...o });
    const { lines } = allocate(r, [cr({ workspaceName: 'Research' }), cr({ workspaceName: 'Production' })]);
    expect(lines.map((l) => [l.values[0], l.note])).toEqual([
      ['Research', null],
      ['Unallocated', NOTE_COST_REPORT],
    ]);
  });

  it('fixed-percentage splits: parts add up exactly, the remainder by largest remainder', () => {
    const r = rules([{ name: 'shared', match: { api_key: 'shared' }, set: { cost_center: 'CC-9' }, split: { by: 'team', percent: { A: 33.4, B: 33.3, C: 33.3 } } }]);
    const { lines } = allocate(r, [fact({ apiKeyName: 'shared', billed: 100_000_000_000_001n, list: 7n })]);
    expect(lines.map((l) => [l.values, l.billed, l.list])).toEqual([
      [['A', 'CC-9'], 33_400_000_000_001n, 3n],
      [['B', 'CC-9'], 33_300_000_000_000n, 2n],
      [['C', 'CC-9'], 33_300_000_000_000n, 2n],
    ]);
  });

  it('proportional splits follow the day\'s direct allocations of the split dimension; with none, unallocated', () => {
    const r = rules([
      { name: 'search', match: { api_key: 'search' }, set: { team: 'Search' } },
      { name: 'ml', match: { api_key: 'ml' }, set: { team: 'ML' } },
      { name: 'shared', match: { api_key: 'shared' }, set: {}, split: { by: 'team', proportional_to: 'billed' } },
    ]);
    const { lines } = allocate(r, [
      fact({ apiKeyName: 'shared', billed: 10n, list: 10n }),
      fact({ apiKeyName: 'search', billed: 300n, list: 0n }),
      fact({ apiKeyName: 'ml', billed: 100n, list: 0n }),
      fact({ day: '2026-10-02', apiKeyName: 'shared', billed: 5n, list: 5n }),
    ]);
    const shared = lines.filter((l) => l.fact.apiKeyName === 'shared');
    expect(shared.map((l) => [l.fact.day, l.values[0], l.billed, l.note])).toEqual([
      ['2026-10-01', 'ML', 3n, null],
      ['2026-10-01', 'Search', 7n, null],
      ['2026-10-02', 'Unallocated', 5n, NOTE_NO_BASIS],
    ]);
    const total = totalOf(lines);
    expect(total.billed).toBe(415n);
    expect(groupLines(r, lines, ['team']).map((g) => [g.keys[0], usdOf(g.billed)])).toEqual([
      ['Search', '0.00000000000307'],
      ['ML', '0.00000000000103'],
      ['Unallocated', '0.00000000000005'],
    ]);
  });

  it('apportion: exact for any weights and signs', () => {
    for (const [amount, weights] of [
      [1n, [1n, 1n, 1n]],
      [-10n, [1n, 2n]],
      [999_999_999_999_999_999n, [3n, 7n, 11n, 13n]],
      [0n, [5n]],
    ] as Array<[bigint, bigint[]]>) {
      const parts = apportion(amount, weights);
      expect(parts.reduce((a, p) => a + p, 0n)).toBe(amount);
      expect(parts).toHaveLength(weights.length);
    }
    expect(apportion(1n, [1n, 1n, 1n])).toEqual([1n, 0n, 0n]);
    expect(() => apportion(1n, [0n])).toThrow(RangeError);
  });
});
