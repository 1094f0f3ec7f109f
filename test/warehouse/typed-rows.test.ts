/**
 * Typed rows (RowOf in src/warehouse/tables.ts). The @ts-expect-error lines are the assertions that
 * matter: `npm run typecheck` covers this file and fails if any of them compiles. The runtime part
 * checks that the type's columns are the table's real columns and that a typed row really writes.
 */
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { costRow as transformCostRow } from '../../src/transform/cost-rows.js';
import type { IsoDay } from '../../src/util/dates.js';
import { centsToUsd, parseCents, type Cents, type Usd } from '../../src/util/money.js';
import { openDuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { STAMPED_COLUMNS, TABLES, type RowOf, type TableName } from '../../src/warehouse/tables.js';
import type { WindowSink } from '../../src/warehouse/warehouse.js';
import { ledger, tempDir } from './helpers.js';

const tmp = tempDir('ci-typed-rows-');
afterAll(() => tmp.cleanup());

const cents = parseCents('1234.5');
const good: RowOf<'claude_costs'> = {
  activity_date: '2025-03-01',
  workspace_id: null,
  description: 'Claude Sonnet 4 Usage - Output Tokens',
  cost_type: 'tokens',
  model: 'claude-sonnet-4',
  service_tier: 'standard',
  token_type: 'output_tokens',
  context_window: '0-200k',
  inference_geo: 'global',
  currency: 'USD',
  amount_cents: cents,
  amount_usd: centsToUsd(cents),
  extra: null,
};

/** Never called: it only has to type-check (each @ts-expect-error must find its error). */
export async function refusedAtCompileTime(sink: WindowSink, timestamp: string): Promise<void> {
  // A misspelled column, even next to every right one.
  // @ts-expect-error amount_cnets is not a column of claude_costs
  await sink.append('claude_costs', [{ ...good, amount_cnets: cents }]);

  // A misspelling in place of the column: the real one is missing, and the wrong one unknown.
  const { amount_cents: _dropped, ...withoutCents } = good;
  // @ts-expect-error amount_cents is missing
  await sink.append('claude_costs', [{ ...withoutCents, amount_cnets: cents }]);

  // A missing NOT NULL column.
  const { currency: _currency, ...withoutCurrency } = good;
  // @ts-expect-error currency is NOT NULL and required
  await sink.append('claude_costs', [withoutCurrency]);
  // @ts-expect-error NULL in a NOT NULL column
  await sink.append('claude_costs', [{ ...good, currency: null }]);

  // A nullable column is still required: NULL is said, never implied.
  const { model: _model, ...withoutModel } = good;
  // @ts-expect-error model is missing (write model: null for NULL)
  await sink.append('claude_costs', [withoutModel]);

  // Dollars where cents belong, and an unchecked string where cents belong.
  // @ts-expect-error Usd is not Cents
  await sink.append('claude_costs', [{ ...good, amount_cents: good.amount_usd }]);
  // @ts-expect-error a plain string is not validated Cents
  await sink.append('claude_costs', [{ ...good, amount_cents: '12.5' }]);

  // A timestamp where a day (IsoDay) belongs.
  // @ts-expect-error a timestamp literal is not a YYYY-MM-DD day
  await sink.append('claude_costs', [{ ...good, activity_date: '2025-03-01T00:00:00Z' }]);
  // @ts-expect-error an unchecked string is not a day either
  await sink.append('claude_costs', [{ ...good, activity_date: timestamp }]);

  // A row of one table appended to another. (Typing is structural: a variable holding a superset of the
  // table's columns would pass; a literal with an extra column does not, as above.)
  // @ts-expect-error a claude_costs row has none of claude_usage_keys' token columns
  await sink.append('claude_usage_keys', [good]);

  // The stamped columns are the window writer's: a window table's row does not carry them.
  // @ts-expect-error run_id is stamped from the window, not carried by the row
  await sink.append('claude_costs', [{ ...good, run_id: 'run-typed' }]);
  // @ts-expect-error organization_id is stamped from the window
  await sink.append('claude_costs', [{ ...good, organization_id: 'org' }]);

  // A table without organization_id does not take one.
  // @ts-expect-error claude_ingest_meta has no organization_id
  const _meta: RowOf<'claude_ingest_meta'> = { key: 'k', value: 'v', organization_id: 'org' };
}

describe('typed rows', () => {
  it('derive value types from the declared column types', () => {
    expectTypeOf<RowOf<'claude_costs'>['activity_date']>().toEqualTypeOf<IsoDay>();
    expectTypeOf<RowOf<'claude_costs'>['amount_cents']>().toEqualTypeOf<Cents>();
    expectTypeOf<RowOf<'claude_costs'>['amount_usd']>().toEqualTypeOf<Usd>();
    expectTypeOf<RowOf<'claude_costs'>['model']>().toEqualTypeOf<string | null>();
    expectTypeOf<RowOf<'ingest_windows'>['organization_id']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<RowOf<'claude_usage_keys'>['output_tokens']>().toEqualTypeOf<number | bigint>();
    // The analytics totals make the shared token columns nullable.
    expectTypeOf<RowOf<'claude_analytics_daily_totals'>['output_tokens']>().toEqualTypeOf<number | bigint | null>();
    expectTypeOf<RowOf<'claude_cost_by_actor'>['actor_deleted']>().toEqualTypeOf<boolean | null>();
    expectTypeOf<RowOf<'ingest_windows'>['window_start']>().toEqualTypeOf<IsoDay>();
    // The transforms return the table's row type.
    expectTypeOf(transformCostRow).returns.toEqualTypeOf<RowOf<'claude_costs'>>();
  });

  it('cover exactly the table\'s runtime columns but the stamped ones (organization_id, run_id, ingested_at: the window writer\'s)', () => {
    const columns = (table: TableName) => TABLES[table].columns.map((c) => c.name).filter((n) => !(STAMPED_COLUMNS as readonly string[]).includes(n));
    expect(Object.keys(good).sort()).toEqual(columns('claude_costs').sort());
    expect(TABLES.claude_costs.columns[0]?.name).toBe('organization_id');
    const meta: RowOf<'claude_ingest_meta'> = { key: 'k', value: 'v' };
    expect(Object.keys(meta).sort()).toEqual(columns('claude_ingest_meta').sort());
  });

  it('a correct typed row writes through the sink, the stamped columns from the window', async () => {
    const wh = await openDuckDbWarehouse(tmp.file());
    try {
      await wh.init();
      const written = await wh.replaceWindow(
        { organizationId: 'org_typed', tables: ['claude_costs'], days: { from: '2025-03-01', to: '2025-03-01' }, ledger: ledger({ stream: 'cost', windowStart: '2025-03-01', windowEnd: '2025-03-01' }) },
        (sink) => sink.append('claude_costs', [good]),
      );
      expect(written).toBe(1);
      expect(await wh.query('SELECT organization_id, run_id, CAST(ingested_at AS VARCHAR) AS at, CAST(activity_date AS VARCHAR) AS day, amount_cents::VARCHAR AS cents, amount_usd::VARCHAR AS usd FROM claude_costs')).toEqual([
        { organization_id: 'org_typed', run_id: 'run-1', at: expect.stringMatching(/^2025-02-01 00:00:00/), day: '2025-03-01', cents: '1234.500000000000', usd: '12.34500000000000' },
      ]);
    } finally {
      await wh.close();
    }
  });
});
