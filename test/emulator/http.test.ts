import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { get, HEADERS } from './helpers.js';

const DAY = '2025-06-20T00:00:00Z';
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ today: '2025-06-30', historyDays: 30 });
});
afterAll(() => emu.close());

function expectError(r: { status: number; json: { type: string; error: { type: string; message: string } } }, status: number, kind: string) {
  expect(r.status).toBe(status);
  expect(r.json.type).toBe('error');
  expect(r.json.error.type).toBe(kind);
  expect(typeof r.json.error.message).toBe('string');
}

describe('emulator: binding and headers', () => {
  it('listens on loopback and sends request-id and JSON content type', async () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await get(emu, 'cost_report', { starting_at: DAY });
    expect(r.status).toBe(200);
    expect(r.headers.get('request-id')).toMatch(/^req_/);
    expect(r.headers.get('content-type')).toBe('application/json');
  });
});

describe('emulator: authentication', () => {
  it('401 without a key or with a non-admin-looking key', async () => {
    expectError(await get(emu, 'cost_report', { starting_at: DAY }, { 'anthropic-version': '2023-06-01' }), 401, 'authentication_error');
    expectError(await get(emu, 'users', {}, { ...HEADERS, 'x-api-key': 'hello' }), 401, 'authentication_error');
  });

  it('403 for a normal API key', async () => {
    const r = await get(emu, 'cost_report', { starting_at: DAY }, { ...HEADERS, 'x-api-key': 'sk-ant-api03-abc' });
    expectError(r, 403, 'permission_error');
    expect(r.headers.get('request-id')).toBeTruthy();
  });

  it('400 without anthropic-version', async () => {
    expectError(await get(emu, 'users', {}, { 'x-api-key': HEADERS['x-api-key'] }), 400, 'invalid_request_error');
  });
});

describe('emulator: routing', () => {
  it('404 for unknown paths and 405 for other methods', async () => {
    expectError(await get(emu, 'nope'), 404, 'not_found_error');
    const res = await fetch(`${emu.url}/v1/organizations/users`, { method: 'POST', headers: HEADERS });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { type: string }).type).toBe('error');
  });
});

describe('emulator: parameter validation', () => {
  it('rejects more than 5 group_by dimensions with the exact message', async () => {
    const r = await get(emu, 'usage_report/messages', {
      starting_at: DAY,
      group_by: ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window', 'inference_geo'],
    });
    expectError(r, 400, 'invalid_request_error');
    expect(r.json.error.message).toBe('Cannot specify more than 5 group_by[] dimensions.');
    const five = await get(emu, 'usage_report/messages', {
      starting_at: DAY,
      group_by: ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'],
    });
    expect(five.status).toBe(200);
  });

  it('rejects unknown dimensions, and speed without the fast-mode beta', async () => {
    expectError(await get(emu, 'usage_report/messages', { starting_at: DAY, group_by: ['colour'] }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/messages', { starting_at: DAY, group_by: ['speed'] }), 400, 'invalid_request_error');
    const beta = await get(emu, 'usage_report/messages', { starting_at: DAY, group_by: ['speed'] }, { ...HEADERS, 'anthropic-beta': 'fast-mode-2026-02-01' });
    expect(beta.status).toBe(200);
    expect(beta.json.data[0].results[0]).toHaveProperty('speed');
    expectError(await get(emu, 'cost_report', { starting_at: DAY, group_by: ['model'] }), 400, 'invalid_request_error');
  });

  it('rejects bad bucket widths', async () => {
    expectError(await get(emu, 'cost_report', { starting_at: DAY, bucket_width: '1h' }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/messages', { starting_at: DAY, bucket_width: '1w' }), 400, 'invalid_request_error');
  });

  it('enforces limit maxima per bucket width', async () => {
    expectError(await get(emu, 'cost_report', { starting_at: DAY, limit: 32 }), 400, 'invalid_request_error');
    expect((await get(emu, 'cost_report', { starting_at: '2025-05-01T00:00:00Z', limit: 31 })).status).toBe(200);
    expectError(await get(emu, 'usage_report/messages', { starting_at: DAY, bucket_width: '1h', limit: 169 }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/messages', { starting_at: DAY, bucket_width: '1m', limit: 1441 }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/claude_code', { starting_at: '2025-06-20', limit: 1001 }), 400, 'invalid_request_error');
    expectError(await get(emu, 'users', { limit: 1001 }), 400, 'invalid_request_error');
    expectError(await get(emu, 'users', { limit: 0 }), 400, 'invalid_request_error');
  });

  it('requires a valid starting_at', async () => {
    expectError(await get(emu, 'cost_report', {}), 400, 'invalid_request_error');
    expectError(await get(emu, 'cost_report', { starting_at: '2025-06-20' }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/messages', { starting_at: 'yesterday' }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/claude_code', {}), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/claude_code', { starting_at: DAY }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/claude_code', { starting_at: '2025-02-30' }), 400, 'invalid_request_error');
  });

  it('rejects a tampered page token', async () => {
    const first = await get(emu, 'cost_report', { starting_at: '2025-06-01T00:00:00Z', limit: 2 });
    const token = first.json.next_page as string;
    expect(typeof token).toBe('string');
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString());
    decoded.v += 86_400_000;
    const forged = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    expectError(await get(emu, 'cost_report', { starting_at: '2025-06-01T00:00:00Z', limit: 2, page: forged }), 400, 'invalid_request_error');
    expectError(await get(emu, 'cost_report', { starting_at: '2025-06-01T00:00:00Z', page: 'garbage' }), 400, 'invalid_request_error');
    expectError(await get(emu, 'usage_report/claude_code', { starting_at: '2025-06-20', page: token }), 400, 'invalid_request_error');
  });

  it('counts requests per endpoint', async () => {
    emu.resetStats();
    await get(emu, 'users');
    await get(emu, 'users');
    await get(emu, 'usage_report/claude_code', { starting_at: '2025-06-20' });
    const s = emu.stats();
    expect(s.total).toBe(3);
    expect(s.byEndpoint.users).toBe(2);
    expect(s.byEndpoint['usage_report/claude_code']).toBe(1);
    expect(s.byEndpoint.cost_report).toBe(0);
  });
});

describe('emulator: hold and release', () => {
  it('holds the matching requests unanswered until release, and lets the others through', async () => {
    const hold = emu.hold('cost_report');
    let answered = false;
    const held = get(emu, 'cost_report', { starting_at: DAY }).then((r) => {
      answered = true;
      return r;
    });
    await hold.held;
    // Another endpoint is answered while cost_report is held.
    expect((await get(emu, 'users', {})).status).toBe(200);
    expect(answered).toBe(false);
    hold.release();
    expect((await held).status).toBe(200);
    // Released for good: a later request is not held.
    expect((await get(emu, 'cost_report', { starting_at: DAY })).status).toBe(200);
  });
});
