/**
 * The chunk writer reuses one data chunk for every flush (src/warehouse/duckdb/chunk-writer.ts): what
 * one flush wrote must never leak into the next, whatever the row counts, NULLs or string lengths.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBDateValue, DuckDBDecimalValue, DuckDBInstance, DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
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

describe('ChunkWriter: every column layout, written into vector memory', () => {
  /** Strings around DuckDB's 12-byte inline limit, ASCII and not, with repeats of long ones. */
  const STRINGS = [
    '',
    'x',
    'exactly12byt',
    'thirteen-byte',
    'é',
    'ééééééé', // 7 characters, 14 bytes: too long once encoded
    'ééééé12', // 7 characters, 12 bytes: inline
    '日本語のモデル名', // long, multi-byte
    'claude-sonnet-4-5-20250929',
    'claude-haiku-4-5-20251001',
    '🙂 emoji 🙂',
    'a\u0000b', // NUL bytes survive inline
    'a long string with a \u0000 NUL byte inside it',
  ];

  function row(i: number): (DuckDBValue | null)[] {
    const cents = (BigInt(i) * 10n ** 12n + 123_456_789_012n) * (i % 2 ? -1n : 1n);
    return [
      i % 11 === 0 ? null : new DuckDBDateValue(20_000 + (i % 400)),
      i % 13 === 0 ? null : new DuckDBTimestampValue(BigInt(i) * 3_600_000_000n + 1n),
      i % 7 === 0 ? null : STRINGS[i % STRINGS.length]!,
      i % 5 === 0 ? null : BigInt(i) * 1_000_003n - 5_000_000n,
      i % 17 === 0 ? null : i % 3 === 0,
      i % 9 === 0 ? null : new DuckDBDecimalValue(cents, 38, 12),
      // The largest 38-digit values DuckDB's HUGEINT storage must keep exactly.
      i === 5 ? new DuckDBDecimalValue(10n ** 38n - 1n, 38, 14) : i === 6 ? new DuckDBDecimalValue(-(10n ** 38n - 1n), 38, 14) : null,
      `run-${i % 3}-${'long-enough-to-leave-inline'}`,
    ];
  }

  it('stores dates, timestamps, strings, integers, booleans and decimals exactly, NULLs included', async () => {
    const instance = await DuckDBInstance.create(tmp.file('layouts.duckdb'));
    const conn = await instance.connect();
    try {
      await conn.run(
        'CREATE TABLE t (d DATE, ts TIMESTAMP, s VARCHAR, n BIGINT, b BOOLEAN, cents DECIMAL(38,12), usd DECIMAL(38,14), run VARCHAR)',
      );
      const appender = await conn.createAppender('t');
      const writer = new ChunkWriter(appender);
      const expected: (DuckDBValue | null)[][] = [];
      // Flushes at uneven points so repeats of a long string fall on both sides of a flush.
      for (let i = 0; i < 5000; i++) {
        const values = row(i);
        expected.push(values);
        writer.appendRow(values);
        if (i % 777 === 0) writer.flush();
      }
      writer.flush();
      appender.closeSync();
      const got = (await conn.runAndReadAll('SELECT d, ts, s, n, b, cents, usd, run FROM t')).getRows();
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
      // Text DuckDB compares and hashes must match what SQL itself would store, inline or not.
      const counts = (await conn.runAndReadAll("SELECT count(*) FILTER (s = 'exactly12byt'), count(*) FILTER (s = 'ééééééé'), count(DISTINCT run) FROM t")).getRows();
      expect(counts[0]).toEqual([BigInt(expected.filter((r) => r[2] === 'exactly12byt').length), BigInt(expected.filter((r) => r[2] === 'ééééééé').length), 3n]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });

  it('refuses a value its column cannot hold, and the rows around it are unharmed', async () => {
    const instance = await DuckDBInstance.create(tmp.file('refuse.duckdb'));
    const conn = await instance.connect();
    try {
      await conn.run('CREATE TABLE t (id INTEGER, s VARCHAR, n BIGINT, amount DECIMAL(38,12))');
      const appender = await conn.createAppender('t');
      const writer = new ChunkWriter(appender);
      const long = 'a string too long to be inlined';
      writer.appendRow([1, long, 10n, new DuckDBDecimalValue(5n, 38, 12)]);
      // Rows that fail half-way, after their string (a repeat, a new long one, a NULL) was written:
      // none of it may leak into the row that takes their slot next.
      expect(() => writer.appendRow([2, long, 2n ** 63n, null])).toThrow(/column 3 \(BIGINT\)/);
      expect(() => writer.appendRow([3, 'another string too long to inline', 1n, new DuckDBDecimalValue(5n, 38, 2)])).toThrow(
        /column 4 \(DECIMAL\(38,12\)\)/,
      );
      expect(() => writer.appendRow([4, null, 1n, new DuckDBDecimalValue(10n ** 38n, 38, 12)])).toThrow(/column 4/);
      expect(() => writer.appendRow([2 ** 31, 'x', 1n, null])).toThrow(/column 1 \(INTEGER\)/);
      expect(() => writer.appendRow([5, 'x', 'seven', null])).toThrow(/column 3 .*string seven/);
      writer.appendRow([6, 'kept', 60n, null]);
      writer.appendRow([7, long, 70n, null]);
      writer.flush();
      appender.closeSync();
      const got = (await conn.runAndReadAll('SELECT id, s, n, amount FROM t ORDER BY id')).getRows();
      expect(got).toEqual([
        [1, long, 10n, new DuckDBDecimalValue(5n, 38, 12)],
        [6, 'kept', 60n, null],
        [7, long, 70n, null],
      ]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
