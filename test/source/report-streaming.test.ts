/**
 * Report pages read as a stream (AdminApiClient.streamJson + paginateReportBuckets): buckets come out
 * while the body is still arriving, a body that breaks off is read again without doubling a bucket,
 * the timeout only counts network time, and malformed pages still fail loudly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseShapeError } from '../../src/source/errors.js';
import { AdminApiClient, type JsonStreamEvent } from '../../src/source/http-client.js';
import { paginateReportBuckets } from '../../src/source/pagination.js';
import { costResultSchema } from '../../src/source/schemas.js';
import { newRequestStats, type AdminApiConfig } from '../../src/source/types.js';
import { TEST_KEY, json, scriptedServer, type Handler, type ScriptedServer } from './helpers.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (url: string, extra: Partial<AdminApiConfig> = {}) =>
  new AdminApiClient({ baseUrl: url, apiKey: TEST_KEY, retryBaseMs: 5, retryMaxDelayMs: 20, ...extra });

const day = (i: number) => new Date(Date.UTC(2025, 5, 1 + i)).toISOString().slice(0, 10);

/** A bucket with `n` cost results, amounts i.j so every cent is traceable. */
const bucket = (i: number, n = 3) => ({
  starting_at: `${day(i)}T00:00:00Z`,
  ending_at: `${day(i + 1)}T00:00:00Z`,
  results: Array.from({ length: n }, (_, j) => ({ amount: `${i}.${j + 1}`, currency: 'USD', workspace_id: `wrkspc_${j}`, description: 'x' })),
});

const page = (buckets: number, perBucket = 3, rest: Record<string, unknown> = { has_more: false, next_page: null }) => ({
  data: Array.from({ length: buckets }, (_, i) => bucket(i, perBucket)),
  ...rest,
});

/** Sends `fraction` of the body, lets it reach the client, then kills the connection. */
function breaksOff(body: unknown, fraction: number): Handler {
  return (req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.write(text.slice(0, Math.floor(text.length * fraction)), () => setTimeout(() => req.socket.destroy(), 30));
  };
}

async function collectBuckets(c: AdminApiClient, stats = newRequestStats()) {
  const out: string[] = [];
  for await (const b of paginateReportBuckets(c, '/v1/organizations/cost_report', { starting_at: 'x' }, costResultSchema, stats)) {
    out.push(`${b.starting_at.slice(0, 10)}:${b.results.map((r) => r.amount).join(',')}`);
  }
  return out;
}

describe('AdminApiClient.streamJson', () => {
  it('hands out data elements one by one, then the envelope without them', async () => {
    server = await scriptedServer([json(200, page(4, 1, { has_more: true, next_page: 'cur_2', extra: { data: [9] } }))]);
    const events: JsonStreamEvent[] = [];
    for await (const ev of client(server.url).streamJson('/x', {})) events.push(ev);
    expect(events.map((e) => e.type)).toEqual(['item', 'item', 'item', 'item', 'end']);
    // Each event names the answer it came from (its request-id header), for the error lines.
    const requestId = expect.stringMatching(/^req_/) as unknown as string;
    expect(events[2]).toEqual({ type: 'item', value: bucket(2, 1), requestId });
    expect(events[4]).toEqual({ type: 'end', envelope: { data: [], has_more: true, next_page: 'cur_2', extra: { data: [9] } }, requestId });
  });

  it('after a body that breaks off mid-page, signals a restart and reads the page again', async () => {
    const body = page(31, 40);
    server = await scriptedServer([breaksOff(body, 0.6), json(200, body)]);
    const stats = newRequestStats();
    const events: JsonStreamEvent[] = [];
    for await (const ev of client(server.url).streamJson('/x', {}, stats)) events.push(ev);
    const restartAt = events.findIndex((e) => e.type === 'restart');
    expect(restartAt).toBeGreaterThan(5); // buckets of the first half were already out
    expect(events.slice(restartAt + 1).filter((e) => e.type === 'item')).toHaveLength(31);
    expect(stats).toMatchObject({ requests: 2, retries: 1 });
  });

  it('does not count the time the caller spends on an item against the request timeout', async () => {
    server = await scriptedServer([json(200, page(5))]);
    const stats = newRequestStats();
    let items = 0;
    for await (const ev of client(server.url, { timeoutMs: 150 }).streamJson('/x', {}, stats)) {
      if (ev.type !== 'item') continue;
      items++;
      await new Promise((r) => setTimeout(r, 100)); // 500 ms of "warehouse work" in all
    }
    expect(items).toBe(5);
    expect(stats.requests).toBe(1);
  });

  it('still times out a body that stalls after a few buckets, and retries it', async () => {
    const body = page(10);
    const stall: Handler = (_req, res) => {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
    };
    server = await scriptedServer([stall, json(200, body)]);
    const stats = newRequestStats();
    const got = await collectBuckets(client(server.url, { timeoutMs: 150 }), stats);
    expect(got).toHaveLength(10);
    expect(new Set(got).size).toBe(10);
    expect(stats).toMatchObject({ requests: 2, retries: 1 });
  });
});

describe('paginateReportBuckets over a streamed body', () => {
  it('yields every bucket exactly once across a broken-off body and a second page', async () => {
    const first = page(31, 20, { has_more: true, next_page: 'cur_2' });
    const second = { data: [bucket(31, 2), bucket(32, 0)], has_more: false, next_page: null };
    server = await scriptedServer([breaksOff(first, 0.5), json(200, first), json(200, second)]);
    const got = await collectBuckets(client(server.url));
    expect(got.map((g) => g.slice(0, 10))).toEqual(Array.from({ length: 33 }, (_, i) => day(i)));
    expect(got[7]).toBe(`${day(7)}:${Array.from({ length: 20 }, (_, j) => `7.${j + 1}`).join(',')}`);
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual([null, null, 'cur_2']);
  });

  it('fails on a malformed result deep in a page, naming its exact path', async () => {
    const body = page(31, 400);
    delete (body.data[25]!.results[300] as { amount?: string }).amount;
    server = await scriptedServer([json(200, body)]);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const b of paginateReportBuckets(client(server!.url), '/v1/organizations/cost_report', {}, costResultSchema)) seen.push(b.starting_at);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect((err as ResponseShapeError).issuePath).toBe('data[25].results[300].amount');
    expect((err as Error).message).toContain('/v1/organizations/cost_report');
    expect((err as Error).message).toContain('not "no spend"');
    expect(seen).toHaveLength(25); // the buckets before it were handed out; the caller's window is not committed
  });

  it('fails a bucket without results or starting_at with its path', async () => {
    const body = page(3);
    delete (body.data[1] as { results?: unknown }).results;
    server = await scriptedServer([json(200, body)]);
    await expect(collectBuckets(client(server.url))).rejects.toMatchObject({ issuePath: 'data[1].results' });
  });

  it('treats a 200 without data and has_more as a ResponseShapeError, never an empty result', async () => {
    server = await scriptedServer([json(200, { type: 'something_else' })]);
    await expect(collectBuckets(client(server.url))).rejects.toMatchObject({ name: 'ResponseShapeError', issuePath: 'data' });
  });

  it('refuses a page whose data is there but has_more is missing', async () => {
    server = await scriptedServer([json(200, { data: [bucket(0)] })]);
    await expect(collectBuckets(client(server.url))).rejects.toMatchObject({ name: 'ResponseShapeError', issuePath: 'has_more' });
  });

  it('retries invalid JSON inside one bucket like any invalid body', async () => {
    const good = JSON.stringify(page(3));
    const bad = good.replace('"1.1"', '"1.1",,');
    server = await scriptedServer([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(bad);
      },
      json(200, page(3)),
    ]);
    const stats = newRequestStats();
    expect(await collectBuckets(client(server.url), stats)).toHaveLength(3);
    expect(stats).toMatchObject({ requests: 2, retries: 1 });
  });
});
