import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { openWarehouse, parseWarehouseUrl } from '../../src/warehouse/open-warehouse.js';
import { WarehouseError } from '../../src/warehouse/warehouse.js';
import { tempDir } from './helpers.js';

describe('parseWarehouseUrl', () => {
  it.each([
    ['duckdb:./file.duckdb', './file.duckdb'],
    ['duckdb:/abs/path.duckdb', '/abs/path.duckdb'],
    ['duckdb://relative/x.duckdb', 'relative/x.duckdb'],
    ['duckdb:///abs/x.duckdb', '/abs/x.duckdb'],
    ['duckdb:warehouse.db', 'warehouse.db'],
    ['./data/claude.duckdb', './data/claude.duckdb'],
    ['/var/lib/claude.DUCKDB', '/var/lib/claude.DUCKDB'],
  ])('%s is a DuckDB file', (url, path) => {
    expect(parseWarehouseUrl(url)).toEqual({ kind: 'duckdb', path });
  });

  it('parses BigQuery project, dataset and location', () => {
    expect(parseWarehouseUrl('bigquery://my-proj/claude_usage?location=US')).toEqual({
      kind: 'bigquery',
      project: 'my-proj',
      dataset: 'claude_usage',
      location: 'US',
    });
    expect(parseWarehouseUrl('bigquery://my-proj/claude_usage')).toEqual({ kind: 'bigquery', project: 'my-proj', dataset: 'claude_usage' });
  });

  it.each(['postgres://localhost/db', 'bigquery://proj', 'bigquery://proj/a/b', 'bigquery://p/d?region=x', 'bigquery:p/d', 'data.csv', '', 'duckdb:'])(
    '%j is refused with the accepted forms listed',
    (url) => {
      expect(() => parseWarehouseUrl(url)).toThrow(WarehouseError);
      expect(() => parseWarehouseUrl(url)).toThrow(/duckdb:\.\/file\.duckdb.*bigquery:\/\/PROJECT\/DATASET/);
    },
  );
});

describe('openWarehouse', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('opens a DuckDB warehouse from a duckdb: URL', async () => {
    const wh = await openWarehouse(`duckdb:${tmp.file('via-url.duckdb')}`);
    try {
      expect(wh.kind).toBe('duckdb');
      await wh.init();
      expect(await wh.query('SELECT count(*) AS n FROM claude_costs')).toEqual([{ n: 0 }]);
    } finally {
      await wh.close();
    }
  });

  it('hands bigquery URLs to the BigQuery warehouse (which validates them without network)', async () => {
    await expect(openWarehouse('bigquery://p/d')).rejects.toBeInstanceOf(WarehouseError);
  });
});

describe('DuckDB writer memory', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  // DuckDB prints the limit in MiB: 64 MB is 61.0 MiB, 128 MB is 122.0 MiB.
  it.each([
    [undefined, '122.0 MiB'],
    [2, '61.0 MiB'],
    [4, '61.0 MiB'],
    [32, '488.2 MiB'],
  ])('a writer with %s open windows gets a memory limit of %s (16 MB a window, at least 64 MB) and one thread', async (openWindows, expected) => {
    const wh = await openWarehouse(`duckdb:${tmp.file(`mem-${String(openWindows)}.duckdb`)}`, { openWindows });
    try {
      expect(await wh.query("SELECT current_setting('memory_limit') AS limit, current_setting('threads') AS threads")).toEqual([{ limit: expected, threads: 1 }]);
    } finally {
      await wh.close();
    }
  });

  it("lifting the bound after the streamed writes (the demo's reads) gives the instance DuckDB's default limit", async () => {
    const wh = await openWarehouse(`duckdb:${tmp.file('lifted.duckdb')}`, { openWindows: 4 });
    const limit = async () => String((await wh.query("SELECT current_setting('memory_limit') AS limit"))[0]!.limit);
    try {
      expect(await limit()).toBe('61.0 MiB');
      await wh.liftWriteMemoryBound!();
      // DuckDB's default (80 % of the machine's memory), as a plain instance reports it.
      const plain = await (await DuckDBInstance.create(':memory:')).connect();
      const reader = await plain.runAndReadAll("SELECT current_setting('memory_limit') AS limit");
      expect(await limit()).toBe(String(reader.getRowObjects()[0]!.limit));
      plain.closeSync();
    } finally {
      await wh.close();
    }
  });
});
