/**
 * A local stand-in for the BigQuery REST endpoints the official client calls (datasets, tables,
 * jobs incl. the multipart upload endpoint, getQueryResults). It records every request and keeps
 * just enough state (datasets, tables, jobs) to answer like BigQuery; it does not execute SQL:
 * query results come from a hook the test sets. Rows a test seeds into `rows` live with their table
 * as in BigQuery: ALTER TABLE ADD COLUMN gives them NULL, DROP COLUMN removes the value, deleting
 * the table deletes them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  /** Parsed JSON body, or for multipart uploads the JSON metadata part. */
  json: unknown;
  /** The media part of a multipart upload (the NDJSON), verbatim. */
  media?: string;
  /** The Authorization header as sent, if any. */
  authorization?: string;
}

/** An error answer in BigQuery's shape. */
export interface Denial {
  code: number;
  message: string;
  reason: string;
}

export interface QueryAnswer {
  fields: { name: string; type: string; mode?: string }[];
  rows: (string | null)[][];
}

interface JobState {
  resource: Record<string, unknown>;
  sql?: string;
  params?: unknown[];
}

export class BigQueryStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly datasets = new Map<string, Record<string, unknown>>();
  readonly tables = new Map<string, Record<string, unknown>>();
  /** Stored rows per table id (project.dataset.table), column name → cell; seeded by tests. */
  readonly rows = new Map<string, Record<string, unknown>[]>();
  private readonly jobs = new Map<string, JobState>();
  /** Answers query jobs; undefined means an empty result (as for DML and scripts). */
  answer: (sql: string, params: unknown[]) => QueryAnswer | undefined = () => undefined;
  /** Rows per getQueryResults page (pageToken = index of the next row); undefined: one page. */
  pageSize: number | undefined = undefined;
  /** Makes a query job fail (status.errorResult) when it returns a message. */
  failQuery: (sql: string) => string | undefined = () => undefined;
  /** The bearer token every request must carry; null accepts anonymous requests, as emulators do. */
  token: string | null = 'stand-in-token';
  /** Answers a request with a BigQuery error instead (403 access denied, 404 project, ...). */
  deny: (req: RecordedRequest) => Denial | undefined = () => undefined;
  /** Makes the upload endpoint misbehave: 'garbage' answers 200 with a body that is not JSON. */
  breakUpload: 'garbage' | null = null;
  private server: Server | null = null;
  port = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => this.send(res, 500, { error: { code: 500, message: err.message } }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }

  private alterTable(id: string, clauses: string): void {
    const table = this.tables.get(id) as { schema?: { fields?: StandInField[] } } | undefined;
    if (!table) throw new Error(`Not found: Table ${id}`);
    const before = new Set((table.schema?.fields ?? []).map((f) => f.name));
    table.schema = { ...table.schema, fields: applyAlter(table.schema?.fields ?? [], clauses) };
    const after = new Set(table.schema.fields!.map((f) => f.name));
    const rows = this.rows.get(id);
    if (rows) {
      this.rows.set(
        id,
        rows.map((r) => Object.fromEntries([...after].map((c) => [c, before.has(c) ? (r[c] ?? null) : null]))),
      );
    }
  }

  /** Query jobs' SQL, in order. */
  get queries(): { sql: string; params: unknown[] }[] {
    return this.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith('/jobs') && !r.path.startsWith('/upload/'))
      .map((r) => {
        const q = (r.json as { configuration: { query: { query: string; queryParameters?: unknown[] } } }).configuration.query;
        return { sql: q.query, params: q.queryParameters ?? [] };
      });
  }

  get uploads(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/upload/'));
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }

  private notFound(res: ServerResponse, what: string): void {
    this.send(res, 404, { error: { code: 404, message: `Not found: ${what}`, errors: [{ reason: 'notFound', message: `Not found: ${what}` }] } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const contentType = String(req.headers['content-type'] ?? '');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      json: undefined,
    };
    if (contentType.startsWith('multipart/related')) {
      const parts = parseMultipart(raw, contentType);
      rec.json = JSON.parse(parts[0] ?? 'null');
      rec.media = parts[1] ?? '';
    } else if (raw) {
      rec.json = JSON.parse(raw);
    }
    if (req.headers.authorization !== undefined) rec.authorization = req.headers.authorization;
    this.requests.push(rec);
    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`) {
      this.send(res, 401, { error: { code: 401, message: 'Request is missing required authentication credential.', errors: [{ reason: 'required', message: 'Login Required.' }] } });
      return;
    }
    const denial = this.deny(rec);
    if (denial) {
      this.send(res, denial.code, { error: { code: denial.code, message: denial.message, errors: [{ reason: denial.reason, message: denial.message }] } });
      return;
    }
    if (this.breakUpload === 'garbage' && rec.path.startsWith('/upload/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>upstream proxy error</html>');
      return;
    }

    const p = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(p)) && rec.method === 'GET') {
      const ds = this.datasets.get(`${m[1]}.${m[2]}`);
      return ds ? this.send(res, 200, ds) : this.notFound(res, `Dataset ${m[1]}:${m[2]}`);
    }
    if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets$/.exec(p)) && rec.method === 'POST') {
      const body = rec.json as { datasetReference: { datasetId: string }; location?: string };
      const id = `${m[1]}.${body.datasetReference.datasetId}`;
      const resource = { ...body, id: id.replace('.', ':'), location: body.location ?? 'US' };
      this.datasets.set(id, resource);
      return this.send(res, 200, resource);
    }
    if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/.exec(p)) && rec.method === 'POST') {
      const body = rec.json as { tableReference: { tableId: string } };
      const id = `${m[1]}.${m[2]}.${body.tableReference.tableId}`;
      if (this.tables.has(id)) return this.send(res, 409, { error: { code: 409, message: `Already Exists: Table ${id}` } });
      this.tables.set(id, { ...body, id });
      return this.send(res, 200, { ...body, id });
    }
    if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(p))) {
      const id = `${m[1]}.${m[2]}.${m[3]}`;
      const table = this.tables.get(id);
      if (!table) return this.notFound(res, `Table ${id}`);
      if (rec.method === 'DELETE') {
        this.tables.delete(id);
        this.rows.delete(id);
        res.writeHead(204).end();
        return;
      }
      if (rec.method === 'PATCH' || rec.method === 'PUT') Object.assign(table, rec.json);
      return this.send(res, 200, table);
    }
    if ((m = /^(?:\/upload)?\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(p)) && rec.method === 'POST') {
      const body = rec.json as { jobReference?: { jobId?: string; location?: string }; configuration: Record<string, unknown> };
      const jobId = body.jobReference?.jobId ?? `job_${this.jobs.size + 1}`;
      const query = (body.configuration.query as { query?: string; queryParameters?: unknown[] } | undefined) ?? undefined;
      const failure = query?.query ? this.failQuery(query.query) : undefined;
      const load = body.configuration.load as { destinationTable?: { projectId: string; datasetId: string; tableId: string } } | undefined;
      if (load?.destinationTable) {
        const t = load.destinationTable;
        if (!this.tables.has(`${t.projectId}.${t.datasetId}.${t.tableId}`)) return this.notFound(res, `Table ${t.tableId}`);
      }
      const lines = rec.media ? rec.media.split('\n').filter(Boolean).length : 0;
      const resource: Record<string, unknown> = {
        kind: 'bigquery#job',
        id: `${m[1]}:${body.jobReference?.location ?? 'US'}.${jobId}`,
        jobReference: { projectId: m[1], jobId, location: body.jobReference?.location ?? 'US' },
        configuration: body.configuration,
        status: failure
          ? { state: 'DONE', errorResult: { reason: 'invalidQuery', message: failure }, errors: [{ reason: 'invalidQuery', message: failure }] }
          : { state: 'DONE' },
        statistics: query ? { query: { totalBytesProcessed: '1048576', totalBytesBilled: '10485760', cacheHit: false } } : { load: { outputRows: String(lines) } },
      };
      this.jobs.set(jobId, { resource, sql: query?.query, params: query?.queryParameters ?? [] });
      // The one DDL the warehouse sends: remember the view as BigQuery would, so a later get sees it.
      const view = failure ? null : /^CREATE OR REPLACE VIEW `([^`]+)` AS ([\s\S]*)$/.exec(query?.query ?? '');
      if (view) {
        const [project, dataset, table] = view[1]!.split('.');
        this.tables.set(view[1]!, {
          id: view[1],
          type: 'VIEW',
          tableReference: { projectId: project, datasetId: dataset, tableId: table },
          view: { query: view[2], useLegacySql: false },
        });
      }
      // Column DDL of migrations, applied to the table resource as BigQuery would.
      const alter = failure ? null : /^ALTER TABLE `([^`]+)`\n([\s\S]*)$/.exec(query?.query ?? '');
      if (alter) this.alterTable(alter[1]!, alter[2]!);
      // As in BigQuery, a failing job is accepted as RUNNING; its error shows up when it is polled.
      return this.send(res, 200, failure ? { ...resource, status: { state: 'RUNNING' } } : resource);
    }
    if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(p)) && rec.method === 'GET') {
      const job = this.jobs.get(decodeURIComponent(m[2]!));
      return job ? this.send(res, 200, job.resource) : this.notFound(res, `Job ${m[2]}`);
    }
    if ((m = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(p)) && rec.method === 'GET') {
      const job = this.jobs.get(decodeURIComponent(m[2]!));
      if (!job) return this.notFound(res, `Job ${m[2]}`);
      const answer = job.sql ? this.answer(job.sql, job.params ?? []) : undefined;
      const all = answer?.rows ?? [];
      const start = Number(rec.query.pageToken ?? '0');
      const end = this.pageSize === undefined ? all.length : Math.min(all.length, start + this.pageSize);
      const page = all.slice(start, end);
      return this.send(res, 200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: job.resource.jobReference,
        jobComplete: true,
        schema: { fields: answer?.fields ?? [] },
        totalRows: String(all.length),
        ...(page.length ? { rows: page.map((r) => ({ f: r.map((v) => ({ v })) })) } : {}),
        ...(end < all.length ? { pageToken: String(end) } : {}),
      });
    }
    // What any other web server says to a path it does not serve: a 404 that is not BigQuery's.
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`stand-in does not implement ${rec.method} ${p}`);
  }
}

type StandInField = { name: string; type: string; mode?: string; description?: string };

function applyAlter(fields: StandInField[], clauses: string): StandInField[] {
  let out = [...fields];
  for (const clause of clauses.split(/,\n\s*/).map((c) => c.trim())) {
    const add = /^ADD COLUMN IF NOT EXISTS `([^`]+)` (\w+) OPTIONS\(description = ("(?:[^"\\]|\\.)*")\)$/.exec(clause);
    const drop = /^DROP COLUMN IF EXISTS `([^`]+)`$/.exec(clause);
    if (add) {
      if (!out.some((f) => f.name === add[1])) out.push({ name: add[1]!, type: add[2]!, mode: 'NULLABLE', description: JSON.parse(add[3]!) as string });
    } else if (drop) {
      out = out.filter((f) => f.name !== drop[1]);
    } else {
      throw new Error(`stand-in does not understand ALTER TABLE clause: ${clause}`);
    }
  }
  return out;
}

function parseMultipart(raw: string, contentType: string): string[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error('multipart without boundary');
  return raw
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const body = part.slice(part.indexOf('\r\n\r\n') + 4);
      return body.endsWith('\r\n') ? body.slice(0, -2) : body;
    });
}
