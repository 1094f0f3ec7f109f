/**
 * Webhook and Slack receivers that misbehave, destinations that must be refused, and deliveries a
 * crash cuts short. Every receiver is on loopback; refused destinations are refused before any DNS
 * lookup or connection (statically, from the config), so no test sends traffic anywhere else.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_HEADER } from '../../src/alerts/channels.js';
import { parseConfigText } from '../../src/config/load.js';
import { addressKind, guardedLookup } from '../../src/util/destination.js';
import { errorLines, runCli, spawnCli } from '../helpers/cli.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { expectOneLineRefusal, watch } from '../reliability/helpers.js';

const TODAY = '2026-03-10';
let w: FilledWarehouse;

interface Receiver {
  url: string;
  requests: { headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/** A loopback receiver whose every answer `handle` decides. */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void, path = '/hook'): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handle(req, res, requests.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function config(name: string, notify: string): string {
  const path = join(w.dir, `${name}.yaml`);
  writeFileSync(
    path,
    `alerts:
  budgets:
    - { name: Tiny, monthly_usd: "1", thresholds_pct: [100] }
  anomalies: { daily_spend: false, new_spender: false }
  data_health: false
  notify:
    - ${notify}
`,
  );
  return path;
}

const env = () => ({ ...w.env, CLAUDE_INGEST_RETRY_BASE_MS: '5', CLAUDE_INGEST_TIMEOUT_MS: '1500' });
const alerts = (cfg: string) => runCli(['alerts', '--config', cfg, '--warehouse', w.url], env());
beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-03-01', seed: 8, args: ['--streams', 'cost'] });
}, 120_000);
afterAll(async () => {
  await w?.close();
});

describe('destinations refused before any lookup or connection', () => {
  const refused: [string, string, RegExp][] = [
    ['http to a public address', 'webhook: { url: "http://93.184.216.34/hook" }', /webhook\.url: http: URLs are refused: use https:\/\/ \(http:\/\/ only to 127\.0\.0\.1, ::1 or localhost\)$/],
    ['a private address', 'webhook: { url: "https://10.1.2.3/hook" }', /webhook\.url: 10\.1\.2\.3 is a private or link-local address: set allow_private_network: true/],
    ['the metadata address', 'webhook: { url: "https://169.254.169.254/latest/meta-data" }', /webhook\.url: 169\.254\.169\.254 is a cloud metadata address: alerts are never sent there$/],
    ['the metadata address even with allow_private_network', 'webhook: { url: "https://169.254.169.254/x", allow_private_network: true }', /169\.254\.169\.254 is a cloud metadata address/],
    ['the metadata host name', 'slack: { webhook_url: "https://metadata.google.internal/x" }', /slack\.webhook_url: metadata\.google\.internal is a cloud metadata address/],
    ['an IPv6 link-local address', 'slack: { webhook_url: "https://[fe80::1]/x" }', /fe80::1 is a private or link-local address/],
    ['a v4-mapped private address', 'webhook: { url: "https://[::ffff:192.168.1.10]/x" }', /is a private or link-local address/],
    ['file:', 'webhook: { url: "file:///etc/passwd" }', /webhook\.url: file: URLs are refused/],
    ['ftp:', 'webhook: { url: "ftp://127.0.0.1/x" }', /webhook\.url: ftp: URLs are refused/],
    ['data:', 'webhook: { url: "data:text/plain,hello" }', /webhook\.url: data: URLs are refused/],
  ];
  it.each(refused)('%s: one line, exit 2, nothing recorded', async (_name, notify, message) => {
    const before = await queryWarehouse(w.file, 'SELECT COUNT(*) AS n FROM alert_events');
    const res = await alerts(config('refused', notify));
    expectOneLineRefusal(res, 2, message);
    expect(await queryWarehouse(w.file, 'SELECT COUNT(*) AS n FROM alert_events')).toEqual(before);
  });

  it('allow_private_network: true admits a private address (config only; nothing is sent in this test)', () => {
    const ok = parseConfigText('alerts:\n  notify:\n    - webhook: { url: "https://10.1.2.3/hook", allow_private_network: true }\n', 'c.yaml', {});
    expect(ok.config.alerts!.notify[0]!.webhook!.allow_private_network).toBe(true);
  });

  it('a host name that resolves to an inner address is refused at connection time (DNS rebinding)', async () => {
    expect(['127.0.0.1', '10.0.0.1', '169.254.169.254', 'fd00:ec2::254', '::ffff:10.0.0.1', '93.184.216.34'].map(addressKind)).toEqual([
      'loopback',
      'private',
      'metadata',
      'metadata',
      'private',
      'public',
    ]);
    // The resolver is a stand-in: no real lookup happens.
    const lookup = (addresses: string[], allowPrivate = false) =>
      new Promise<string>((resolve) =>
        guardedLookup(allowPrivate, (_h, cb) => cb(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))))('hooks.example.com', {}, (err, address) =>
          resolve(err ? `refused: ${err.message}` : String(address)),
        ),
      );
    expect(await lookup(['93.184.216.34'])).toBe('93.184.216.34');
    expect(await lookup(['93.184.216.34', '10.0.0.7'])).toBe('refused: hooks.example.com resolves to 10.0.0.7, a private address: refused');
    expect(await lookup(['127.0.0.1'])).toBe('refused: hooks.example.com resolves to 127.0.0.1, a loopback address: refused');
    expect(await lookup(['169.254.169.254'], true)).toBe('refused: hooks.example.com resolves to 169.254.169.254, a cloud metadata address: refused');
    expect(await lookup(['10.0.0.7'], true)).toBe('10.0.0.7');
  });
});

describe('receivers that misbehave', () => {
  it('a redirect is not followed: failed, the other host gets nothing, exit 1', async () => {
    const other = await receiver((_q, res) => res.end('ok'));
    const hook = await receiver((_q, res) => {
      res.writeHead(307, { location: other.url });
      res.end();
    });
    try {
      const res = await alerts(config('redirect', `webhook: { url: "${hook.url}", secret: s3cret }`));
      expect(res.code, res.stderr).toBe(1);
      expect(errorLines(res.stderr)).toEqual([
        `1 alert delivery(ies) failed (recorded; the next run retries them): webhook (${new URL(hook.url).host}): HTTP 307 redirect (not followed, the signed body stays with the configured host: set the final URL)`,
      ]);
      expect(hook.requests).toHaveLength(1);
      expect(other.requests).toHaveLength(0);
    } finally {
      await Promise.all([hook.close(), other.close()]);
    }
  });

  it('a 50 MB answer is not read beyond the cap; a 2xx counts as sent', async () => {
    let written = 0;
    let finished = false;
    const hook = await receiver((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(1024 * 1024, 120);
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        finished = true;
        res.end();
      };
      res.on('close', () => undefined);
      pump();
    });
    try {
      const res = await alerts(config('big', `webhook: { url: "${hook.url}" }`));
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('1 sent, 0 failed');
      // The client hung up long before the 50 MB were written.
      expect(finished).toBe(false);
      expect(written).toBeLessThan(50 * 1024 * 1024);
    } finally {
      await hook.close();
    }
  });

  it('only a 2xx is sent: a 400 is final, a 503 is retried a bounded number of times', async () => {
    const bad = await receiver((_q, res) => {
      res.writeHead(400);
      res.end('no');
    });
    const busy = await receiver((_q, res) => {
      res.writeHead(503);
      res.end('busy');
    });
    try {
      const a = await alerts(config('bad', `slack: { webhook_url: "${bad.url}" }`));
      expect(a.code).toBe(1);
      expect(errorLines(a.stderr)[0]).toContain('HTTP 400 (not retried: check the URL and the receiver)');
      expect(bad.requests).toHaveLength(1);
      const b = await alerts(config('busy', `webhook: { url: "${busy.url}" }`));
      expect(b.code).toBe(1);
      expect(errorLines(b.stderr)[0]).toContain(': HTTP 503');
      expect(busy.requests).toHaveLength(4);
      // Every try carries the same event id.
      expect(new Set(busy.requests.map((r) => r.headers[EVENT_HEADER.toLowerCase()])).size).toBe(1);
      expect(String(busy.requests[0]!.headers[EVENT_HEADER.toLowerCase()])).toMatch(/^evt_[0-9a-f]{32}$/);
    } finally {
      await Promise.all([bad.close(), busy.close()]);
    }
  });
});

describe('a delivery cut short by a crash', () => {
  /** Starts `alerts` as a child, waits until the receiver holds its request, and kills it. */
  async function killMidDelivery(cfg: string, got: () => number): Promise<void> {
    const child = spawnCli(['alerts', '--config', cfg, '--warehouse', w.url], env());
    const seen = watch(child);
    for (let i = 0; i < 300 && got() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(got()).toBe(1);
    child.kill('SIGKILL');
    await seen.exited;
  }

  it('a webhook is sent again with the same X-Claude-Ingest-Event id', async () => {
    let hang = true;
    const hook = await receiver((_q, res) => {
      if (!hang) res.end('ok');
    });
    try {
      const cfg = config('crash-webhook', `webhook: { url: "${hook.url}" }`);
      await killMidDelivery(cfg, () => hook.requests.length);
      const [row] = await queryWarehouse(w.file, "SELECT status FROM alert_events WHERE channel LIKE 'webhook:%' ORDER BY updated_at DESC LIMIT 1");
      expect(row!.status).toBe('sending');
      hang = false;
      const res = await alerts(cfg);
      expect(res.code, res.stderr).toBe(0);
      expect(hook.requests).toHaveLength(2);
      expect(hook.requests[1]!.headers[EVENT_HEADER.toLowerCase()]).toBe(hook.requests[0]!.headers[EVENT_HEADER.toLowerCase()]);
    } finally {
      await hook.close();
    }
  });

  it('Slack is never sent twice: the next run reports "may not have been delivered", exit 1; later runs stay quiet', async () => {
    const slack = await receiver(() => undefined, '/services/T0/B0/XX');
    try {
      const cfg = config('crash-slack', `slack: { webhook_url: "${slack.url}" }`);
      await killMidDelivery(cfg, () => slack.requests.length);
      const res = await alerts(cfg);
      expect(res.code, res.stderr).toBe(1);
      expect(errorLines(res.stderr)).toEqual([`1 alert(s) may not have been delivered (an earlier attempt was cut short; not sent again): slack (${new URL(slack.url).host}): Budget Tiny: 100 % of $1.00 reached`]);
      expect(res.stdout).toContain('may not have been delivered: the attempt of');
      const again = await alerts(cfg);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('1 may not have been delivered');
      expect(slack.requests).toHaveLength(1);
    } finally {
      await slack.close();
    }
  });
});
