/**
 * A loopback server that replays hand-written Admin API responses (test/fixtures/admin-api/). Each
 * fixture names a path and the query parameters that matter; a request is answered by the matching
 * fixture that constrains the most parameters. Like the real API it insists on an admin key and
 * an anthropic-version header. Every request is recorded, so a test can prove nothing went unanswered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A query constraint: a value (one occurrence), several values (a repeated name[] parameter, any order), or null (absent). */
export type QueryConstraint = string | string[] | null;

export interface Fixture {
  /** Where the fixture came from, for messages. */
  source?: string;
  request: { path: string; query?: Record<string, QueryConstraint> };
  status?: number;
  /** The response body: a JSON value, sent as JSON text. */
  body?: unknown;
  /** The response body as raw text instead, for bodies JSON cannot express the way a server wrote them. */
  rawBody?: string;
}

export interface RecordedRequest {
  path: string;
  query: string;
  status: number;
  fixture: string | null;
}

export interface ReplayServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests no fixture answered (404). */
  unmatched(): RecordedRequest[];
  close(): Promise<void>;
}

const FIXTURES = join(import.meta.dirname, '../fixtures/admin-api');

/** The fixtures of one or more folders under test/fixtures/admin-api (each file one fixture or an array of them). */
export function loadFixtures(...folders: string[]): Fixture[] {
  const out: Fixture[] = [];
  for (const folder of folders) {
    const dir = join(FIXTURES, folder);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Fixture | Fixture[];
      for (const f of Array.isArray(parsed) ? parsed : [parsed]) out.push({ ...f, source: `${folder}/${name}` });
    }
  }
  return out;
}

/** The raw text of a fixture file (to compare what was sent with what was stored). */
export function fixtureText(file: string): string {
  return readFileSync(join(FIXTURES, file), 'utf8');
}

function matches(f: Fixture, path: string, q: URLSearchParams): boolean {
  if (f.request.path !== path) return false;
  for (const [name, want] of Object.entries(f.request.query ?? {})) {
    const got = q.getAll(name);
    if (want === null) {
      if (got.length > 0) return false;
    } else if (typeof want === 'string') {
      if (got.length !== 1 || got[0] !== want) return false;
    } else if (JSON.stringify([...got].sort()) !== JSON.stringify([...want].sort())) {
      return false;
    }
  }
  return true;
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

export async function startReplayServer(fixtures: Fixture[]): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, text: string, fixture: string | null) => {
      requests.push({ path: url.pathname, query: url.search, status, fixture });
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_replay_${++n}` });
      res.end(text);
    };
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !key.startsWith('sk-ant-admin')) return send(401, errorBody('authentication_error', 'invalid x-api-key'), null);
    if (!req.headers['anthropic-version']) return send(400, errorBody('invalid_request_error', 'anthropic-version: header is required'), null);
    const candidates = fixtures.filter((f) => matches(f, url.pathname, url.searchParams));
    candidates.sort((a, b) => Object.keys(b.request.query ?? {}).length - Object.keys(a.request.query ?? {}).length);
    const f = candidates[0];
    if (!f) return send(404, errorBody('not_found_error', `no fixture for ${url.pathname}${url.search}`), null);
    send(f.status ?? 200, f.rawBody ?? JSON.stringify(f.body), f.source ?? null);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unmatched: () => requests.filter((r) => r.status === 404),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
