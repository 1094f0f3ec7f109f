/**
 * Turns what the BigQuery client library throws into one line that says what is wrong and how to
 * fix it: credentials, permissions (naming the role), project, endpoint, dataset. Anything it does
 * not recognise still becomes a WarehouseError, so a crash inside the library is reported (and a
 * window recorded failed) like any other warehouse failure instead of escaping as an "unexpected error".
 */
import { oneLine } from '../../util/one-line.js';
import { WarehouseError } from '../warehouse.js';

/** Where the failing call went, for the message. */
export interface ErrorScene {
  project: string;
  dataset: string;
  /** The API root actually used, e.g. https://bigquery.googleapis.com. */
  endpoint: string;
  readOnly: boolean;
}

/** A configuration problem (credentials, permissions, project, endpoint): fix the setup, then rerun. */
export class BigQuerySetupError extends WarehouseError {}

interface ClientError {
  code?: unknown;
  message?: unknown;
  errors?: { reason?: string; message?: string }[];
  cause?: { code?: unknown };
  response?: { body?: unknown; headers?: Record<string, unknown> };
}

/** The HTTP status of an API error, if the error is one. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as ClientError | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * BigQuery's own 404 for a missing dataset or table ("Not found: Dataset p:d"). Any other 404 (a
 * wrong endpoint answering for a path it does not serve) is not "does not exist" and must not be
 * read as such, or a wrong endpoint would create a dataset somewhere unexpected or say "run a backfill".
 */
export function isNotFound(err: unknown, what: 'Dataset' | 'Table'): boolean {
  return apiStatus(err) === 404 && new RegExp(`^Not found: ${what}\\b`, 'i').test(String((err as ClientError).message ?? '').trim());
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

function networkCode(err: ClientError): string | undefined {
  for (const c of [err.code, err.cause?.code]) if (typeof c === 'string' && NETWORK_CODES.has(c)) return c;
  const m = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b/.exec(String(err.message ?? ''));
  return m?.[1];
}

/** A BigQuery error body may be an HTML page: its text, as one line. */
function withoutTags(text: string): string {
  return text.replace(/<[^>]*>/g, ' ');
}

/** The role that grants a BigQuery IAM permission, and where it must be granted. */
export function roleFor(permission: string, scene: ErrorScene): string {
  if (permission === 'bigquery.jobs.create') return `roles/bigquery.jobUser on project ${scene.project}`;
  if (permission === 'bigquery.datasets.create') return `roles/bigquery.dataEditor on project ${scene.project} (or create the dataset ${scene.dataset} yourself)`;
  const reading = /\.(get|getData|list)$/.test(permission);
  const role = reading && scene.readOnly ? 'roles/bigquery.dataViewer' : 'roles/bigquery.dataEditor';
  return `${role} on dataset ${scene.project}.${scene.dataset}`;
}

function permissionDenied(message: string, scene: ErrorScene): BigQuerySetupError {
  const permission = /\b(bigquery\.[a-zA-Z]+\.[a-zA-Z]+)\b/.exec(message)?.[1];
  const grant = permission
    ? `grant ${roleFor(permission, scene)} (missing permission ${permission})`
    : `grant roles/bigquery.jobUser on project ${scene.project} and roles/bigquery.dataEditor on dataset ${scene.project}.${scene.dataset}`;
  const maybeMissing = /may not exist/i.test(message) ? `, or the project ${scene.project} does not exist (check the project id in the warehouse URL)` : '';
  return new BigQuerySetupError(`BigQuery denied access (403) to ${scene.project}.${scene.dataset}: ${grant}${maybeMissing}`);
}

/**
 * The one-line error for anything a BigQuery client call threw. `during` says what was being done
 * (e.g. "reading dataset metadata"), so an unrecognised failure still says where it happened.
 */
export function describeBigQueryError(err: unknown, scene: ErrorScene, during: string): Error {
  if (err instanceof WarehouseError) return err;
  const e = (err ?? {}) as ClientError;
  const message = oneLine(withoutTags(String(e.message ?? err)));
  const status = apiStatus(err);
  const reason = e.errors?.[0]?.reason;

  if (/Unable to read the credential file|ENOENT.*(credential|\.json)/i.test(message)) {
    return new BigQuerySetupError(
      `cannot read the Google credential file ${process.env.GOOGLE_APPLICATION_CREDENTIALS ?? ''} (GOOGLE_APPLICATION_CREDENTIALS): fix the path, or unset it to use gcloud's application default credentials`,
    );
  }
  if (/Could not load the default credentials|Could not refresh access token|invalid_grant|Unable to detect a Project Id/i.test(message)) {
    return new BigQuerySetupError(
      'no usable Google Cloud credentials: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, ' +
        'or run where a service account is attached; an emulator needs ?endpoint= (see docs/deployment.md)',
    );
  }
  const net = networkCode(e);
  if (net && status === undefined) {
    return new BigQuerySetupError(
      `cannot reach the BigQuery API at ${scene.endpoint} (${net}): check the network, or ?endpoint= / BIGQUERY_EMULATOR_HOST if you set one`,
    );
  }
  if (status === 401) {
    return new BigQuerySetupError(
      `the BigQuery API at ${scene.endpoint} refused the credentials (401): renew them (gcloud auth application-default login) or check CLAUDE_INGEST_BIGQUERY_TOKEN`,
    );
  }
  if (status === 403) {
    if (reason === 'quotaExceeded' || reason === 'rateLimitExceeded') return new WarehouseError(`BigQuery quota exceeded while ${during}: ${message}`);
    if (reason === 'billingNotEnabled' || /billing/i.test(message)) {
      return new BigQuerySetupError(`BigQuery project ${scene.project} has no billing for this operation: ${message}; enable billing on the project`);
    }
    return permissionDenied(message, scene);
  }
  if (status === 404) {
    if (/^Not found: Project\b/i.test(message)) {
      return new BigQuerySetupError(`Google Cloud project ${scene.project} does not exist or is not visible to these credentials: check the project id in the warehouse URL`);
    }
    if (/^Not found: Dataset\b/i.test(message)) {
      return new WarehouseError(`dataset ${scene.project}.${scene.dataset} does not exist: run a backfill first to create it`);
    }
    if (/^Not found: (Table|Job)\b/i.test(message)) return new WarehouseError(`BigQuery: ${message} (while ${during})`);
    // Not BigQuery's own "Not found: <what>": something else answered, so the endpoint is wrong.
    return new BigQuerySetupError(
      `the BigQuery API at ${scene.endpoint} answered 404 while ${during}, not as BigQuery would: check ?endpoint= / BIGQUERY_EMULATOR_HOST ` +
        '(the API root, e.g. http://localhost:9050, with or without /bigquery/v2)',
    );
  }
  if (status === 400 && /invalid project|projectid/i.test(message)) {
    return new BigQuerySetupError(`"${scene.project}" is not a usable Google Cloud project id (${message}): check the warehouse URL`);
  }
  if (status !== undefined) return new WarehouseError(`BigQuery API error ${status} while ${during}: ${message}`);
  return new WarehouseError(`the BigQuery client failed while ${during}: ${message || String(err)}`);
}
