/** Tiny scripted HTTP servers on 127.0.0.1 for the source tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEST_KEY = 'sk-ant-admin01-test-secret-key-do-not-print-1234567890';

export interface Seen {
  url: URL;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

export interface ScriptedServer {
  url: string;
  requests: Seen[];
  close(): Promise<void>;
}

/**
 * Answers the n-th request with handlers[n] (the last handler repeats), or calls a single handler
 * for every request.
 */
export async function scriptedServer(handlers: Handler[] | Handler): Promise<ScriptedServer> {
  const requests: Seen[] = [];
  const server = http.createServer((req, res) => {
    const seen: Seen = { url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers, at: Date.now() };
    requests.push(seen);
    const h = typeof handlers === 'function' ? handlers : handlers[Math.min(requests.length - 1, handlers.length - 1)]!;
    h(req, res, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${status}_${Math.random().toString(36).slice(2, 8)}`, ...headers });
    res.end(text);
  };
}

export function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}): Handler {
  return json(status, { type: 'error', error: { type, message } }, headers);
}

export function raw(status: number, body: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

/** Kills the socket before any response: fetch sees "other side closed". */
export const reset: Handler = (req) => {
  req.socket.destroy();
};

/** Promises 1000 bytes of JSON, sends a few, then cuts the connection. */
export const truncated: Handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"data":[{"starting_at":');
  setTimeout(() => req.socket.destroy(), 10);
};

/** A 200 with a complete but invalid JSON body. */
export const badJson: Handler = raw(200, '{"data": [', { 'content-type': 'application/json' });

/** Never answers (until the server closes). */
export const hang: Handler = () => {};

export const emptyReport = { data: [], has_more: false, next_page: null };
