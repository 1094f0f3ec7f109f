/**
 * Proration of configured fees (docs/reconcile.md "Partial months"): a fee starting or ending inside a
 * month is charged its unit price × days charged / days in the month (half-even to $0.00000001) ×
 * quantity; a month's days add up exactly to the month's charge (largest remainder in whole units of
 * $0.00000001, ties to the earliest days). Checked against an independent Decimal computation, and
 * in claude_fixed_costs of a real DuckDB file through syncFixedCosts.
 */
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { expandFixedCosts, syncFixedCosts, type FixedCostInput } from '../../src/jobs/fixed-costs-sync.js';
import { asIsoDay } from '../../src/util/dates.js';
import { dailyParts, daysInMonth, feeMonthPeriods, prorateMonth } from '../../src/util/fee-proration.js';
import { openDuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { tempDir } from '../helpers/cli.js';

const UNIT = new Decimal('1e-8');
const day = (s: string) => asIsoDay(s);

describe('fee proration', () => {
  it('charges a whole month exactly and a partial month by days, half-even to $0.00000001', () => {
    expect(prorateMonth('30.123456789', { days: 31, daysInMonth: 31 })).toBe('30.123456789');
    // 31 × 19/28 = 21.035714285714…
    expect(prorateMonth('31', { days: 19, daysInMonth: 28 })).toBe('21.03571429');
    // 0.00000003 × 1/2 = 0.000000015 → half-even 0.00000002; × 1/6 of 0.00000003 = 0.000000005 → 0.00000000
    expect(prorateMonth('0.00000003', { days: 1, daysInMonth: 2 })).toBe('0.00000002');
    expect(prorateMonth('-120.50', { days: 10, daysInMonth: 30 })).toBe(new Decimal('-120.50').times(10).div(30).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed());
  });

  it('finds the days of each month a fee covers, leap February included', () => {
    expect(feeMonthPeriods(day('2028-01-20'), day('2028-03-03'))).toEqual([
      { month: '2028-01-01', first: '2028-01-20', last: '2028-01-31', days: 12, daysInMonth: 31 },
      { month: '2028-02-01', first: '2028-02-01', last: '2028-02-29', days: 29, daysInMonth: 29 },
      { month: '2028-03-01', first: '2028-03-01', last: '2028-03-03', days: 3, daysInMonth: 31 },
    ]);
    expect(daysInMonth(day('2026-02-14'))).toBe(28);
  });

  it("spreads a month's charge over its days: exact sum, parts one unit apart at most, the extra units on the earliest days", () => {
    const amounts = ['750', '21.03571429', '-120.5', '0.00000007', '1000000.00000001', '0', '33.33333333', '63.10714287'];
    for (const amount of amounts) {
      for (const [first, last] of [
        ['2026-02-01', '2026-02-28'],
        ['2026-02-10', '2026-02-28'],
        ['2026-03-01', '2026-03-31'],
        ['2026-04-07', '2026-04-07'],
      ] as const) {
        const parts = dailyParts(amount, day(first), day(last));
        expect(parts[0]!.day).toBe(first);
        expect(parts.at(-1)!.day).toBe(last);
        const total = parts.reduce((s, p) => s.plus(p.usd), new Decimal(0));
        expect(total.eq(amount), `${amount} ${first}`).toBe(true);
        const abs = parts.map((p) => new Decimal(p.usd).abs());
        for (let k = 1; k < abs.length; k++) expect(abs[k - 1]!.minus(abs[k]!).gte(0) && abs[k - 1]!.minus(abs[k]!).lte(UNIT)).toBe(true);
        for (const p of parts) expect(new Decimal(p.usd).decimalPlaces()).toBeLessThanOrEqual(8);
        if (new Decimal(amount).isNegative()) for (const p of parts) expect(new Decimal(p.usd).lte(0)).toBe(true);
      }
    }
  });

  it('expands a fee starting and one ending inside a month into prorated months (price × quantity = charge)', () => {
    const fees: FixedCostInput[] = [
      { name: 'Seats', kind: 'seats', monthly_usd: 31, quantity: 3, from: '2026-02-10' },
      { name: 'Credit', kind: 'credit', monthly_usd: '120.50', from: '2026-01-01', to: '2026-03-15' },
    ];
    const months = expandFixedCosts(fees, day('2026-01-01'), day('2026-04-01'), () => null);
    const view = months.map((m) => [m.name, m.month, m.periodStart, m.periodEnd, m.unitPriceUsd, m.amountUsd]);
    const seatsFeb = new Decimal(31).times(19).div(28).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN);
    const creditMar = new Decimal('120.50').times(15).div(31).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN);
    expect(view).toEqual([
      ['Seats', '2026-02-01', '2026-02-10', '2026-02-28', seatsFeb.toFixed(), seatsFeb.times(3).toFixed()],
      ['Seats', '2026-03-01', '2026-03-01', '2026-03-31', '31', '93'],
      ['Seats', '2026-04-01', '2026-04-01', '2026-04-30', '31', '93'],
      ['Credit', '2026-01-01', '2026-01-01', '2026-01-31', '120.5', '-120.5'],
      ['Credit', '2026-02-01', '2026-02-01', '2026-02-28', '120.5', '-120.5'],
      ['Credit', '2026-03-01', '2026-03-01', '2026-03-15', creditMar.toFixed(), creditMar.neg().toFixed()],
    ]);
  });

  it('syncFixedCosts writes the prorated months and their periods into claude_fixed_costs, idempotently', async () => {
    const file = join(tempDir('ci-fees-'), 'f.duckdb');
    const wh = await openDuckDbWarehouse(file);
    try {
      await wh.init();
      const fees: FixedCostInput[] = [{ name: 'Seats', kind: 'seats', monthly_usd: 31, quantity: 3, from: '2026-02-10' }];
      for (let k = 0; k < 2; k++) await syncFixedCosts(wh, fees, day('2026-03-05'));
      const rows = await wh.query(
        `SELECT CAST(month AS VARCHAR) AS m, CAST(period_start AS VARCHAR) AS ps, CAST(period_end AS VARCHAR) AS pe, CAST(amount_usd AS VARCHAR) AS usd FROM claude_fixed_costs WHERE active ORDER BY m`,
      );
      const feb = new Decimal(31).times(19).div(28).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).times(3);
      expect(rows.map((r) => [r.m, r.ps, r.pe, new Decimal(String(r.usd)).toFixed()])).toEqual([
        ['2026-02-01', '2026-02-10', '2026-02-28', feb.toFixed()],
        ['2026-03-01', '2026-03-01', '2026-03-31', '93'],
      ]);
    } finally {
      await wh.close();
    }
  });
});

