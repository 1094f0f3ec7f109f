/** Request parsing shared by the endpoints: API errors, query parameters, signed page tokens. */
import { hash32 } from './prng.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    /** `error.details.error_code`, where the API names the cause. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new ApiError(400, 'invalid_request_error', message);

export interface ErrorBody {
  type: 'error';
  error: { type: string; message: string; details?: { error_code: string } };
  request_id?: string;
}

/** The documented error body: `details` only where the API names the cause, `request_id` always (when known). */
export function errorBody(kind: string, message: string, code?: string, requestId?: string): ErrorBody {
  const body: ErrorBody = { type: 'error', error: { type: kind, message } };
  if (code) body.error.details = { error_code: code };
  if (requestId) body.request_id = requestId;
  return body;
}

/** `name[]=a&name[]=b`; the bare name is accepted too, as lenient HTTP clients send it. */
export function arrayParam(q: URLSearchParams, name: string): string[] {
  return [...q.getAll(`${name}[]`), ...q.getAll(name)];
}

export function limitParam(q: URLSearchParams, def: number, max: number): number {
  const raw = q.get('limit');
  if (raw === null) return def;
  if (!/^\d+$/.test(raw)) throw invalid(`limit: "${raw}" is not a positive integer`);
  const n = Number(raw);
  if (n < 1 || n > max) throw invalid(`limit: must be between 1 and ${max}, got ${n}`);
  return n;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

export function timestampParam(q: URLSearchParams, name: string, required: true): number;
export function timestampParam(q: URLSearchParams, name: string, required: false): number | undefined;
export function timestampParam(q: URLSearchParams, name: string, required: boolean): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') {
    if (required) throw invalid(`${name}: Field required`);
    return undefined;
  }
  const ms = Date.parse(raw);
  if (!RFC3339.test(raw) || Number.isNaN(ms)) throw invalid(`${name}: "${raw}" is not a valid RFC 3339 datetime`);
  return ms;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Opaque cursors: base64url JSON carrying a checksum keyed by the seed, so a tampered or foreign token is
 * detected and answered with 400, as the real API does.
 */
export class PageTokens {
  constructor(private readonly secret: string) {}

  sign(scope: string, value: string | number): string {
    const payload = JSON.stringify({ s: scope, v: value, c: this.check(scope, value) });
    return Buffer.from(payload).toString('base64url');
  }

  verify(scope: string, token: string): string | number {
    try {
      const p = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; v?: unknown; c?: unknown };
      if (p.s === scope && (typeof p.v === 'string' || typeof p.v === 'number') && p.c === this.check(scope, p.v)) return p.v;
    } catch {
      // fall through to the same error as a bad checksum
    }
    throw invalid('page: invalid page token');
  }

  private check(scope: string, value: string | number): string {
    return hash32(`${this.secret}|${scope}|${value}`).toString(36);
  }
}
