/** The busiest-minute tracker behind `report --by rate_limit`: counting as each limiter counts, groups by model list, batch usage to the batch group. */
import { describe, expect, it } from 'vitest';
import type { RateLimitItem } from '../../src/source/limit-schemas.js';
import type { UsageResult } from '../../src/source/schemas.js';
import { MinutePeaks } from '../../src/transform/minute-peaks.js';

const groups: RateLimitItem[] = [
  { id: 'rl_1', group: { type: 'model_group', id: 'rlg_s', display_name: 'Claude Sonnet 4.x' }, models: ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'], limits: [
    { type: 'input_tokens_per_minute_cache_aware', value: 1000 },
    { type: 'input_tokens_per_minute', value: 5000 },
    { type: 'output_tokens_per_minute', value: 100 },
    { type: 'requests_per_minute', value: 10 },
    { type: 'tokens_per_fortnight', value: 7 },
  ] },
  { id: 'rl_2', group: { type: 'batch', id: 'rlg_b', display_name: null }, models: null, limits: [{ type: 'output_tokens_per_minute', value: 100 }] },
  { id: 'rl_3', group: { type: 'web_search', id: 'rlg_w', display_name: null }, models: null, limits: [{ type: 'tool_uses_per_second', value: 3 }] },
];

function result(o: Partial<{ input: number; read: number; write: number; output: number; model: string | null; ws: string | null; tier: string | null }>): UsageResult {
  return {
    uncached_input_tokens: o.input ?? 0,
    cache_read_input_tokens: o.read ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: o.write ?? 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: o.output ?? 0,
    server_tool_use: { web_search_requests: 0 },
    api_key_id: null, workspace_id: o.ws ?? null, model: o.model ?? 'claude-sonnet-4-5-20250929', service_tier: o.tier ?? 'standard',
    context_window: null, inference_geo: null, account_id: null, service_account_id: null, speed: null,
  } as UsageResult;
}

describe('MinutePeaks', () => {
  it('keeps each limiter\'s busiest minute, counting as the limiter counts, with the workspace that drove it', () => {
    const p = new MinutePeaks(groups);
    p.addMinute('2026-03-01T10:00:00Z', [result({ input: 300, read: 4000, write: 100, output: 50, ws: 'wrkspc_a' })]);
    p.addMinute('2026-03-01T10:01:00Z', [result({ input: 500, output: 20, ws: 'wrkspc_b' }), result({ input: 100, ws: 'wrkspc_a', model: 'claude-sonnet-4-5' })]);
    // Batch usage counts toward the batch group only.
    p.addMinute('2026-03-01T10:02:00Z', [result({ input: 900, output: 90, tier: 'batch' })]);
    p.addMinute('2026-03-01T10:03:00Z', [result({ input: 1, model: 'claude-opus-9' })]);
    const rows = new Map(p.rows('2026-03-01').map((r) => [`${r.group_id} ${r.limiter}`, r]));
    expect(rows.get('rlg_s input_tokens_per_minute_cache_aware')).toMatchObject({ peak: 600, peak_minute: '2026-03-01T10:01:00.000Z', workspace_id: 'wrkspc_b', limit_value: 1000 });
    expect(rows.get('rlg_s input_tokens_per_minute')).toMatchObject({ peak: 4400, peak_minute: '2026-03-01T10:00:00.000Z', workspace_id: 'wrkspc_a' });
    expect(rows.get('rlg_s output_tokens_per_minute')).toMatchObject({ peak: 50 });
    expect(rows.get('rlg_b output_tokens_per_minute')).toMatchObject({ peak: 90, peak_minute: '2026-03-01T10:02:00.000Z', group_name: 'Message Batches' });
    expect(rows.get('rlg_s requests_per_minute')).toMatchObject({ peak: null, peak_minute: null });
    expect(rows.get('rlg_s requests_per_minute')!.note).toContain('requests per minute cannot be read');
    expect(rows.get('rlg_s tokens_per_fortnight')).toMatchObject({ peak: null, limit_value: 7 });
    // Only model groups and batch are measured from message usage.
    expect([...rows.keys()].some((k) => k.startsWith('rlg_w'))).toBe(false);
    expect([...p.unmapped]).toEqual(['claude-opus-9']);
  });
});
