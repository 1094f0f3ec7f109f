/**
 * parseResult's in-place fast paths for cost and usage results and Analytics API rows must agree with the zod schemas they
 * stand in for: same output when zod accepts, a ResponseShapeError at the same field when it does not.
 */
import { describe, expect, it } from 'vitest';
import { ResponseShapeError } from '../../src/source/errors.js';
import type { z } from 'zod';
import { analyticsCostRowSchema, analyticsUsageRowSchema } from '../../src/source/analytics-schemas.js';
import { parseResult } from '../../src/source/fast-paths.js';
import { claudeCodeRecordSchema, costResultSchema, usageResultSchema } from '../../src/source/schemas.js';

const cost = () => ({
  amount: '123.78912',
  currency: 'USD',
  workspace_id: 'wrkspc_1',
  description: 'Claude Sonnet 4 Usage - Input Tokens',
  cost_type: 'tokens',
  model: 'claude-sonnet-4',
  service_tier: 'standard',
  token_type: 'uncached_input_tokens',
  context_window: '0-200k',
  inference_geo: 'global',
});

const usage = () => ({
  uncached_input_tokens: 10,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 2 },
  output_tokens: 3,
  server_tool_use: { web_search_requests: 4 },
  api_key_id: 'apikey_1',
  workspace_id: null,
  model: 'claude-opus-4',
  service_tier: 'priority_on_demand',
  context_window: '0-200k',
  inference_geo: 'us',
  account_id: null,
  service_account_id: null,
  speed: null,
});

const claudeCode = () => ({
  date: '2026-02-01T00:00:00Z',
  actor: { type: 'user_actor', email_address: 'dev@example.com' },
  organization_id: 'org_1',
  customer_type: 'api',
  terminal_type: 'vscode',
  core_metrics: { num_sessions: 3, lines_of_code: { added: 10, removed: 2 }, commits_by_claude_code: 1, pull_requests_by_claude_code: 0 },
  tool_actions: { edit_tool: { accepted: 4, rejected: 1 }, write_tool: { accepted: 2, rejected: 0 } },
  model_breakdown: [{ model: 'claude-opus-4', tokens: { input: 100, output: 50, cache_read: 10, cache_creation: 5 }, estimated_cost: { currency: 'USD', amount: 12.5 } }],
});

const bucket = () => ({ starting_at: '2026-02-01T00:00:00Z', ending_at: '2026-02-02T00:00:00Z' });
const analyticsCost = () => ({
  ...bucket(),
  group: { actor: { type: 'user_actor', email_address: 'a@example.com' }, product: 'claude_code', workspace_id: 'wrkspc_1', model: 'claude-opus-4', cost_type: 'tokens', token_type: null },
  cost: { amount: '12.5', list_amount: '15', currency: 'USD', requests: 3 },
});
const analyticsUsage = () => ({
  ...bucket(),
  group: { actor: { type: 'api_actor', api_key_name: 'ci' }, api_key_id: 'apikey_1', model: 'claude-sonnet-4', speed: null },
  usage: { uncached_input_tokens: 10, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 2 }, output_tokens: 3, server_tool_use: { web_search_requests: 4 }, requests: 2, total_tokens: 16 },
});

/** Values that break or bend each field: absent, null, wrong types, edge numbers, padding. */
const VARIANTS: unknown[] = [undefined, null, '', ' 1.5 ', '1.5', '-0.25', '1e3', 'abc', 0, -1, 1.5, 2 ** 53, 42, true, {}, [], { web_search_requests: null }, { web_search_requests: -1 }];

function paths(o: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) =>
    // Arrays too: their elements by index (model_breakdown[0].tokens.input …).
    v && typeof v === 'object' ? [[...prefix, k], ...paths(v as Record<string, unknown>, [...prefix, k])] : [[...prefix, k]],
  );
}

function withValue(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  let o: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
  return copy;
}

function agree(schema: z.ZodType, base: () => Record<string, unknown>) {
  let checked = 0;
  for (const path of paths(base())) {
    for (const value of VARIANTS) {
      const input = withValue(base(), path, value);
      const want = schema.safeParse(structuredClone(input));
      const where = ['data', 2, 'results', 7];
      if (want.success) {
        expect(parseResult(schema, input, '/x', where), `${path.join('.')} = ${JSON.stringify(value)}`).toEqual(want.data);
      } else {
        const err = (() => {
          try {
            parseResult(schema, input, '/x', where);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err, `${path.join('.')} = ${JSON.stringify(value)}`).toBeInstanceOf(ResponseShapeError);
        expect((err as ResponseShapeError).issuePath).toBe(`data[2].results[7]${want.error.issues[0]!.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`);
      }
      checked++;
    }
  }
  return checked;
}

describe('parseResult fast paths', () => {
  it('cost: same output as zod for every field set to every awkward value, same error path when zod refuses', () => {
    expect(agree(costResultSchema, cost)).toBeGreaterThan(150);
  });

  it('usage: same output as zod for every field set to every awkward value, same error path when zod refuses', () => {
    expect(agree(usageResultSchema, usage)).toBeGreaterThan(250);
  });

  it('Claude Code records: same output as zod, same error path', () => {
    expect(agree(claudeCodeRecordSchema, claudeCode)).toBeGreaterThan(400);
  });

  it('analytics/cost rows: same output as zod, same error path', () => {
    expect(agree(analyticsCostRowSchema, analyticsCost)).toBeGreaterThan(250);
  });

  it('analytics/usage rows: same output as zod, same error path', () => {
    expect(agree(analyticsUsageRowSchema, analyticsUsage)).toBeGreaterThan(300);
  });

  it('takes the fast path (the parsed JSON object itself, not a copy) for well-formed items', () => {
    for (const [schema, base] of [[costResultSchema, cost], [usageResultSchema, usage], [claudeCodeRecordSchema, claudeCode], [analyticsCostRowSchema, analyticsCost], [analyticsUsageRowSchema, analyticsUsage]] as const) {
      const input = base();
      expect(parseResult(schema, input, '/x', [])).toBe(input);
    }
  });

  it('an analytics row without a group, or with an actor of an unknown shape, matches zod', () => {
    for (const input of [
      { ...bucket(), cost: { amount: '1', list_amount: '1' } },
      { ...bucket(), group: null, cost: { amount: '1', list_amount: '1', currency: null } },
      { ...bucket(), group: { actor: { type: 'robot_actor', serial: 7 }, future_dimension: 'x' }, cost: { amount: '1', list_amount: '1', novel: 2 }, novel_top: true },
    ]) {
      expect(parseResult(analyticsCostRowSchema, structuredClone(input), '/x', [])).toEqual(analyticsCostRowSchema.parse(structuredClone(input)));
    }
  });

  it('keeps unknown fields and nulls absent grouping fields, like the schema', () => {
    const r = parseResult(usageResultSchema, { ...usage(), future_field: 1, server_tool_use: undefined, speed: undefined }, '/x', []);
    expect(r).toMatchObject({ future_field: 1, server_tool_use: { web_search_requests: 0 }, speed: null });
  });
});
