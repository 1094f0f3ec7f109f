/**
 * Differential test: the chunk writer (src/warehouse/duckdb/chunk-writer.ts) builds DuckDB's vectors by
 * hand, so the same random rows go through it and through DuckDB's own Appender (one appendValue per
 * value), and the two tables must hold the same rows to the bit — every layout it writes, NULLs,
 * strings on both sides of the 12-byte inline limit, decimals of every storage width, flushes at
 * random points.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  DOUBLE,
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampValue,
  BIGINT,
  BOOLEAN,
  DATE,
  INTEGER,
  TIMESTAMP,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { Rng } from '../../src/emulator/prng.js';
import { ChunkWriter } from '../../src/warehouse/duckdb/chunk-writer.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('ci-chunk-diff-');
afterAll(() => tmp.cleanup());

/** The emulator's seeded generator, so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

interface ColumnCase {
  sql: string;
  type: DuckDBType;
  value(r: () => number): DuckDBValue;
}

const ALPHABET = ['a', 'Z', '0', ' ', 'é', '日', '🙂', '\u0000', '-', '_'];
function text(r: () => number): string {
  // Lengths cluster around the 12-byte inline limit, with some long ones; multi-byte characters move
  // the byte length away from the character count.
  const len = r() < 0.8 ? Math.floor(r() * 16) : Math.floor(r() * 200);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}
function bigintBelow(r: () => number, digits: number): bigint {
  let v = 0n;
  for (let i = 0; i < digits; i++) v = v * 10n + BigInt(Math.floor(r() * 10));
  return r() < 0.5 ? -v : v;
}
const decimal = (width: number, scale: number): ColumnCase => ({
  sql: `DECIMAL(${width},${scale})`,
  type: new DuckDBDecimalType(width, scale),
  value: (r) => new DuckDBDecimalValue(bigintBelow(r, 1 + Math.floor(r() * width)), width, scale),
});

const COLUMNS: ColumnCase[] = [
  { sql: 'BOOLEAN', type: BOOLEAN, value: (r) => r() < 0.5 },
  { sql: 'INTEGER', type: INTEGER, value: (r) => Math.floor((r() - 0.5) * 2 ** 32) },
  { sql: 'BIGINT', type: BIGINT, value: (r) => bigintBelow(r, 18) },
  { sql: 'DOUBLE', type: DOUBLE, value: (r) => (r() - 0.5) * 10 ** Math.floor(r() * 30) },
  { sql: 'DATE', type: DATE, value: (r) => new DuckDBDateValue(Math.floor(r() * 40_000)) },
  { sql: 'TIMESTAMP', type: TIMESTAMP, value: (r) => new DuckDBTimestampValue(BigInt(Math.floor(r() * 2 ** 31)) * 2n ** 21n + BigInt(Math.floor(r() * 2 ** 21))) },
  { sql: 'VARCHAR', type: VARCHAR, value: text },
  { sql: 'VARCHAR', type: VARCHAR, value: (r) => `repeated-long-value-${Math.floor(r() * 3)}` },
  decimal(9, 3),
  decimal(18, 6),
  decimal(38, 12),
  decimal(38, 14),
];

function randomRows(seed: number, count: number): (DuckDBValue | null)[][] {
  const r = prng(seed);
  const rows: (DuckDBValue | null)[][] = [];
  for (let i = 0; i < count; i++) rows.push([i, ...COLUMNS.map((c) => (r() < 0.15 ? null : c.value(r)))]);
  return rows;
}

describe('ChunkWriter against DuckDB’s own Appender', () => {
  it.each([1, 2, 3])('seed %i: both tables hold the same rows, value for value', async (seed) => {
    const instance = await DuckDBInstance.create(tmp.file(`diff-${seed}.duckdb`));
    const conn = await instance.connect();
    try {
      const cols = COLUMNS.map((c, i) => `c${i} ${c.sql}`).join(', ');
      await conn.run(`CREATE TABLE ours (id INTEGER, ${cols})`);
      await conn.run(`CREATE TABLE theirs (id INTEGER, ${cols})`);
      const rows = randomRows(seed, 7_000);
      const r = prng(seed * 7919);

      const ourAppender = await conn.createAppender('ours');
      const writer = new ChunkWriter(ourAppender);
      for (const row of rows) {
        writer.appendRow(row);
        if (r() < 0.002) writer.flush();
      }
      writer.flush();
      ourAppender.closeSync();

      const theirAppender = await conn.createAppender('theirs');
      for (const row of rows) {
        theirAppender.appendInteger(row[0] as number);
        row.slice(1).forEach((v, i) => (v === null ? theirAppender.appendNull() : theirAppender.appendValue(v, COLUMNS[i]!.type)));
        theirAppender.endRow();
      }
      theirAppender.closeSync();

      const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
      expect(await count('SELECT count(*) FROM ours')).toBe(rows.length);
      expect(await count('SELECT count(*) FROM theirs')).toBe(rows.length);
      // Set differences compare NULLs as equal, so every value of every row must match.
      expect(await count('SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM theirs)')).toBe(0);
      expect(await count('SELECT count(*) FROM (SELECT * FROM theirs EXCEPT ALL SELECT * FROM ours)')).toBe(0);
      // And row by row, as the client reads them back (strings byte for byte, decimals exactly).
      const ours = (await conn.runAndReadAll('SELECT * FROM ours ORDER BY id')).getRows();
      const theirs = (await conn.runAndReadAll('SELECT * FROM theirs ORDER BY id')).getRows();
      expect(ours).toEqual(theirs);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
