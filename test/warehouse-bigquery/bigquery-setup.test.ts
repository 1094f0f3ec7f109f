/**
 * BigQuery as a new user meets it, against the loopback stand-in: choosing the endpoint and the
 * credential, and every setup mistake reported as one line with exit 2 through the real CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { normalizeEndpoint, resolveConnection } from '../../src/warehouse/bigquery/client.js';
import { openBigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import type { RowOf } from '../../src/warehouse/tables.js';
import { runCli } from '../helpers/cli.js';
import { DATASET, PROJECT, TOKEN, useStandIn } from './harness.js';

let closedPort = 0;
const h = useStandIn(() => [closedPort]);
const { standIn } = h;
const dir = mkdtempSync(join(tmpdir(), 'claude-ingest-bq-setup-'));

beforeAll(async () => {
  // A port nothing listens on: bound, read, released.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closedPort = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
});

beforeEach(() => {
  standIn.requests.length = 0;
  standIn.token = TOKEN;
  standIn.deny = () => undefined;
  standIn.answer = (sql) => (sql.startsWith('SELECT') && sql.includes('claude_ingest_meta') ? { fields: [{ name: 'value', type: 'STRING' }], rows: [] } : undefined);
});
afterEach(() => {
  standIn.tables.clear();
  standIn.datasets.clear();
  delete process.env.BIGQUERY_EMULATOR_HOST;
});

const url = (query: string) => `bigquery://${PROJECT}/${DATASET}${query}`;
/** An environment with no credential anywhere: no key file, an empty home, no metadata server. */
const bareEnv = () => ({ HOME: dir, METADATA_SERVER_DETECTION: 'none', CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLAUDE_INGEST_TODAY: '2025-03-10' });

/** `status` opens the warehouse read-only, the way a new user's first command does. */
async function status(warehouse: string, env: Record<string, string> = {}) {
  const res = await runCli(['status', '--warehouse', warehouse], { ...bareEnv(), ...env });
  // stderr is not a terminal here, so the CLI logs JSON lines; each carries the one-line message.
  const lines = res.stderr.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
  return { ...res, lines };
}

describe('endpoint and credentials', () => {
  it('normalises an endpoint with or without a scheme and /bigquery/v2, and refuses credentials over plain http beyond loopback', () => {
    for (const raw of ['http://127.0.0.1:9050', 'http://127.0.0.1:9050/', 'http://127.0.0.1:9050/bigquery/v2', '127.0.0.1:9050/bigquery/v2/']) {
      expect(normalizeEndpoint(raw, 'x'), raw).toBe('http://127.0.0.1:9050');
    }
    expect(resolveConnection({}, {})).toEqual({ auth: 'adc' });
    expect(resolveConnection({}, { BIGQUERY_EMULATOR_HOST: 'localhost:9050' })).toEqual({ endpoint: 'http://localhost:9050', auth: 'none' });
    expect(resolveConnection({ endpoint: 'https://bq.example.com' }, { BIGQUERY_EMULATOR_HOST: 'x:1' })).toEqual({ endpoint: 'https://bq.example.com', auth: 'none' });
    expect(resolveConnection({ endpoint: 'https://bq.example.com', auth: 'adc' }, {})).toEqual({ endpoint: 'https://bq.example.com', auth: 'adc' });
    expect(resolveConnection({}, { CLAUDE_INGEST_BIGQUERY_TOKEN: 't' })).toEqual({ auth: 'token' });
    expect(() => resolveConnection({ endpoint: 'http://emulator:9050', auth: 'adc' }, {})).toThrow(/credentials go only over https/);
    expect(() => resolveConnection({ auth: 'token' }, {})).toThrow(/CLAUDE_INGEST_BIGQUERY_TOKEN/);
    expect(() => normalizeEndpoint('http://h:1/?x=1', '?endpoint=')).toThrow(/plain API root/);
  });

  it('?endpoint= (with /bigquery/v2) and anonymous auth: the whole write path, load jobs included, reaches the emulator without credentials', async () => {
    standIn.token = null;
    const wh = await openBigQueryWarehouse(
      { kind: 'bigquery', project: PROJECT, dataset: DATASET, endpoint: `${h.endpoint()}/bigquery/v2` },
      { env: bareEnv(), bigQueryOptions: { autoRetry: false }, onJobStats: () => undefined },
    );
    await wh.init();
    const rows = await wh.replaceWindow(
      { organizationId: 'org_test', tables: ['claude_workspaces'], ledger: { runId: 'r1', stream: 'org', windowStart: '2025-03-10', windowEnd: '2025-03-10', status: 'running', complete: false, rows: 0, requests: 0, retries: 0, rateLimited: 0, centsTotal: null, error: null, startedAt: '2025-03-10T00:00:00Z', finishedAt: null } },
      async (sink) => {
        const cols = (await import('../../src/warehouse/tables.js')).TABLES.claude_workspaces.columns;
        const { STAMPED_COLUMNS } = await import('../../src/warehouse/tables.js');
        const own = cols.filter((c) => !(STAMPED_COLUMNS as readonly string[]).includes(c.name));
        const row = Object.fromEntries(own.map((c) => [c.name, c.nullable === false ? (c.type === 'timestamp' ? '2025-03-10T00:00:00Z' : 'x') : null]));
        // Built from the runtime columns, so its type is only Row: the cast states it is a full claude_workspaces row.
        await sink.append('claude_workspaces', [row as RowOf<'claude_workspaces'>]);
      },
    );
    expect(rows).toBe(1);
    expect(standIn.uploads).toHaveLength(1);
    expect(standIn.requests.every((r) => r.authorization === undefined)).toBe(true);
    expect(standIn.requests.every((r) => r.path.startsWith('/bigquery/v2/') || r.path.startsWith('/upload/bigquery/v2/'))).toBe(true);
    expect(wh.location).toBe(`bigquery://${PROJECT}/${DATASET}?endpoint=${h.endpoint()}`);
  });

  it('BIGQUERY_EMULATOR_HOST without a scheme or /bigquery/v2 works too (the client library alone would drop the prefix)', async () => {
    standIn.token = null;
    process.env.BIGQUERY_EMULATOR_HOST = h.endpoint().replace('http://', '');
    const res = await runCli(['backfill', '--from', '2025-03-09', '--streams', 'org', '--warehouse', url('')], {
      ...bareEnv(),
      BIGQUERY_EMULATOR_HOST: process.env.BIGQUERY_EMULATOR_HOST,
      ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-unused',
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${closedPort}`,
      CLAUDE_INGEST_RETRY_BASE_MS: '1',
      CLAUDE_INGEST_RETRY_MAX_MS: '2',
    });
    // The Admin API is unreachable on purpose; the warehouse side (dataset, tables, ledger) worked.
    expect(standIn.datasets.has(`${PROJECT}.${DATASET}`), res.stderr).toBe(true);
    expect(standIn.requests.filter((r) => !r.path.startsWith('/bigquery/v2/') && !r.path.startsWith('/upload/bigquery/v2/'))).toEqual([]);
    // The run reached the ledger through the emulator host (a run stopped before its windows records only ingest_runs).
    expect(standIn.queries.some((q) => /^MERGE `test-project\.claude_usage\.ingest_(runs|windows)`/.test(q.sql))).toBe(true);
  });

  it('a static token from CLAUDE_INGEST_BIGQUERY_TOKEN is sent as the bearer', async () => {
    const res = await status(url(`?endpoint=${encodeURIComponent(h.endpoint())}`), { CLAUDE_INGEST_BIGQUERY_TOKEN: TOKEN });
    // Read-only on a dataset that does not exist yet: a clear line, but every request carried the token.
    expect(res.lines).toEqual([expect.stringMatching(/does not exist: run a backfill first/)]);
    expect(res.code).toBe(2);
    expect(standIn.requests.length).toBeGreaterThan(0);
    expect(standIn.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});

describe('setup mistakes: one line, exit 2', () => {
  const endpoint = () => encodeURIComponent(h.endpoint());

  it.each([
    ['a credential file that does not exist', () => ({ GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'missing.json') }), /^GOOGLE_APPLICATION_CREDENTIALS names .*missing\.json, which does not exist: fix the path/],
    ['a credential file that is a directory', () => ({ GOOGLE_APPLICATION_CREDENTIALS: dir }), /which is a directory/],
    ['a credential file that is not a credential', () => (writeFileSync(join(dir, 'notes.json'), 'hello'), { GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'notes.json') }), /is not a Google credential file/],
  ])('%s', async (_name, env, expected) => {
    const res = await status(url(`?endpoint=${endpoint()}&auth=adc`), env());
    expect(res.lines).toHaveLength(1);
    expect(res.lines[0]).toMatch(expected);
    expect(res.code).toBe(2);
    expect(standIn.requests).toEqual([]);
  });

  it('no Application Default Credentials at all', async () => {
    // The auth library reads the process environment itself: no key file, a home without gcloud.
    const saved = { creds: process.env.GOOGLE_APPLICATION_CREDENTIALS, home: process.env.HOME, config: process.env.CLOUDSDK_CONFIG };
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    Object.assign(process.env, { HOME: dir, CLOUDSDK_CONFIG: join(dir, 'gcloud') });
    try {
      const res = await status(url(`?endpoint=${endpoint()}&auth=adc`));
      expect(res.lines).toEqual([expect.stringMatching(/^no usable Google Cloud credentials: run `gcloud auth application-default login`/)]);
      expect(res.code).toBe(2);
    } finally {
      Object.assign(process.env, { GOOGLE_APPLICATION_CREDENTIALS: saved.creds, HOME: saved.home });
      if (saved.config === undefined) delete process.env.CLOUDSDK_CONFIG;
      else process.env.CLOUDSDK_CONFIG = saved.config;
    }
  });

  it('rejected credentials (401)', async () => {
    const res = await status(url(`?endpoint=${endpoint()}`), { CLAUDE_INGEST_BIGQUERY_TOKEN: 'expired' });
    expect(res.lines).toEqual([expect.stringMatching(/refused the credentials \(401\)/)]);
    expect(res.code).toBe(2);
  });

  it('403 on the dataset names the missing role', async () => {
    standIn.deny = (r) =>
      r.method === 'GET' && r.path.endsWith(`/datasets/${DATASET}`)
        ? { code: 403, reason: 'accessDenied', message: `Access Denied: Dataset ${PROJECT}:${DATASET}: Permission bigquery.datasets.get denied on dataset ${PROJECT}:${DATASET} (or it may not exist).` }
        : undefined;
    const res = await status(url(`?endpoint=${endpoint()}`), { CLAUDE_INGEST_BIGQUERY_TOKEN: TOKEN });
    expect(res.lines).toEqual([
      `BigQuery denied access (403) to ${PROJECT}.${DATASET}: grant roles/bigquery.dataViewer on dataset ${PROJECT}.${DATASET} (missing permission bigquery.datasets.get), or the project ${PROJECT} does not exist (check the project id in the warehouse URL)`,
    ]);
    expect(res.code).toBe(2);
  });

  it('403 on creating jobs names roles/bigquery.jobUser', async () => {
    standIn.deny = (r) =>
      r.method === 'POST' && r.path.endsWith('/jobs')
        ? { code: 403, reason: 'accessDenied', message: `Access Denied: Project ${PROJECT}: User does not have bigquery.jobs.create permission in project ${PROJECT}.` }
        : undefined;
    const wh = await h.open();
    await expect(wh.init()).rejects.toThrow(`grant roles/bigquery.jobUser on project ${PROJECT} (missing permission bigquery.jobs.create)`);
  });

  it('a project that does not exist', async () => {
    standIn.deny = (r) => (r.path.includes('/projects/') ? { code: 404, reason: 'notFound', message: `Not found: Project ${PROJECT}` } : undefined);
    const wh = await h.open();
    await expect(wh.init()).rejects.toThrow(`Google Cloud project ${PROJECT} does not exist or is not visible to these credentials: check the project id in the warehouse URL`);
  });

  it('an unreachable endpoint', async () => {
    // Opened directly with the library's own retries off: through the CLI the same line comes after ~15 s of them.
    const wh = await h.open({ bigQueryOptions: { autoRetry: false, apiEndpoint: `http://127.0.0.1:${closedPort}` } });
    await expect(wh.init()).rejects.toThrow(/^cannot reach the BigQuery API at .* \(ECONNREFUSED\): check the network, or \?endpoint= \/ BIGQUERY_EMULATOR_HOST/);
  });

  it('404 on the dataset is "does not exist"; a 404 from something that is not BigQuery is a wrong endpoint', async () => {
    standIn.token = null;
    const missing = await status(url(`?endpoint=${endpoint()}&auth=none`));
    expect(missing.lines).toEqual([`bigquery://${PROJECT}/${DATASET}?endpoint=${h.endpoint()}&auth=none does not exist: run a backfill first to create it`]);
    const wrong = await status(url(`?endpoint=${encodeURIComponent(`${h.endpoint()}/not-bigquery`)}&auth=none`));
    expect(wrong.lines).toEqual([expect.stringMatching(/answered 404 while opening the dataset, not as BigQuery would: check \?endpoint=/)]);
    expect([missing.code, wrong.code]).toEqual([2, 2]);
  });
});
