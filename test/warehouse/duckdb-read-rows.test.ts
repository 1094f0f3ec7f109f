/**
 * readRows converts a result column by column with a reader chosen per type (DECIMAL from its scaled
 * integer, DATE text once per distinct day): every cell must be what convertValue makes of DuckDB's
 * own value object, for every decimal width (16-, 32-, 64- and 128-bit storage), NULLs, negative and
 * zero amounts, infinite dates, and results longer than one chunk.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { convertValue, readRows } from '../../src/warehouse/duckdb/results.js';
import type { QueryRow } from '../../src/warehouse/warehouse.js';

const SQL = `
  SELECT
    i,
    CAST((i % 7 - 3) * 1.25 AS DECIMAL(4,2)) AS d4,
    CASE WHEN i % 11 = 0 THEN NULL ELSE CAST((i - 2500) * 0.001 AS DECIMAL(9,3)) END AS d9,
    CAST(i * 123456.000001 - 1 AS DECIMAL(18,6)) AS d18,
    CASE WHEN i % 13 = 0 THEN NULL ELSE CAST(CAST(i AS DECIMAL(38,12)) / 7 - 300 AS DECIMAL(38,12)) END AS d38,
    CAST(0 AS DECIMAL(38,12)) AS zero,
    CASE i % 97 WHEN 0 THEN NULL WHEN 1 THEN DATE 'infinity' WHEN 2 THEN DATE '-infinity' ELSE DATE '2025-12-30' + CAST(i % 400 AS INTEGER) END AS day,
    'k' || (i % 50) AS name,
    i % 2 = 0 AS even,
    CAST(i AS DOUBLE) * 0.5 AS half
  FROM range(5000) t(i)`;

const instance = await DuckDBInstance.create(':memory:');
afterAll(() => instance.closeSync());

/** The conversion readRows replaced: DuckDB's value object per cell, through convertValue. */
async function perCell(): Promise<QueryRow[]> {
  const conn = await instance.connect();
  try {
    const result = await conn.run(SQL);
    const names = result.columnNames();
    const rows: QueryRow[] = [];
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      for (let r = 0; r < chunk.rowCount; r++) {
        const row: QueryRow = {};
        names.forEach((name, c) => (row[name] = convertValue(result.columnTypeId(c), chunk.getColumnVector(c).getItem(r))));
        rows.push(row);
      }
    }
    return rows;
  } finally {
    conn.closeSync();
  }
}

describe('readRows', () => {
  it('gives every cell convertValue gives, for every decimal width, NULLs and infinite dates', async () => {
    const conn = await instance.connect();
    const rows = await readRows(await conn.run(SQL)).finally(() => conn.closeSync());
    const want = await perCell();
    expect(rows).toHaveLength(5000);
    expect(rows).toEqual(want);
    // And what that is, for a few cells (so both cannot be wrong the same way).
    expect(rows[0]).toMatchObject({ i: 0, d4: '-3.75', d9: null, d18: '-1', d38: null, zero: '0', day: null, name: 'k0', even: true, half: 0 });
    expect(rows[1]).toMatchObject({ d4: '-2.5', d9: '-2.499', d18: '123455.000001' });
    // Infinite dates: whatever convertValue makes of them (compared above), never two the same.
    expect(rows[1]!.day).not.toBe(rows[2]!.day);
    expect(rows[3]).toMatchObject({ day: '2026-01-02', d38: '-299.571428571429' });
    expect(new Set(rows.map((r) => r.day)).size).toBeGreaterThan(300);
  });
});
