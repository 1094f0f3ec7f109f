/**
 * The chunk writer reuses one data chunk for every flush (src/warehouse/duckdb/chunk-writer.ts): what
 * one flush wrote must never leak into the next, whatever the row counts, NULLs or string lengths.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { CHUNK_ROWS, ChunkWriter } from '../../src/warehouse/duckdb/chunk-writer.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('ci-chunk-');
afterAll(() => tmp.cleanup());

/** Row i: an id, a string whose length varies, a number that is NULL on every third row of odd pages. */
function row(i: number, page: number): (DuckDBValue | null)[] {
  const text = i % 5 === 0 ? null : `v${i}-${'x'.repeat(i % 37)}`;
  const amount = page % 2 === 1 && i % 3 === 0 ? null : BigInt(i * 7);
  return [i, text, amount];
}

describe('ChunkWriter', () => {
  it('writes every row exactly as given across flushes of full, partial and single-row chunks', async () => {
    const instance = await DuckDBInstance.create(tmp.file('chunks.duckdb'));
    const conn = await instance.connect();
    try {
      await conn.run('CREATE TABLE t (id INTEGER, text VARCHAR, amount BIGINT)');
      const appender = await conn.createAppender('t');
      const writer = new ChunkWriter(appender);
      // Pages as the streams hand them over, each followed by a flush: more than a chunk, a few
      // rows, one row, exactly a chunk, and an empty page.
      const pageSizes = [CHUNK_ROWS + 300, 17, 1, CHUNK_ROWS, 0, 999];
      const expected: (DuckDBValue | null)[][] = [];
      let id = 0;
      const scratch: (DuckDBValue | null)[] = [];
      pageSizes.forEach((size, page) => {
        for (let k = 0; k < size; k++, id++) {
          const values = row(id, page);
          expected.push(values);
          // The caller's array is reused between rows, as window-append.ts does.
          scratch.length = 0;
          scratch.push(...values);
          writer.appendRow(scratch);
        }
        writer.flush();
      });
      appender.closeSync();
      const got = (await conn.runAndReadAll('SELECT id, text, amount FROM t ORDER BY id')).getRows();
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
