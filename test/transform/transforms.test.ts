import { describe, expect, it } from 'vitest';
import { claudeCodeRecordSchema, costResultSchema, usageResultSchema, apiKeyItemSchema } from '../../src/source/schemas.js';
import { actorIdentity } from '../../src/transform/actor.js';
import { claudeCodeRows } from '../../src/transform/claude-code-rows.js';
import { costRow } from '../../src/transform/cost-rows.js';
import { apiKeyRow } from '../../src/transform/org-rows.js';
import { WindowTally } from '../../src/transform/tally.js';
import { usageRow } from '../../src/transform/usage-rows.js';
import { bucketDay } from '../../src/transform/bucket-times.js';
import { MoneyError } from '../../src/util/money.js';
import { DateDataError } from '../../src/util/dates.js';

const DAY = '2025-01-01T00:00:00Z';
const cost = (r: Record<string, unknown>, tally = new WindowTally()) => costRow(DAY, costResultSchema.parse(r), tally);
const usage = (r: Record<string, unknown>, tally = new WindowTally()) => usageRow(DAY, usageResultSchema.parse(r), tally);
const code = (r: Record<string, unknown>, tally = new WindowTally()) => claudeCodeRows(claudeCodeRecordSchema.parse(r), tally);

const usageResult = {
  uncached_input_tokens: 10,
  cache_read_input_tokens: 20,
  output_tokens: 5,
  cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
};
const codeRecord = {
  date: '2025-08-08T00:00:00Z',
  actor: { type: 'user_actor', email_address: 'a@example.com' },
  core_metrics: { num_sessions: 2, lines_of_code: { added: 10, removed: 3 }, commits_by_claude_code: 1, pull_requests_by_claude_code: 0 },
};

describe('cost rows', () => {
  it.each([
    ['123.78912', '123.78912', '1.2378912'],
    ['0.000000001', '0.000000001', '0.00000000001'],
    ['0.000000000001', '0.000000000001', '0.00000000000001'],
    [' 42 ', '42', '0.42'],
    ['-3.5', '-3.5', '-0.035'],
  ])('keeps billed cents %j exactly (%s cents, $%s)', (amount, cents, usd) => {
    expect(cost({ amount, currency: 'USD' })).toMatchObject({ activity_date: '2025-01-01', amount_cents: cents, amount_usd: usd });
  });

  it.each([
    ['1.0000000000005', '1', 1], // half-even: the 5 rounds to the even neighbour
    ['1.0000000000015', '1.000000000002', 1],
    ['2.00000000000049', '2', 1],
    ['2.5', '2.5', 0],
  ])('rounds billed cents %j beyond 12 places half-even to %s and counts it (%d)', (amount, cents, counted) => {
    const tally = new WindowTally();
    expect(cost({ amount }, tally).amount_cents).toBe(cents);
    expect(tally.rounded).toBe(counted);
  });

  it('refuses what is not a number of cents or too large for the column', () => {
    expect(() => cost({ amount: 'abc' })).toThrow(/decimal string of cents/);
    expect(() => costRow(DAY, { amount: 'abc' } as never, new WindowTally())).toThrow(MoneyError);
    expect(() => cost({ amount: '1' + '0'.repeat(30) })).toThrow(/too large/);
  });

  it('makes currency and every grouping field optional, and keeps unmapped fields in extra', () => {
    const row = cost({ amount: '10', list_amount: '12.5', requests: 3, workspace_id: null });
    expect(row).toMatchObject({ currency: 'USD', workspace_id: null, model: null, description: null });
    expect(JSON.parse(String(row.extra))).toEqual({ list_amount: '12.5', requests: 3 });
    expect(cost({ amount: '10', currency: 'USD' }).extra).toBeNull();
  });
});

describe('usage rows', () => {
  it('flattens cache_creation and server tool use; absent web searches are 0', () => {
    const row = usage({ ...usageResult, server_tool_use: null, api_key_id: null, model: 'claude-x' });
    expect(row).toMatchObject({ cache_creation_5m_input_tokens: 3, cache_creation_1h_input_tokens: 4, web_search_requests: 0, api_key_id: null, bucket_start: '2025-01-01T00:00:00.000Z', extra: null });
  });

  it('keeps an unknown token bucket in extra and tallies it as an unknown measure of its day', () => {
    const tally = new WindowTally();
    usage({ ...usageResult, cache_creation: { ...usageResult.cache_creation, ephemeral_30m_input_tokens: 7 }, inference_geo: 'us' }, tally);
    const row = usage({ ...usageResult, cache_creation: { ...usageResult.cache_creation, ephemeral_30m_input_tokens: 5 } }, tally);
    expect(JSON.parse(String(row.extra))).toEqual({ cache_creation: { ephemeral_30m_input_tokens: 5 } });
    expect(JSON.parse(tally.unknownMeasuresJson()!)).toEqual({ '2025-01-01': { 'claude_usage_keys: cache_creation.ephemeral_30m_input_tokens': '12' } });
  });

  it('still requires the measures', () => {
    expect(() => usage({ ...usageResult, output_tokens: undefined })).toThrow();
    expect(() => usage({ ...usageResult, output_tokens: 'many' })).toThrow();
  });
});

describe('Claude Code rows', () => {
  it('gives one productivity row and one model row per breakdown entry, without is_remote', () => {
    const { productivity, models } = code({
      ...codeRecord,
      customer_type: 'api',
      terminal_type: 'iTerm.app',
      tool_actions: { edit_tool: { accepted: 4, rejected: 1 }, future_tool: { accepted: 2, rejected: 2 } },
      model_breakdown: [
        { model: 'm1', tokens: { input: 1, output: 2, cache_read: 3, cache_creation: 4 }, estimated_cost: { currency: 'USD', amount: 186 } },
        { model: 'm2', tokens: { input: 5, output: 6, cache_read: 7, cache_creation: 8 }, estimated_cost: { currency: 'USD', amount: 0.30000000000000004 } },
      ],
    });
    expect(Object.keys(productivity).some((k) => /cost|amount|usd|cents|remote/.test(k))).toBe(false);
    expect(productivity).toMatchObject({ actor_type: 'user_actor', actor_id: 'a@example.com', subscription_type: null, edit_tool_accepted: 4, write_tool_accepted: 0, lines_added: 10, extra: null });
    expect(JSON.parse(String(productivity.tool_actions))).toHaveProperty('future_tool');
    expect(models.map((m) => [m.model, m.estimated_cost_cents])).toEqual([['m1', '186'], ['m2', '0.3']]);
  });

  it('accepts a record without tool_actions, model_breakdown or any optional field', () => {
    const { productivity, models } = code(codeRecord);
    expect(productivity).toMatchObject({ customer_type: null, terminal_type: null, edit_tool_accepted: 0, tool_actions: '{}' });
    expect(models).toEqual([]);
  });

  it('keeps unknown record, core metric, actor and model fields in extra', () => {
    const { productivity, models } = code({
      ...codeRecord,
      ide_name: 'vscode',
      core_metrics: { ...codeRecord.core_metrics, future_metric: 1 },
      actor: { ...codeRecord.actor, display_name: 'A' },
      model_breakdown: [{ model: 'm', tokens: { input: 1, output: 2, cache_read: 3, cache_creation: 4, reasoning: 9 }, estimated_cost: null, speed: 'fast' }],
    });
    expect(JSON.parse(String(productivity.extra))).toEqual({ ide_name: 'vscode', core_metrics: { future_metric: 1 }, actor: { display_name: 'A' } });
    expect(JSON.parse(String(models[0]!.extra))).toEqual({ tokens: { reasoning: 9 }, speed: 'fast' });
    expect(models[0]!.estimated_cost_cents).toBeNull();
  });

  it('leaves organization_id to the window writer; a record naming another organization keeps its id in extra', () => {
    const tenant = 'org-tenant';
    const same = claudeCodeRows(claudeCodeRecordSchema.parse({ ...codeRecord, organization_id: tenant }), new WindowTally(), tenant).productivity;
    expect(same).toMatchObject({ extra: null });
    expect(same).not.toHaveProperty('organization_id');
    const other = claudeCodeRows(claudeCodeRecordSchema.parse({ ...codeRecord, organization_id: 'uuid-from-record' }), new WindowTally(), tenant).productivity;
    expect(other).not.toHaveProperty('organization_id');
    expect(JSON.parse(String(other.extra))).toEqual({ organization_id: 'uuid-from-record' });
  });

  it('fails a record without its identity or measures', () => {
    expect(() => code({ ...codeRecord, actor: undefined })).toThrow();
    expect(() => code({ ...codeRecord, date: undefined })).toThrow();
    expect(() => code({ ...codeRecord, core_metrics: { ...codeRecord.core_metrics, num_sessions: 'x' } })).toThrow();
  });
});

describe('actor identity', () => {
  it.each([
    [{ type: 'user_actor', email_address: 'a@x.com' }, 'user_actor', 'a@x.com'],
    [{ type: 'api_actor', api_key_name: 'ci-key' }, 'api_actor', 'ci-key'],
    [{ type: 'service_account_actor', service_account_id: 'svcacct_1' }, 'service_account_actor', 'svcacct_1'],
    [{ type: 'federated_actor', subject: 'arn:aws:iam::1:role/x', provider: { type: 'aws' } }, 'federated_actor', 'arn:aws:iam::1:role/x'],
    [{ type: 'user_actor', user_id: 'user_1', email_address: null }, 'user_actor', 'user_1'],
  ])('%j → %s / %s', (actor, type, id) => {
    expect(actorIdentity(actor)).toMatchObject({ actorType: type, actorId: id });
  });

  it('derives a stable id from the whole object for unknown shapes, and never merges distinct actors', () => {
    const a = actorIdentity({ type: 'robot_actor', robot: { id: 1, fleet: 'x' } });
    const sameReordered = actorIdentity({ robot: { fleet: 'x', id: 1 }, type: 'robot_actor' });
    const b = actorIdentity({ type: 'robot_actor', robot: { id: 2, fleet: 'x' } });
    const noSubject = actorIdentity({ type: 'federated_actor', subject: null, provider: { type: 'oidc', issuer: 'i' } });
    const otherNoSubject = actorIdentity({ type: 'federated_actor', subject: null, provider: { type: 'oidc', issuer: 'j' } });
    expect(a.actorId).toMatch(/^#[0-9a-f]{32}$/);
    expect(sameReordered.actorId).toBe(a.actorId);
    expect(new Set([a.actorId, b.actorId, noSubject.actorId, otherNoSubject.actorId]).size).toBe(4);
    expect(a.field).toBeNull();
  });

  it('stores an unknown actor shape with its type as sent and its fields in extra', () => {
    const { productivity } = code({ ...codeRecord, actor: { type: 'service_account_actor', service_account_id: 'svc_9', label: 'bot' } });
    expect(productivity).toMatchObject({ actor_type: 'service_account_actor', actor_id: 'svc_9' });
    expect(JSON.parse(String(productivity.extra))).toEqual({ actor: { label: 'bot' } });
  });
});

describe('API key rows', () => {
  const key = { id: 'apikey_1', name: 'k', workspace_id: null, status: 'active', created_at: '2025-01-01T00:00:00Z', created_by: { id: 'user_1', type: 'user' }, partial_key_hint: 'sk-ant-api03-abc...xyz', expires_at: null, type: 'api_key' };
  it('tells a principal-bound key with no workspace from a default-workspace key', () => {
    const bound = apiKeyRow(apiKeyItemSchema.parse({ ...key, scope: { type: 'organization' }, principal: { type: 'service_account_actor', service_account_id: 'svcacct_1' } }));
    const dflt = apiKeyRow(apiKeyItemSchema.parse({ ...key, scope: { type: 'workspace', workspace_id: 'wrkspc_default' }, principal: null }));
    expect(bound).toMatchObject({ workspace_id: null, scope_type: 'organization', scope_workspace_id: null, principal_type: 'service_account_actor', principal_id: 'svcacct_1', extra: null });
    expect(dflt).toMatchObject({ workspace_id: null, scope_type: 'workspace', scope_workspace_id: 'wrkspc_default', principal_type: null, principal_id: null });
  });

  it('accepts an older key without scope or principal, and keeps unknown fields', () => {
    const row = apiKeyRow(apiKeyItemSchema.parse({ id: 'apikey_2', data_residency: 'us' }));
    expect(row).toMatchObject({ id: 'apikey_2', name: null, scope_type: null, principal_type: null });
    expect(JSON.parse(String(row.extra))).toEqual({ data_residency: 'us' });
  });
});

describe('bucket days', () => {
  it('are the UTC day of the bucket start; an empty or broken start is refused, even as the first value seen', () => {
    expect(() => bucketDay('')).toThrow(DateDataError);
    expect(bucketDay('2026-03-01T23:30:00-02:00')).toBe('2026-03-02');
    expect(bucketDay('2026-03-01T23:30:00-02:00')).toBe('2026-03-02');
    expect(() => bucketDay('')).toThrow(/not an RFC 3339 timestamp/);
    expect(() => bucketDay('yesterday')).toThrow(DateDataError);
  });
});
