import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiClient, buildUrl } from '../../src/source/index.js';
import { TEST_KEY, scriptedServer, type ScriptedServer } from './helpers.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('buildUrl', () => {
  it('sends arrays as repeated name[]=value pairs and skips undefined', () => {
    const url = buildUrl(new URL('https://api.anthropic.com'), '/v1/organizations/cost_report', {
      starting_at: '2025-01-01T00:00:00Z',
      group_by: ['workspace_id', 'description'],
      limit: 31,
      include_archived: true,
      page: undefined,
      models: [],
    });
    expect(url.toString()).toBe(
      'https://api.anthropic.com/v1/organizations/cost_report?starting_at=2025-01-01T00%3A00%3A00Z&group_by[]=workspace_id&group_by[]=description&limit=31&include_archived=true',
    );
    expect(url.searchParams.getAll('group_by[]')).toEqual(['workspace_id', 'description']);
  });

  it('keeps a base path prefix, encodes values and does not double the brackets', () => {
    const url = buildUrl(new URL('https://proxy.example.com/anthropic/'), 'v1/x', { 'models[]': ['a b&c'], page: 'p/1+2' });
    expect(url.pathname).toBe('/anthropic/v1/x');
    expect(url.search).toBe('?models[]=a%20b%26c&page=p%2F1%2B2');
    expect(url.searchParams.get('page')).toBe('p/1+2');
  });
});

describe('reading a body', () => {
  it('joins a body sent in many small chunks, split inside multi-byte characters, and drops a byte-order mark', async () => {
    const body = { data: [{ name: 'Zoë’s workspace 中文 😀' }], has_more: false, next_page: null };
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(body))]);
    server = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // 7-byte writes, each flushed on its own, so characters straddle chunk boundaries.
      let at = 0;
      const next = () => {
        if (at >= bytes.length) return res.end();
        res.write(bytes.subarray(at, (at += 7)), () => setImmediate(next));
      };
      next();
    });
    const client = new AdminApiClient({ baseUrl: server.url, apiKey: TEST_KEY });
    expect(await client.getJson('/x', {})).toEqual(body);
    expect(server.requests).toHaveLength(1);
  });
});
