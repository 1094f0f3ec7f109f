/**
 * The Host check holds on any bind address (DNS rebinding), --allowed-host adds names, and malformed
 * request targets get 400, not 500. The server binds 0.0.0.0 here, but every request goes to 127.0.0.1.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-10';
let w: FilledWarehouse;
let dash: Dashboard;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-03-01', seed: 2, args: ['--streams', 'cost'] });
  dash = await startDashboard({ warehouseUrl: w.url, host: '0.0.0.0', port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, allowedHosts: ['dash.internal'] });
}, 120_000);
afterAll(async () => {
  await dash?.close();
  await w?.close();
});

/** Sends raw request text to the dashboard on loopback; returns the status line's code and the body. */
function raw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(dash.port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n') }));
  });
}
const get = (path: string, host: string) => raw(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

it('bound to 0.0.0.0, a foreign host name is still refused (403); loopback, IP addresses and --allowed-host names are served', async () => {
  const evil = await get('/api/meta', `evil.example:${dash.port}`);
  expect(evil.status).toBe(403);
  expect(JSON.parse(evil.body)).toEqual({ error: `host "evil.example:${dash.port}" is not allowed: open the dashboard at http://127.0.0.1:${dash.port}/ or start it with --allowed-host evil.example` });
  expect((await get('/api/meta', `127.0.0.1:${dash.port}`)).status).toBe(200);
  expect((await get('/api/meta', `localhost:${dash.port}`)).status).toBe(200);
  expect((await get('/api/meta', `192.168.1.20:${dash.port}`)).status).toBe(200);
  expect((await get('/api/meta', `dash.internal:${dash.port}`)).status).toBe(200);
  expect((await get('/api/meta', '')).status).toBe(403);
});

it.each([
  ['an absolute target with a broken host', 'http://[/api/meta'],
  ['a scheme-relative target', '//evil.example/api/meta'],
  ['a broken escape in the query', '/api/spend?from=%E0%A4%A'],
  ['a broken escape in the path', '/api/%zz'],
  ['an asterisk', '*'],
])('%s is answered 400', async (_name, target) => {
  const r = await get(target, `127.0.0.1:${dash.port}`);
  expect(r.status).toBe(400);
});
