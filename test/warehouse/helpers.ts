/** Temp directories and synthetic rows for the warehouse tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoDay } from '../../src/util/dates.js';
import type { Cents, Usd } from '../../src/util/money.js';
import type { RowOf } from '../../src/warehouse/tables.js';
import type { WindowRecord } from '../../src/warehouse/warehouse.js';

export function tempDir(prefix = 'ci-wh-'): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name = 'w.duckdb') => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Test rows take days and amounts as plain text and cast them: some tests hand the writer values it must refuse.
export function usageRow(day: string, i: number): RowOf<'claude_usage_keys'> {
  return {
    activity_date: day as IsoDay,
    bucket_start: `${day}T00:00:00Z`,
    api_key_id: `apikey_${i % 500}`,
    workspace_id: i % 7 === 0 ? null : `wrkspc_${i % 13}`,
    model: i % 2 ? 'claude-sonnet-4' : 'claude-opus-4',
    service_tier: 'standard',
    context_window: '0-200k',
    uncached_input_tokens: i,
    cache_read_input_tokens: i * 2,
    cache_creation_5m_input_tokens: 3,
    cache_creation_1h_input_tokens: 4,
    output_tokens: i % 1000,
    web_search_requests: 0,
    extra: null,
  };
}

export function costRow(day: string, cents: string, description: string): RowOf<'claude_costs'> {
  return {
    activity_date: day as IsoDay,
    workspace_id: 'wrkspc_1',
    description,
    cost_type: 'tokens',
    model: 'claude-sonnet-4',
    service_tier: 'standard',
    token_type: 'output_tokens',
    context_window: '0-200k',
    inference_geo: 'global',
    currency: 'USD',
    amount_cents: cents as Cents,
    amount_usd: (cents === '0' ? '0' : shiftLeft2(cents)) as Usd,
    extra: null,
  };
}

/** cents / 100 exactly, by moving the point (test-local so the test does not reuse the code under test). */
function shiftLeft2(cents: string): string {
  const neg = cents.startsWith('-');
  const [i = '0', f = ''] = cents.replace('-', '').split('.');
  const padded = i.padStart(3, '0');
  const out = `${padded.slice(0, -2)}.${padded.slice(-2)}${f}`.replace(/^0+(?=\d)/, '');
  return neg ? `-${out}` : out;
}

export function ledger(over: Partial<WindowRecord> = {}): WindowRecord {
  return {
    runId: 'run-1',
    organizationId: null,
    stream: 'usage',
    windowStart: '2025-01-01',
    windowEnd: '2025-01-07',
    status: 'running',
    complete: true,
    rows: 0,
    requests: 3,
    retries: 1,
    rateLimited: 0,
    centsTotal: null,
    roundedValues: 0,
    unknownMeasures: null,
    dataRefreshedAt: null,
    error: null,
    startedAt: '2025-02-01T00:00:00.000Z',
    finishedAt: '2025-02-01T00:01:00.000Z',
    ...over,
  };
}
