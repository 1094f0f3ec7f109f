import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, type FaultKind, startEmulator } from '../../src/emulator/index.js';
import { get, HEADERS, query } from './helpers.js';

const TODAY = '2025-06-30';
const COST = { starting_at: '2025-06-20T00:00:00Z', ending_at: '2025-06-27T00:00:00Z', group_by: ['workspace_id', 'description'] };
let emu: Emulator | undefined;

async function start(opts: EmulatorOptions): Promise<Emulator> {
  emu = await startEmulator({ today: TODAY, historyDays: 30, ...opts });
  return emu;
}
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function withFault(kind: FaultKind, extra: EmulatorOptions = {}) {
  const e = await start({ faultRules: [{ kind, times: 1 }], ...extra });
  return { e, faulty: await get(e, 'cost_report', COST), normal: await get(e, 'cost_report', COST) };
}

describe('fault kinds', () => {
  it.each([
    ['500', 500, 'api_error'],
    ['503', 503, 'api_error'],
    ['529', 529, 'overloaded_error'],
    ['bad_page_token', 400, 'invalid_request_error'],
  ] as const)('%s answers %i %s, then the next request is normal', async (kind, status, type) => {
    const { e, faulty, normal } = await withFault(kind);
    expect(faulty.status).toBe(status);
    expect(faulty.json.error.type).toBe(type);
    expect(faulty.headers.get('request-id')).toBeTruthy();
    expect(normal.status).toBe(200);
    expect(e.stats().faults).toBe(1);
  });

  it('502_html answers with an HTML body', async () => {
    const { faulty } = await withFault('502_html');
    expect(faulty.status).toBe(502);
    expect(faulty.headers.get('content-type')).toContain('text/html');
    expect(faulty.text).toContain('<html>');
  });

  it('429_retry_after sends retry-after: 1', async () => {
    const { faulty } = await withFault('429_retry_after');
    expect(faulty.status).toBe(429);
    expect(faulty.json.error.type).toBe('rate_limit_error');
    expect(faulty.headers.get('retry-after')).toBe('1');
  });

  it('truncated_json and invalid_json are 200s that do not parse', async () => {
    for (const kind of ['truncated_json', 'invalid_json'] as const) {
      const { faulty, normal } = await withFault(kind);
      expect(faulty.status).toBe(200);
      expect(faulty.json).toBeUndefined();
      expect(() => JSON.parse(faulty.text)).toThrow();
      if (kind === 'truncated_json') expect(normal.text.startsWith(faulty.text)).toBe(true);
      await emu!.close();
      emu = undefined;
    }
  });

  it('reset drops the connection mid-body', async () => {
    const e = await start({ faultRules: [{ kind: 'reset', times: 1 }] });
    await expect(get(e, 'cost_report', COST)).rejects.toThrow();
    expect((await get(e, 'cost_report', COST)).status).toBe(200);
  });

  it('slow stalls for slowMs, then answers normally', async () => {
    const e = await start({ faultRules: [{ kind: 'slow', times: 1 }], slowMs: 300 });
    const t0 = performance.now();
    const r = await get(e, 'cost_report', COST);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
    expect(r.status).toBe(200);
    expect(r.json.data).toHaveLength(7);
  });

  it('slow does not keep close() waiting', async () => {
    const e = await start({ faultRules: [{ kind: 'slow' }], slowMs: 60_000 });
    const pending = get(e, 'users').catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await e.close();
    emu = undefined;
    expect(performance.now() - t0).toBeLessThan(2_000);
    await pending;
  });

  it('missing_field is a 200 without data and has_more', async () => {
    const { faulty } = await withFault('missing_field');
    expect(faulty.status).toBe(200);
    expect(faulty.json).not.toHaveProperty('data');
    expect(faulty.json).not.toHaveProperty('has_more');
  });

  it('extra_fields adds unknown fields and an unknown enum value without changing the amounts', async () => {
    const { faulty, normal } = await withFault('extra_fields');
    expect(faulty.status).toBe(200);
    expect(faulty.json).toHaveProperty('future_top_level_field');
    const rows = faulty.json.data.flatMap((b: { results: unknown[] }) => b.results);
    expect(rows.every((r: object) => 'future_result_field' in r)).toBe(true);
    expect(rows.some((r: { cost_type: string }) => r.cost_type === 'new_cost')).toBe(true);
    const amounts = (j: { data: Array<{ results: Array<{ amount: string }> }> }) => j.data.flatMap((b) => b.results.map((r) => r.amount));
    expect(amounts(faulty.json)).toEqual(amounts(normal.json));

    emu!.setFaultRules([{ kind: 'extra_fields', path: 'messages', times: 1 }]);
    const usage = await get(emu!, 'usage_report/messages', { starting_at: '2025-06-20T00:00:00Z', group_by: ['service_tier'] });
    expect(usage.json.data.flatMap((b: { results: unknown[] }) => b.results).some((r: { service_tier: string }) => r.service_tier === 'flex_turbo')).toBe(true);

    emu!.setFaultRules([{ kind: 'extra_fields', path: 'claude_code' }, { kind: 'extra_fields', path: 'users' }]);
    const code = await get(emu!, 'usage_report/claude_code', { starting_at: '2025-06-20' });
    expect(code.json.has_more).toBeTypeOf('boolean');
    expect(code.json.data[0]).toHaveProperty('future_item_field');
    expect(code.json.data[0].core_metrics).toHaveProperty('future_metric');
    const users = await get(emu!, 'users');
    expect(users.json).toHaveProperty('future_top_level_field');
    expect(users.json.data[0]).toHaveProperty('future_item_field');
  });
});

describe('targeted rules', () => {
  it('a day rule fails only the pages covering that day until lifted', async () => {
    const e = await start({ faultRules: [{ kind: '500', path: 'cost_report', day: '2025-06-22' }] });
    const covering = { starting_at: '2025-06-20T00:00:00Z', ending_at: '2025-06-25T00:00:00Z' };
    for (let i = 0; i < 3; i++) expect((await get(e, 'cost_report', covering)).status).toBe(500);
    expect((await get(e, 'cost_report', { starting_at: '2025-06-23T00:00:00Z' })).status).toBe(200);
    expect((await get(e, 'usage_report/messages', covering)).status).toBe(200);
    // Paging: the first page (20, 21) is fine; the page holding the 22nd fails.
    const first = await get(e, 'cost_report', { ...covering, limit: 2 });
    expect(first.status).toBe(200);
    expect((await get(e, 'cost_report', { ...covering, limit: 2, page: first.json.next_page })).status).toBe(500);
    e.setFaultRules([]);
    expect((await get(e, 'cost_report', covering)).status).toBe(200);
  });

  it('claude_code rules match the requested date', async () => {
    const e = await start({ faultRules: [{ kind: '503', path: 'claude_code', day: '2025-06-22' }] });
    expect((await get(e, 'usage_report/claude_code', { starting_at: '2025-06-22' })).status).toBe(503);
    expect((await get(e, 'usage_report/claude_code', { starting_at: '2025-06-23' })).status).toBe(200);
  });
});

describe('random faults', () => {
  it('are deterministic from the seed and request sequence', async () => {
    const run = async () => {
      const e = await start({ faultRate: 0.5, faultKinds: ['500', '503', '529'], seed: 3 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await get(e, 'users')).status);
      const faults = e.stats().faults;
      await e.close();
      emu = undefined;
      return { statuses, faults };
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.faults).toBeGreaterThan(3);
    expect(a.faults).toBeLessThan(17);
    expect(a.statuses.filter((s) => s !== 200)).toHaveLength(a.faults);
  });

  it('setFaultRate(0) stops them', async () => {
    const e = await start({ faultRate: 1 });
    expect((await get(e, 'users').catch(() => ({ status: -1 }))).status).not.toBe(200);
    e.setFaultRate(0);
    expect((await get(e, 'users')).status).toBe(200);
  });
});

describe('rate limiting', () => {
  it('answers 429 without retry-after by default', async () => {
    const e = await start({ rateLimit: { rpm: 60, burst: 2 } });
    const statuses = [];
    let limited;
    for (let i = 0; i < 4; i++) {
      const r = await get(e, 'users');
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(limited!.json.error.type).toBe('rate_limit_error');
    expect(limited!.headers.get('retry-after')).toBeNull();
    expect(limited!.headers.get('anthropic-ratelimit-requests-reset')).toBeNull();
    expect(e.stats().rateLimited).toBe(statuses.filter((s) => s === 429).length);
  });

  it('adds retry-after and the reset time when asked', async () => {
    const e = await start({ rateLimit: { rpm: 6, burst: 1, retryAfter: true } });
    expect((await get(e, 'users')).status).toBe(200);
    const r = await get(e, 'users');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const reset = Date.parse(r.headers.get('anthropic-ratelimit-requests-reset')!);
    expect(reset).toBeGreaterThan(Date.now());
    expect(reset).toBeLessThan(Date.now() + 11_000);
  });

  it('applies latency to every response', async () => {
    const e = await start({ latencyMs: 150 });
    const t0 = performance.now();
    const res = await fetch(`${e.url}/v1/organizations/nope?${query({})}`, { headers: HEADERS });
    expect(res.status).toBe(404);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });
});
