import { describe, expect, it } from 'vitest';
import { claudeCodeRows } from '../../src/transform/claude-code-rows.js';
import { costRow } from '../../src/transform/cost-rows.js';
import { usageRow } from '../../src/transform/usage-rows.js';
import { MoneyError } from '../../src/util/money.js';

const lineage = { run_id: 'run-1', ingested_at: '2025-01-02T00:00:00.000Z' };

describe('transforms', () => {
  it('keeps cents exactly as sent and derives dollars exactly', () => {
    const row = costRow('2025-01-01T00:00:00Z', { amount: '123.78912', currency: 'USD', workspace_id: null, description: 'x', cost_type: 'tokens' }, lineage);
    expect(row).toMatchObject({ activity_date: '2025-01-01', amount_cents: '123.78912', amount_usd: '1.2378912', workspace_id: null });
    expect(costRow('2025-01-01T00:00:00Z', { amount: '0.000000001' }, lineage).amount_usd).toBe('0.00000000001');
  });

  it('refuses cents it cannot store exactly instead of rounding', () => {
    expect(() => costRow('2025-01-01T00:00:00Z', { amount: '1.0000000001' }, lineage)).toThrow(MoneyError);
    expect(() => costRow('2025-01-01T00:00:00Z', { amount: 'abc' }, lineage)).toThrow(/not a decimal number/);
    expect(() => costRow('2025-01-01T00:00:00Z', { amount: '1' + '0'.repeat(30) }, lineage)).toThrow(/too large/);
  });

  it('flattens the cache_creation object and server tool use', () => {
    const row = usageRow('2025-01-01T00:00:00Z', {
      uncached_input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 5,
      cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
      server_tool_use: null, api_key_id: null, model: 'claude-x',
    }, lineage);
    expect(row).toMatchObject({ cache_creation_5m_input_tokens: 3, cache_creation_1h_input_tokens: 4, web_search_requests: 0, api_key_id: null, bucket_start: '2025-01-01T00:00:00.000Z' });
  });

  it('splits Claude Code records into activity without cost and per-model estimates, keeping unknown tools', () => {
    const { productivity, models } = claudeCodeRows({
      date: '2025-01-01T00:00:00Z',
      actor: { type: 'user_actor', email_address: 'a@example.com' },
      is_remote: true,
      core_metrics: { num_sessions: 2, lines_of_code: { added: 10, removed: 3 }, commits_by_claude_code: 1, pull_requests_by_claude_code: 0 },
      tool_actions: { edit_tool: { accepted: 4, rejected: 1 }, future_tool: { accepted: 2, rejected: 2 } },
      model_breakdown: [{ model: 'm', tokens: { input: 1, output: 2, cache_read: 3, cache_creation: 4 }, estimated_cost: { currency: 'USD', amount: 12.5 } }],
    }, lineage);
    expect(Object.keys(productivity).some((k) => /cost|amount|usd|cents/.test(k))).toBe(false);
    expect(productivity).toMatchObject({ actor_id: 'a@example.com', is_remote: true, edit_tool_accepted: 4, write_tool_accepted: 0, lines_added: 10 });
    expect(JSON.parse(String(productivity.tool_actions))).toHaveProperty('future_tool');
    expect(models).toEqual([expect.objectContaining({ model: 'm', estimated_cost_cents: '12.5', cache_creation_tokens: 4 })]);
  });
});
