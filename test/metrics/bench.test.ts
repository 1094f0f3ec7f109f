/**
 * Scrape time on a one-year large-org DuckDB warehouse. Opt-in (filling a year takes a while):
 * METRICS_BENCH=1 npx vitest run test/metrics/bench.test.ts
 * Logs the timings (a read of the warehouse, i.e. the first scrape after a write, is the baseline the
 * kept-snapshot scrape is compared with, measured in the same run) and asserts only that every scrape
 * answered with the metrics; see docs/metrics.md for results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-15';
const FROM = '2025-03-16';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe.runIf(process.env.METRICS_BENCH)('metrics scrape time, one year, large org', () => {
  let w: FilledWarehouse;
  let server: MetricsServer;

  beforeAll(async () => {
    const t0 = Date.now();
    w = await fillWarehouse({ today: TODAY, from: FROM, org: 'large', seed: 3, name: 'bench.duckdb' });
    console.log(`bench: filled ${FROM}..${TODAY} (large org) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    server = await startMetricsServer({ warehouseUrl: w.url, port: 0, today: () => TODAY, warmIntervalMs: 0, log: console.error });
  }, 3_600_000);
  afterAll(async () => {
    await server?.close();
    await w?.close();
  });

  it('a scrape of the kept snapshot against a read of the warehouse (medians)', async () => {
    const scrape = async () => {
      const t0 = performance.now();
      const res = await fetch(server.url);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).toContain('claude_ingest_billed_cost_usd{');
      return { ms: performance.now() - t0, bytes: text.length, series: text.split('\n').filter((l) => l && !l.startsWith('#')).length };
    };
    const reads: number[] = [];
    for (let i = 0; i < 3; i++) {
      // What a changed warehouse costs: the first scrape after a write reads every family.
      const t0 = performance.now();
      await startMetricsServer({ warehouseUrl: w.url, port: 0, today: () => TODAY, warmIntervalMs: 0 }).then((s) => s.close());
      reads.push(performance.now() - t0);
    }
    const kept: number[] = [];
    let last = { ms: 0, bytes: 0, series: 0 };
    for (let i = 0; i < 20; i++) kept.push((last = await scrape()).ms);
    const read = median(reads);
    const hit = median(kept);
    console.log(
      `bench: read of the warehouse (start + first collection) ${read.toFixed(0)} ms; scrape of the kept snapshot ${hit.toFixed(1)} ms ` +
        `(${(hit / read).toFixed(4)} of a read); ${last.series} series, ${(last.bytes / 1024).toFixed(0)} KiB`,
    );
  }, 600_000);
});
