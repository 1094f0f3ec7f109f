/** Loopback HTTP helpers for the emulator tests. */
import { EMULATOR_ADMIN_KEY, type Emulator } from '../../src/emulator/index.js';

export const HEADERS = { 'x-api-key': EMULATOR_ADMIN_KEY, 'anthropic-version': '2023-06-01' };

export type Params = Record<string, string | number | string[] | undefined>;

export function query(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) q.append(`${k}[]`, item);
    else q.append(k, String(v));
  }
  return q.toString();
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export async function get(emu: Emulator, endpoint: string, params: Params = {}, headers: Record<string, string> = HEADERS): Promise<Reply> {
  const res = await fetch(`${emu.url}/v1/organizations/${endpoint}?${query(params)}`, { headers });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // left undefined: some tests expect non-JSON bodies
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows next_page until has_more is false; returns every bucket (or record) in order. */
export async function getAllPages<T = unknown>(emu: Emulator, endpoint: string, params: Params): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let page: string | undefined;
  let pages = 0;
  for (;;) {
    const r = await get(emu, endpoint, { ...params, page });
    if (r.status !== 200) throw new Error(`${endpoint} ${r.status}: ${r.text}`);
    pages++;
    items.push(...(r.json.data as T[]));
    if (!r.json.has_more) return { items, pages };
    page = r.json.next_page;
  }
}
