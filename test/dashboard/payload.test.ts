/**
 * The default view's answers stay small on the emulator's large organization (2,000 API keys, 3,000
 * Claude Code users): long tables come a page at a time with an "other" row, and every total is
 * still over every row, as `claude-ingest report` gives it. /api/rows pages, sorts and searches the
 * rest on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { PAGE_SIZE } from '../../src/dashboard/paging.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { report, sum, type Json } from './helpers.js';

const TODAY = '2026-03-15';
const FROM = '2026-03-12';
const LIMIT = 300 * 1024;

let w: FilledWarehouse;
let dash: Dashboard;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: FROM, org: 'large', seed: 5, name: 'large.duckdb' });
  dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
}, 600_000);
afterAll(async () => {
  await dash?.close();
  await w?.close();
});

async function get(path: string): Promise<{ bytes: number; body: Json }> {
  const res = await fetch(new URL(path, dash.url));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

describe('default view payloads on a large organization', () => {
  it('every answer of the default view is at most 300 KB', async () => {
    for (const path of DEFAULT_VIEW) {
      const { bytes } = await get(path);
      expect(bytes, path).toBeLessThanOrEqual(LIMIT);
    }
  }, 300_000);

  it('keys: a first page of the largest, an "other" row, totals over every key as the report gives them', async () => {
    const { body } = await get('/api/keys');
    const all = await report(w, 'api_key', ['--from', FROM, '--to', TODAY]);
    expect(body.rowsPage.total).toBeGreaterThan(PAGE_SIZE);
    expect(body.rows).toHaveLength(PAGE_SIZE);
    expect(body.rowsPage.other.rows).toBe(body.rowsPage.total - PAGE_SIZE);
    // The report also lists keys with analytics cost and no usage rows: the token sums are the same.
    expect(body.totals.output_tokens).toBe(Number(sum(all.map((r) => r.output_tokens))));
    expect(body.totals.all_input_tokens).toBe(Number(sum(all.map((r) => r.all_input_tokens))));
    // The page and the other row add up to the totals.
    const pageOut = body.rows.reduce((s: number, r: Json) => s + r.output_tokens, 0);
    expect(pageOut + body.rowsPage.other.output_tokens).toBe(body.totals.output_tokens);
    // Largest first.
    const inputs = body.rows.map((r: Json) => r.all_input_tokens);
    expect(inputs).toEqual([...inputs].sort((a: number, b: number) => b - a));
  });

  it('claude-code: the first page of users, totals over every user', async () => {
    const { body } = await get('/api/claude-code');
    expect(body.users.length).toBeLessThanOrEqual(PAGE_SIZE);
    expect(body.usersPage.total).toBeGreaterThan(PAGE_SIZE);
    const pageSessions = body.users.reduce((s: number, u: Json) => s + u.sessions, 0);
    expect(pageSessions + body.usersPage.other.sessions).toBe(body.totals.sessions);
    const pageEstimate = sum([...body.users.map((u: Json) => u.estimated_cost_usd_estimate), body.usersPage.other.estimated_cost_usd_estimate]);
    expect(pageEstimate).toBe(sum([body.totals.estimated_cost_usd_estimate]));
  });

  it('/api/rows: every page of a table, in order, is every row once; search and sort run on the server', async () => {
    const first = await get(`/api/rows?table=users&from=${FROM}&to=${TODAY}`);
    const total = first.body.total as number;
    const seen: string[] = [];
    for (let offset = 0; offset < total; offset += 500) {
      const { body } = await get(`/api/rows?table=users&from=${FROM}&to=${TODAY}&offset=${offset}&limit=500&sort=actor&dir=ascending`);
      seen.push(...body.rows.map((r: Json) => `${r.actor_type}|${r.actor}`));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const actors = seen.map((s) => s.split('|')[1]!);
    expect(actors).toEqual([...actors].sort((a, b) => a.localeCompare(b)));
    const needle = actors[7]!.slice(0, 6).toLowerCase();
    const found = await get(`/api/rows?table=users&from=${FROM}&to=${TODAY}&q=${encodeURIComponent(needle)}`);
    expect(found.body.matched).toBe(first.body.rows.length === 0 ? 0 : (await allMatching('users', needle)).length);
    for (const r of found.body.rows) expect(`${r.name} ${r.actor} ${r.actor_type}`.toLowerCase()).toContain(needle);
  });

  it('/api/rows refuses an unknown table, sort column or a page too large, in one line', async () => {
    for (const q of ['table=nope', 'table=keys&sort=nope', 'table=keys&limit=100000', 'table=keys&dir=up']) {
      const res = await fetch(new URL(`/api/rows?from=${FROM}&to=${TODAY}&${q}`, dash.url));
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).not.toContain('\n');
    }
  });
});

/** Every user whose name, actor or type contains the text, read page by page without a search. */
async function allMatching(table: string, needle: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let offset = 0; ; offset += 500) {
    const { body } = await get(`/api/rows?table=${table}&from=${FROM}&to=${TODAY}&offset=${offset}&limit=500`);
    out.push(...body.rows.filter((r: Json) => `${r.name} ${r.actor} ${r.actor_type}`.toLowerCase().includes(needle)));
    if (offset + 500 >= body.total) return out;
  }
}
