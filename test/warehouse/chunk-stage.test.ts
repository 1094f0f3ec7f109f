/**
 * The column-wise staging path (chunk-stage.ts) against the previous row-by-row Appender path: the
 * same rows must land identically, including what the dictionary encoding could get wrong (NULL vs
 * empty string, long strings and a full dictionary overflowing to text, chunk boundaries, JSON).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DICTIONARY_MAX_ENTRIES, DICTIONARY_MAX_LENGTH } from '../../src/warehouse/duckdb/chunk-stage.js';
import { openDuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { setStagingMode, type StagingMode } from '../../src/warehouse/duckdb/staging.js';
import type { Row, TableName } from '../../src/warehouse/tables.js';
import { costRow, ledger, tempDir, usageRow } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
afterEach(() => setStagingMode('chunks'));
let n = 0;

const WEEK = { from: '2025-01-01', to: '2025-01-07' };

async function roundTrip(mode: StagingMode, table: TableName, rows: Row[], order: string): Promise<unknown[]> {
  setStagingMode(mode);
  const wh = await openDuckDbWarehouse(tmp.file(`chunk-${++n}.duckdb`));
  try {
    await wh.init();
    await wh.replaceWindow({ tables: [table], days: WEEK, ledger: ledger() }, async (sink) => {
      for (let i = 0; i < rows.length; i += 3000) await sink.append(table, rows.slice(i, i + 3000));
    });
    return await wh.query(`SELECT * EXCLUDE (ingested_at) FROM ${table} ORDER BY ${order}`);
  } finally {
    await wh.close();
  }
}

describe('column-wise staging', () => {
  it('stores strings exactly: NULL vs empty, unicode, long text, across chunk boundaries', async () => {
    const odd = ['', 'é日本語 🚀', 'quote " and \' and \\', 'x'.repeat(DICTIONARY_MAX_LENGTH + 1), 'nul\u0001ctl\n'];
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      ...usageRow(`2025-01-0${1 + (i % 7)}`, i),
      api_key_id: i % 11 === 0 ? null : `k${i}`,
      workspace_id: odd[i % odd.length]!,
      model: i % 13 === 0 ? null : 'claude-x',
      output_tokens: i === 7 ? 2 ** 53 - 1 : i,
    }));
    const chunks = await roundTrip('chunks', 'claude_usage_keys', rows, 'output_tokens, api_key_id');
    const old = await roundTrip('rows', 'claude_usage_keys', rows, 'output_tokens, api_key_id');
    expect(chunks).toHaveLength(5000);
    expect(chunks).toEqual(old);
    expect(chunks.filter((r) => (r as Row).workspace_id === '')).toHaveLength(1000);
    expect(chunks.filter((r) => (r as Row).api_key_id === null)).toHaveLength(Math.ceil(5000 / 11));
  });

  it('overflows a full dictionary to text without losing a value', async () => {
    const rows = Array.from({ length: DICTIONARY_MAX_ENTRIES + 500 }, (_, i) => ({ ...usageRow('2025-01-02', i), api_key_id: `key-${i}` }));
    const stored = (await roundTrip('chunks', 'claude_usage_keys', rows, 'api_key_id')) as Row[];
    expect(stored).toHaveLength(rows.length);
    expect(new Set(stored.map((r) => r.api_key_id)).size).toBe(rows.length);
    expect(stored.map((r) => r.api_key_id).sort()).toEqual(rows.map((r) => r.api_key_id).sort());
  });

  it('keeps decimals exact and refuses over-precise ones before anything is written', async () => {
    const amounts = ['123.78912', '-0.000000001', '0', '99999999999999999999999999999.999999999', '1.500000000000'];
    const rows = amounts.map((a, i) => costRow('2025-01-03', a, `line ${i}`));
    const chunks = await roundTrip('chunks', 'claude_costs', rows, 'description');
    expect(chunks).toEqual(await roundTrip('rows', 'claude_costs', rows, 'description'));
    expect(chunks.map((r) => (r as Row).amount_cents)).toEqual(['123.78912', '-0.000000001', '0', '99999999999999999999999999999.999999999', '1.5']);
    await expect(roundTrip('chunks', 'claude_costs', [costRow('2025-01-03', '1e3', 'x')], 'description')).rejects.toThrow(
      'claude_costs.amount_cents: cannot store "1e3" (cents)',
    );
    await expect(
      roundTrip('chunks', 'claude_costs', [costRow('2025-01-03', '999999999999999999999999999999', 'x')], 'description'),
    ).rejects.toThrow(/too large for DECIMAL\(38,9\)/);
  });
});
