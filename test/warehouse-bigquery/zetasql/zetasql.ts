/**
 * ZetaSQL (the open-source GoogleSQL front end) as a local analyzer: starts the package's
 * remote_server on 127.0.0.1 and talks to it over gRPC with the package's own protos. The package
 * lives in .cache/zetasql (scripts/zetasql-install.sh puts it there), never in node_modules.
 *
 * The package's ZetaSQLClient is not used: it connects to "localhost", and the tests talk to
 * 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ZETASQL_DIR = fileURLToPath(new URL('../../../.cache/zetasql/node_modules/@fivetrandevelopers/zetasql/', import.meta.url));

/** A parameter or column type in ZetaSQL's TypeProto shape. */
export interface ZType {
  typeKind: string;
  arrayType?: { elementType: ZType };
}

/** One resolved-AST node as the loader renders it: plain objects, one key per oneof choice. */
export type AstNode = { [key: string]: unknown };

type Callback = (err: { code?: number; details?: string } | null, value: unknown) => void;
type Api = Record<string, (req: unknown, cb: Callback) => void> & { close(): void };

export class AnalyzeError extends Error {}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class ZetaSql {
  private constructor(
    private readonly child: ChildProcess,
    private readonly api: Api,
    /** The server's loopback port. */
    readonly port: number,
  ) {}

  static async start(): Promise<ZetaSql> {
    const server = `${ZETASQL_DIR}lib/zetasql/remote_server.so`;
    if (!existsSync(server)) throw new Error(`${server} is missing: run bash scripts/zetasql-install.sh (npm run test:bigquery-sql does)`);
    const port = await freePort();
    const child = spawn(server, ['127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ZetaSQL server did not start within 30 s: ${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('Server listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ZetaSQL server exited with ${String(code)}: ${output}`));
      });
    });
    // The package's own gRPC client libraries, from its install folder.
    const req = createRequire(`${ZETASQL_DIR}package.json`);
    const grpc = req('@grpc/grpc-js') as {
      loadPackageDefinition(d: unknown): { zetasql: { local_service: { ZetaSqlLocalService: new (addr: string, creds: unknown, opts: unknown) => Api } } };
      credentials: { createInsecure(): unknown };
    };
    const loader = req('@grpc/proto-loader') as { loadSync(file: string, opts: unknown): unknown };
    const def = loader.loadSync('local_service.proto', { defaults: true, oneofs: true, longs: String, enums: String, includeDirs: [`${ZETASQL_DIR}lib/zetasql/protos`] });
    const Service = grpc.loadPackageDefinition(def).zetasql.local_service.ZetaSqlLocalService;
    const api = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
    return new ZetaSql(child, api, port);
  }

  call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.api[method]!(request, (err, value) => (err ? reject(new AnalyzeError(err.details ?? String(err))) : resolve(value as T)));
    });
  }

  async stop(): Promise<void> {
    this.api.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}
