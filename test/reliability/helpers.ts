/** Shared pieces of the reliability tests: environments, warehouse fingerprints, a closed port, a 401 gate. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'vitest';
import { EMULATOR_ADMIN_KEY, type Emulator } from '../../src/emulator/index.js';
import { TABLES, type TableName } from '../../src/warehouse/tables.js';
import type { CliResult } from '../helpers/cli.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';

export const TODAY = '2026-05-10';
export const FROM = '2026-04-20';

/** Environment for a CLI run against `emu`, with backoff short enough for tests. */
export function envFor(emu: Emulator | { url: string }, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ANTHROPIC_ADMIN_KEY: EMULATOR_ADMIN_KEY,
    ANTHROPIC_BASE_URL: emu.url,
    CLAUDE_INGEST_TODAY: TODAY,
    CLAUDE_INGEST_RETRY_BASE_MS: '5',
    CLAUDE_INGEST_RETRY_MAX_MS: '50',
    ...extra,
  };
}

/** Every row of every table (lineage included), sorted: equal fingerprints mean nothing was written. */
export async function fullDump(file: string): Promise<Record<string, string[]>> {
  // Opened raw (not through openWarehouse), so it also reads warehouses the tool itself refuses.
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const out: Record<string, string[]> = {};
    for (const name of Object.keys(TABLES) as TableName[]) {
      const reader = await conn.runAndReadAll(`SELECT * FROM "${TABLES[name].name}"`);
      out[name] = reader.getRowsJson().map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export function fileDigest(file: string): string | null {
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
}

/** A command that refused its input: one readable line on stderr, the exit code, no stack trace, nothing on stdout. */
export function expectOneLineRefusal(res: CliResult, code: number, message: RegExp | string): void {
  expect(res.code, res.stderr).toBe(code);
  expect(res.stdout).toBe('');
  const lines = res.stderr.trim().split('\n');
  expect(lines, res.stderr).toHaveLength(1);
  const text = lines[0]!.startsWith('{') ? (JSON.parse(lines[0]!) as { message: string; severity: string }) : { message: lines[0]!, severity: 'ERROR' };
  expect(text.severity).toBe('ERROR');
  if (typeof message === 'string') expect(text.message).toContain(message);
  else expect(text.message).toMatch(message);
  expect(text.message).not.toMatch(/unexpected error|\n\s+at |Error:/);
}

/** A loopback port that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The real API knows which admin keys exist; the emulator accepts any sk-ant-admin… key. This gate
 * sits in front of the emulator and answers 401 authentication_error (the documented body) to every
 * key but `accepted`, forwarding the rest untouched.
 */
export async function startAuthGate(upstream: Emulator, accepted: string, opts: { echoKey?: boolean } = {}): Promise<{ url: string; rejected: () => number; close(): Promise<void> }> {
  let rejected = 0;
  const server: Server = createServer((req, res) => {
    if (req.headers['x-api-key'] !== accepted) {
      rejected++;
      req.resume();
      // echoKey: a careless proxy or server that quotes the key back; the client must not repeat it.
      const message = opts.echoKey ? `invalid x-api-key ${String(req.headers['x-api-key'])}` : 'invalid x-api-key';
      const body = JSON.stringify({ type: 'error', error: { type: 'authentication_error', message } });
      res.writeHead(401, { 'content-type': 'application/json', 'request-id': `req_gate_${rejected}` });
      res.end(body);
      return;
    }
    const target = new URL(req.url ?? '/', upstream.url);
    const fwd = request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rejected: () => rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Rows per fact table for days in [from, to]. */
export async function rowsInDays(file: string, table: TableName, from: string, to: string): Promise<number> {
  const [r] = await queryWarehouse(file, `SELECT COUNT(*) AS n FROM "${TABLES[table].name}" WHERE activity_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`, [from, to]);
  return Number(r!.n);
}

/** Collects a child's output and resolves `until` once a stderr line matches. */
export function watch(child: import('node:child_process').ChildProcess) {
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...waiters]) {
      if (w.re.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    until(re: RegExp): Promise<void> {
      if (re.test(stderr)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then(() => reject(new Error(`exited before ${re}: ${stderr}`)));
      });
    },
  };
}
