/**
 * Which BigQuery API and which credential: Google's endpoint with Application Default Credentials
 * by default; `?endpoint=` on the warehouse URL or BIGQUERY_EMULATOR_HOST for an emulator or a
 * private endpoint, with anonymous or static-token auth. See docs/deployment.md.
 */
import { readFileSync } from 'node:fs';
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { BigQuerySetupError } from './errors.js';

export type BigQueryAuth = 'adc' | 'none' | 'token';

export const DEFAULT_ENDPOINT = 'https://bigquery.googleapis.com';
/** Environment variable holding a static OAuth access token (auth=token). */
export const TOKEN_ENV = 'CLAUDE_INGEST_BIGQUERY_TOKEN';

export interface ConnectionSettings {
  /** The API root, without /bigquery/v2; undefined: Google's. */
  endpoint?: string;
  auth: BigQueryAuth;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * An API root from `?endpoint=` or BIGQUERY_EMULATOR_HOST: a scheme is optional (emulators are
 * usually given as host:port), a trailing /bigquery/v2 is dropped because the client adds it.
 */
export function normalizeEndpoint(raw: string, from: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new BigQuerySetupError(`${from} "${raw}" is not a URL: use e.g. http://localhost:9050`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BigQuerySetupError(`${from} "${raw}" must be http:// or https://`);
  if (url.search || url.hash || url.username || url.password) throw new BigQuerySetupError(`${from} "${raw}" must be a plain API root such as http://localhost:9050`);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/bigquery\/v2$/i, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** Endpoint and auth from the URL's options and the environment; the URL wins over the environment. */
export function resolveConnection(
  opts: { endpoint?: string; auth?: string },
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSettings {
  const endpoint =
    opts.endpoint !== undefined
      ? normalizeEndpoint(opts.endpoint, '?endpoint=')
      : env.BIGQUERY_EMULATOR_HOST
        ? normalizeEndpoint(env.BIGQUERY_EMULATOR_HOST, 'BIGQUERY_EMULATOR_HOST')
        : undefined;
  if (opts.auth !== undefined && opts.auth !== 'adc' && opts.auth !== 'none' && opts.auth !== 'token') {
    throw new BigQuerySetupError(`?auth=${opts.auth} is not one of adc, none, token`);
  }
  const auth: BigQueryAuth = (opts.auth as BigQueryAuth | undefined) ?? (env[TOKEN_ENV] ? 'token' : endpoint ? 'none' : 'adc');
  if (auth === 'token' && !env[TOKEN_ENV]) throw new BigQuerySetupError(`?auth=token needs the access token in ${TOKEN_ENV}`);
  if (endpoint && auth !== 'none') {
    const url = new URL(endpoint);
    // A credential never travels in clear beyond this machine.
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
      throw new BigQuerySetupError(`${endpoint} is plain http: credentials go only over https (or to localhost); use ?auth=none for an emulator`);
    }
  }
  return endpoint ? { endpoint, auth } : { auth };
}

/**
 * Checks what can be checked before the first request: a GOOGLE_APPLICATION_CREDENTIALS file that
 * is missing or unreadable would otherwise surface deep inside the first API call.
 */
export function checkCredentialFile(settings: ConnectionSettings, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (settings.auth !== 'adc' || !file) return;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
    throw new BigQuerySetupError(
      `GOOGLE_APPLICATION_CREDENTIALS names ${file}, which ${why}: fix the path, or unset it to use gcloud's application default credentials`,
    );
  }
  let type: unknown;
  try {
    type = (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    type = undefined;
  }
  if (typeof type !== 'string') {
    throw new BigQuerySetupError(
      `GOOGLE_APPLICATION_CREDENTIALS names ${file}, which is not a Google credential file (JSON with a "type"): download a service-account key or run \`gcloud auth application-default login\``,
    );
  }
}

/**
 * The library's own credential interface, reduced to what it calls: a fixed header (or none). It
 * never refreshes and never looks for Application Default Credentials.
 */
function staticAuthClient(token: string | null): NonNullable<BigQueryOptions['authClient']> {
  const headers = () => new Headers(token ? { authorization: `Bearer ${token}` } : {});
  return {
    getRequestHeaders: async () => headers(),
    getAccessToken: async () => ({ token }),
    getCredentials: async () => ({}),
    getUniverseDomain: async () => 'googleapis.com',
  } as unknown as NonNullable<BigQueryOptions['authClient']>;
}

export function createClient(
  project: string,
  location: string | undefined,
  settings: ConnectionSettings,
  extra: BigQueryOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): BigQuery {
  const options: BigQueryOptions = {
    projectId: project,
    ...(location ? { location } : {}),
    ...(settings.endpoint ? { apiEndpoint: settings.endpoint } : {}),
    ...(settings.auth === 'none' ? { authClient: staticAuthClient(null) } : {}),
    ...(settings.auth === 'token' ? { authClient: staticAuthClient(env[TOKEN_ENV] ?? '') } : {}),
    ...extra,
  };
  // The library reads BIGQUERY_EMULATOR_HOST itself and then uses it verbatim as the base URL,
  // dropping /bigquery/v2; the endpoint resolved above already accounts for it, so hide it here.
  const saved = process.env.BIGQUERY_EMULATOR_HOST;
  delete process.env.BIGQUERY_EMULATOR_HOST;
  try {
    return new BigQuery(options);
  } finally {
    if (saved !== undefined) process.env.BIGQUERY_EMULATOR_HOST = saved;
  }
}
