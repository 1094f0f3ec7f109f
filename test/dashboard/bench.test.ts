/**
 * Load time on a one-year medium-org DuckDB warehouse: each API route, and the page until every
 * section is drawn. Opt-in (filling a year takes a while): DASHBOARD_BENCH=1 npx vitest run test/dashboard/bench.test.ts
 * It logs timings and asserts only that everything answered with data; see docs/dashboard.md for results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { HAVE_CHROMIUM, launchBrowser } from './browser.js';
import type { Json } from './helpers.js';

const TODAY = '2026-03-15';
const FROM = '2025-03-16';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe.runIf(process.env.DASHBOARD_BENCH)('dashboard load time, one year, medium org', () => {
  let w: FilledWarehouse;
  let dash: Dashboard;
  /** Answers computed on every request: what a first visit after a write costs. */
  let uncached: Dashboard;

  beforeAll(async () => {
    const t0 = Date.now();
    w = await fillWarehouse({ today: TODAY, from: FROM, org: 'medium', seed: 3, name: 'bench.duckdb' });
    console.log(`bench: filled ${FROM}..${TODAY} (medium org) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: console.error });
    uncached = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: console.error, responseCache: false });
  }, 900_000);
  afterAll(async () => {
    await uncached?.close();
    await dash?.close();
    await w?.close();
  });

  it('API routes, one at a time (median of 5)', async () => {
    const lines: string[] = [];
    for (const path of ['/api/meta', '/api/spend', '/api/spend?stack=model', '/api/breakdown', '/api/keys', '/api/claude-code', '/api/health']) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const res = await fetch(new URL(path, dash.url));
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        times.push(performance.now() - t0);
      }
      lines.push(`${path.padEnd(24)} ${median(times).toFixed(0).padStart(6)} ms`);
    }
    console.log(`bench: API, median of 5\n${lines.join('\n')}`);
  }, 120_000);

  it.runIf(HAVE_CHROMIUM).each([
    ['answers computed on every request (response cache off)', () => uncached],
    ['response cache on (warehouse unchanged between reloads)', () => dash],
  ] as const)('the page, until every section is drawn (median of 5 reloads): %s', async (label, server) => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        const t0 = performance.now();
        await page.goto(server().url);
        await page.waitForFunction(() => (window as Json).__dashboard?.ready === true, null, { timeout: 60_000 });
        if (i > 0) times.push(performance.now() - t0); // the first warms the browser's cache of echarts
      }
      const d = await page.evaluate(() => (window as Json).__dashboard);
      expect(d.data.spend.days.length).toBe(365);
      expect(d.errors).toEqual([]);
      console.log(`bench: page ready (${label}), median ${median(times).toFixed(0)} ms (all: ${times.map((t) => t.toFixed(0)).join(', ')})`);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
