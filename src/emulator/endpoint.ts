/** What every emulated endpoint provides to the HTTP layer. */
import type { IncomingHttpHeaders } from 'node:http';
import type { SyntheticModel } from './model.js';
import type { PageTokens } from './params.js';
import type { EndpointKey } from './types.js';

export type JsonObject = Record<string, unknown>;

export interface EndpointContext {
  model: SyntheticModel;
  tokens: PageTokens;
  headers: IncomingHttpHeaders;
  /** The request path (endpoints with a path parameter read it from here). */
  path: string;
}

/** A validated request, ready to answer. */
export interface Prepared {
  /** [start, end) in ms covered by this page, so day-targeted faults can find it; null for lists. */
  coverage: [number, number] | null;
  body(): JsonObject;
}

export interface Endpoint {
  key: EndpointKey;
  path: string;
  /** Throws ApiError for invalid requests. */
  prepare(q: URLSearchParams, ctx: EndpointContext): Prepared;
  /** The 'extra_fields' fault: unknown fields and one unknown enum value a tolerant client must accept. */
  addExtraFields(body: JsonObject): void;
  /**
   * `--drift`, on top of addExtraFields on every answer: what a newer API version may plausibly send
   * (a new token bucket, new actor types, new fields on the lists). Known measures stay unchanged, so
   * the ground truth still holds.
   */
  addDrift?(body: JsonObject): void;
}

/** The results of every bucket of a report body. */
export function reportResults(body: JsonObject): JsonObject[] {
  const data = Array.isArray(body.data) ? (body.data as JsonObject[]) : [];
  return data.flatMap((b) => (Array.isArray(b.results) ? (b.results as JsonObject[]) : []));
}

export function betas(headers: IncomingHttpHeaders): Set<string> {
  const raw = headers['anthropic-beta'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return new Set(text.split(',').map((s) => s.trim()).filter(Boolean));
}

/** Shared part of the extra_fields fault: an unknown field at the top and on every item of `data`. */
export function addUnknownFields(body: JsonObject): JsonObject[] {
  body.future_top_level_field = { note: 'added by a newer API version' };
  const data = Array.isArray(body.data) ? (body.data as JsonObject[]) : [];
  for (const item of data) item.future_item_field = 'unknown';
  return data;
}
