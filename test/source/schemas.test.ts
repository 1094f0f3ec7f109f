import { parseCents } from '../../src/util/money.js';
import { describe, expect, it } from 'vitest';
import {
  ResponseShapeError,
  apiKeyItemSchema,
  claudeCodeRecordSchema,
  costResultSchema,
  listPageSchema,
  parseOrThrow,
  reportPageSchema,
  usageResultSchema,
  userItemSchema,
  workspaceItemSchema,
} from '../../src/source/index.js';

const COST = '/v1/organizations/cost_report';

function shapeError(fn: () => unknown): ResponseShapeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ResponseShapeError);
    return e as ResponseShapeError;
  }
  throw new Error('expected a ResponseShapeError');
}

const usage = {
  uncached_input_tokens: 10,
  cache_read_input_tokens: 20,
  cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
  output_tokens: 5,
  server_tool_use: { web_search_requests: 2 },
  model: 'claude-sonnet-4-20250514',
};

const codeRecord = {
  date: '2025-06-01T00:00:00Z',
  actor: { type: 'user_actor', email_address: 'ada@example.com' },
  organization_id: 'org_1',
  customer_type: 'api',
  subscription_type: null,
  terminal_type: 'vscode',
  core_metrics: { num_sessions: 3, lines_of_code: { added: 120, removed: 7 }, commits_by_claude_code: 2, pull_requests_by_claude_code: 1 },
  tool_actions: { edit_tool: { accepted: 5, rejected: 1 }, brand_new_tool: { accepted: 1, rejected: 0 } },
  model_breakdown: [
    {
      model: 'claude-opus-4-20250514',
      tokens: { input: 100, output: 50, cache_read: 10, cache_creation: 5 },
      estimated_cost: { currency: 'USD', amount: 187.5 },
    },
  ],
};

describe('report pages', () => {
  const page = reportPageSchema(costResultSchema);

  it('requires data and has_more: a 200 without them is never "no spend"', () => {
    const missingHasMore = shapeError(() => parseOrThrow(page, { data: [], next_page: null }, COST));
    expect(missingHasMore.endpoint).toBe(COST);
    expect(missingHasMore.issuePath).toBe('has_more');
    expect(missingHasMore.message).toContain(COST);
    expect(missingHasMore.message).toContain('has_more');
    expect(missingHasMore.message).toContain('not "no spend"');
    expect(shapeError(() => parseOrThrow(page, { has_more: false }, COST)).issuePath).toBe('data');
    expect(shapeError(() => parseOrThrow(page, {}, COST)).issuePath).toBe('data');
    expect(shapeError(() => parseOrThrow(page, null, COST)).issuePath).toBe('(body)');
  });

  it('names the first offending field by its full path', () => {
    const body = {
      data: [{ starting_at: 'a', ending_at: 'b', results: [{ amount: '1.5', currency: 'USD' }, { amount: 'lots', currency: 'USD' }] }],
      has_more: false,
      next_page: null,
    };
    const err = shapeError(() => parseOrThrow(page, body, COST));
    expect(err.issuePath).toBe('data[0].results[1].amount');
    expect(err.message).toContain('expected a decimal string of cents');
  });

  it('treats a missing next_page as null', () => {
    expect(parseOrThrow(page, { data: [], has_more: false }, COST).next_page).toBeNull();
  });
});

describe('cost results', () => {
  it('keeps unknown fields and unknown enum values, and nulls absent grouping fields', () => {
    const r = costResultSchema.parse({
      amount: '123.78912',
      currency: 'USD',
      cost_type: 'quantum_compute',
      service_tier: 'hyperspeed',
      brand_new_field: { nested: true },
    });
    expect(r.amount).toBe('123.78912');
    expect(r.cost_type).toBe('quantum_compute');
    expect(r.service_tier).toBe('hyperspeed');
    expect(r.workspace_id).toBeNull();
    expect(r.description).toBeNull();
    expect(r['brand_new_field']).toEqual({ nested: true });
  });

  it('accepts a numeric amount, converted (by parseCents) without float noise', () => {
    expect(parseCents(costResultSchema.parse({ amount: 0.1, currency: 'USD' }).amount)).toBe('0.1');
    expect(parseCents(costResultSchema.parse({ amount: 1e-7, currency: 'USD' }).amount)).toBe('0.0000001');
    expect(parseCents(costResultSchema.parse({ amount: 0.1 + 0.2 }).amount)).toBe('0.3');
    expect(costResultSchema.safeParse({ amount: null, currency: 'USD' }).success).toBe(false);
    expect(costResultSchema.safeParse({ amount: '1e5', currency: 'USD' }).success).toBe(false);
  });
});

describe('usage results', () => {
  it('parses the documented fields and keeps unknown ones', () => {
    const r = usageResultSchema.parse({ ...usage, service_tier: 'flex_discount', new_metric: 9 });
    expect(r.cache_creation.ephemeral_1h_input_tokens).toBe(4);
    expect(r.server_tool_use.web_search_requests).toBe(2);
    expect(r.service_tier).toBe('flex_discount');
    expect(r.api_key_id).toBeNull();
    expect(r['new_metric']).toBe(9);
  });

  it('treats a missing or null server_tool_use as zero web searches', () => {
    const { server_tool_use: _omit, ...rest } = usage;
    expect(usageResultSchema.parse(rest).server_tool_use.web_search_requests).toBe(0);
    expect(usageResultSchema.parse({ ...rest, server_tool_use: null }).server_tool_use.web_search_requests).toBe(0);
  });

  it('requires token counts and the cache_creation object', () => {
    const { cache_creation: _c, ...noCache } = usage;
    expect(usageResultSchema.safeParse(noCache).success).toBe(false);
    const { output_tokens: _o, ...noOutput } = usage;
    expect(usageResultSchema.safeParse(noOutput).success).toBe(false);
    expect(usageResultSchema.safeParse({ ...usage, cache_creation_input_tokens: 5, cache_creation: undefined }).success).toBe(false);
    expect(usageResultSchema.safeParse({ ...usage, output_tokens: 1.5 }).success).toBe(false);
  });
});

describe('claude code records', () => {
  it('parses the documented record with an open tool map', () => {
    const r = claudeCodeRecordSchema.parse(codeRecord);
    expect(r.tool_actions['brand_new_tool']).toEqual({ accepted: 1, rejected: 0 });
    // A JSON number stays a number here; util/money.ts parseCents turns it into exact cents.
    expect(r.model_breakdown[0]!.estimated_cost!.amount).toBe(187.5);
    expect(r.actor).toEqual({ type: 'user_actor', email_address: 'ada@example.com' });
    expect(r.subscription_type).toBeNull();
  });

  it('needs no is_remote and no optional field: only the day, the actor and the measures', () => {
    const minimal = { date: codeRecord.date, actor: { type: 'federated_actor', subject: 's' }, core_metrics: codeRecord.core_metrics };
    const r = claudeCodeRecordSchema.parse(minimal);
    expect(r.tool_actions).toEqual({});
    expect(r.model_breakdown).toEqual([]);
    expect(r.customer_type).toBeNull();
    const { actor: _a, ...noActor } = codeRecord;
    expect(claudeCodeRecordSchema.safeParse(noActor).success).toBe(false);
    expect(claudeCodeRecordSchema.safeParse({ ...codeRecord, core_metrics: { ...codeRecord.core_metrics, num_sessions: -1 } }).success).toBe(false);
    expect(claudeCodeRecordSchema.safeParse({ ...codeRecord, model_breakdown: [{ model: 'm', tokens: { input: 'x' } }] }).success).toBe(false);
  });
});

describe('organisation lists', () => {
  it('parses api keys with a lenient created_by', () => {
    const page = listPageSchema(apiKeyItemSchema);
    const body = parseOrThrow(
      page,
      {
        data: [
          { id: 'apikey_1', type: 'api_key', name: 'prod', workspace_id: null, status: 'active', created_at: '2025-01-01T00:00:00Z', created_by: { id: 'user_1', type: 'user' }, partial_key_hint: 'sk-ant-api03-R2D...igAA', expires_at: null },
          { id: 'apikey_2', name: 'ci', status: 'brand_new_status', created_at: '2025-01-01T00:00:00Z', created_by: 'system' },
        ],
        has_more: false,
        first_id: 'apikey_1',
        last_id: 'apikey_2',
      },
      '/v1/organizations/api_keys',
    );
    expect(body.data[0]!.created_by).toEqual({ id: 'user_1', type: 'user' });
    expect(body.data[0]!['type']).toBe('api_key');
    expect(body.data[1]!.created_by).toBe('system');
    expect(body.data[1]!.status).toBe('brand_new_status');
    // Absent, not null: the 2026-10-21 key shape has no top-level workspace_id (apiKeyRow then reads scope).
    expect(body.data[1]!.workspace_id).toBeUndefined();
    expect(body.data[0]!.workspace_id).toBeNull();
  });

  it('parses workspaces and users', () => {
    expect(workspaceItemSchema.parse({ id: 'wrkspc_1', name: 'Research', display_color: '#fff', created_at: 'x', archived_at: null }).archived_at).toBeNull();
    expect(userItemSchema.parse({ id: 'user_1', email: 'a@b.c', name: 'A', role: 'brand_new_role', added_at: 'x' }).role).toBe('brand_new_role');
    expect(userItemSchema.safeParse({ email: 'a@b.c' }).success).toBe(false);
  });

  it('requires has_more on list pages', () => {
    const err = shapeError(() => parseOrThrow(listPageSchema(userItemSchema), { data: [] }, '/v1/organizations/users'));
    expect(err.issuePath).toBe('has_more');
  });
});
