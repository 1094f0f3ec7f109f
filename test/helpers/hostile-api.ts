/**
 * A misbehaving Admin API on loopback: it forwards to the emulator, except where the test's `act`
 * says otherwise. `act` sees each request and either answers it itself (any status, headers and
 * body) or lets it through with the upstream JSON body rewritten. Every request is counted, so a
 * test can prove how many were made.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileRequest {
  /** 1-based, over the server's life. */
  n: number;
  path: string;
  query: URLSearchParams;
}

export type HostileAction =
  | undefined
  | { answer: { status: number; headers?: Record<string, string>; body: string } }
  | { rewrite: (body: unknown) => unknown };

export interface HostileApi {
  url: string;
  requests: HostileRequest[];
  close(): Promise<void>;
}

export async function startHostileApi(upstreamUrl: string, act: (req: HostileRequest) => HostileAction): Promise<HostileApi> {
  const requests: HostileRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const r: HostileRequest = { n: requests.length + 1, path: url.pathname, query: url.searchParams };
    requests.push(r);
    const action = act(r);
    if (action && 'answer' in action) {
      req.resume();
      res.writeHead(action.answer.status, { 'content-type': 'application/json', 'request-id': `req_hostile_${r.n}`, ...action.answer.headers });
      res.end(action.answer.body);
      return;
    }
    const target = new URL(req.url ?? '/', upstreamUrl);
    const fwd = request(target, { method: req.method, headers: req.headers }, (up) => {
      if (!action || (up.statusCode ?? 500) >= 300) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = JSON.stringify(action.rewrite(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(up.statusCode ?? 200, { 'content-type': 'application/json', 'request-id': String(up.headers['request-id'] ?? `req_hostile_${r.n}`) });
        res.end(body);
      });
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
