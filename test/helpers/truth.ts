/** Compares a DuckDB warehouse with the emulator's ground truth, day by day, to the last digit. */
import { Decimal } from 'decimal.js';
import { expect } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { queryWarehouse } from './warehouse-snapshot.js';

export async function expectMatchesTruth(file: string, emu: Emulator, days: string[]): Promise<void> {
  const cost = new Map((await queryWarehouse(file, 'SELECT activity_date AS d, SUM(amount_cents) AS c FROM claude_costs GROUP BY 1')).map((r) => [r.d, String(r.c)]));
  const tokens = new Map(
    (await queryWarehouse(file, 'SELECT activity_date AS d, SUM(uncached_input_tokens) AS i, SUM(output_tokens) AS o, SUM(cache_read_input_tokens) AS r FROM claude_usage_keys GROUP BY 1')).map((r) => [r.d, r]),
  );
  const cc = new Map((await queryWarehouse(file, 'SELECT activity_date AS d, COUNT(*) AS n, SUM(num_sessions) AS s FROM claude_code_productivity GROUP BY 1')).map((r) => [r.d, r]));
  for (const day of days) {
    expect(new Decimal(cost.get(day) ?? '0').eq(emu.truth.costCents(day)), `cost ${day}`).toBe(true);
    const t = emu.truth.tokens(day);
    const got = tokens.get(day);
    expect([got?.i ?? 0, got?.o ?? 0, got?.r ?? 0], `tokens ${day}`).toEqual([t.uncached_input_tokens, t.output_tokens, t.cache_read_input_tokens]);
    const c = emu.truth.claudeCode(day);
    expect([cc.get(day)?.n ?? 0, cc.get(day)?.s ?? 0], `claude code ${day}`).toEqual([c.records, c.sessions]);
  }
}
