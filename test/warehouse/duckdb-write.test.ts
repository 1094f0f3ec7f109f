import { Decimal as DecimalJs } from 'decimal.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Row, RowOf } from '../../src/warehouse/tables.js';
import { costRow, ledger, tempDir, usageRow } from './helpers.js';
import type { DayRange, IsoDay } from '../../src/util/dates.js';

// decimal.js defaults to 20 significant digits, too few for 38-digit sums.
const Decimal = DecimalJs.clone({ precision: 80 });
const tmp = tempDir();
afterAll(() => tmp.cleanup());

let wh: DuckDbWarehouse;
let n = 0;
beforeEach(async () => {
  wh = await openDuckDbWarehouse(tmp.file(`write-${++n}.duckdb`));
  await wh.init();
});
afterEach(async () => {
  await wh.close();
});

const WEEK: DayRange = { from: '2025-01-01', to: '2025-01-07' };

async function writeUsage(days: DayRange, rows: Row[], runId = 'run-1'): Promise<number> {
  return wh.replaceWindow(
    { organizationId: 'org_test', tables: ['claude_usage_keys'], days, ledger: ledger({ runId, windowStart: days.from, windowEnd: days.to }) },
    // Row[], not RowOf: some tests hand the writer rows the types refuse, to prove it refuses them at runtime too.
    async (sink) => sink.append('claude_usage_keys', rows as RowOf<'claude_usage_keys'>[]),
  );
}

async function countsByDay(): Promise<Record<string, string>> {
  const rows = await wh.query('SELECT activity_date, run_id, count(*) AS n FROM claude_usage_keys GROUP BY ALL ORDER BY 1');
  return Object.fromEntries(rows.map((r) => [String(r.activity_date), `${String(r.run_id)}:${String(r.n)}`]));
}

describe('replaceWindow', () => {
  it('writes, then replaces the same days without duplicates, leaving other days alone', async () => {
    expect(await writeUsage({ from: '2024-12-31', to: '2024-12-31' }, [usageRow('2024-12-31', 1)], 'before')).toBe(1);
    expect(await writeUsage(WEEK, [0, 1, 2].map((i) => usageRow('2025-01-01', i)).concat([usageRow('2025-01-03', 9)]))).toBe(4);
    expect(await countsByDay()).toEqual({ '2024-12-31': 'before:1', '2025-01-01': 'run-1:3', '2025-01-03': 'run-1:1' });

    await writeUsage(WEEK, [usageRow('2025-01-02', 5), usageRow('2025-01-02', 6)], 'run-2');
    expect(await countsByDay()).toEqual({ '2024-12-31': 'before:1', '2025-01-02': 'run-2:2' });

    const windows = await wh.listWindows({ stream: 'usage' });
    expect(windows.map((w) => [w.windowStart, w.runId, w.status, w.rows])).toEqual([
      ['2025-01-01', 'run-2', 'ok', 2],
      ['2024-12-31', 'before', 'ok', 1],
    ]);
  });

  it('replaces snapshot tables whole', async () => {
    const snapshot = (ids: string[]) =>
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_users'], ledger: ledger({ stream: 'org' }) }, async (sink) =>
        sink.append(
          'claude_users',
          ids.map((id) => ({ id, email: `${id}@x.test`, name: null, role: null, extra: null, added_at: null })),
        ),
      );
    await snapshot(['u1', 'u2', 'u3']);
    await snapshot(['u2', 'u4']);
    expect(await wh.query('SELECT id FROM claude_users ORDER BY id')).toEqual([{ id: 'u2' }, { id: 'u4' }]);
  });

  it('writes nothing when fill throws, and the next write of the same days still lands', async () => {
    await writeUsage(WEEK, [usageRow('2025-01-01', 1)]);
    const before = await countsByDay();
    const boom = new Error('source failed mid-window');
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys', 'claude_usage_daily_totals'], days: WEEK, ledger: ledger({ runId: 'run-x' }) }, async (sink) => {
        await sink.append('claude_usage_keys', [usageRow('2025-01-01', 2), usageRow('2025-01-02', 3)]);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await countsByDay()).toEqual(before);
    expect((await wh.listWindows()).map((w) => w.runId)).toEqual(['run-1']);
    // No transaction was left open to block or conflict with the retry.
    expect(await writeUsage(WEEK, [usageRow('2025-01-02', 4)], 'run-y')).toBe(1);
    expect(await countsByDay()).toEqual({ '2025-01-02': 'run-y:1' });
  });

  it('keeps a window invisible to readers until it commits, old rows included', async () => {
    await writeUsage(WEEK, [usageRow('2025-01-01', 1), usageRow('2025-01-02', 2)], 'old');
    const seen: Record<string, string>[] = [];
    await wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: WEEK, ledger: ledger({ runId: 'new' }) }, async (sink) => {
      seen.push(await countsByDay());
      await sink.append('claude_usage_keys', [usageRow('2025-01-03', 3)]);
      seen.push(await countsByDay());
    });
    expect(seen).toEqual([
      { '2025-01-01': 'old:1', '2025-01-02': 'old:1' },
      { '2025-01-01': 'old:1', '2025-01-02': 'old:1' },
    ]);
    expect(await countsByDay()).toEqual({ '2025-01-03': 'new:1' });
  });

  it('refuses bad values with the table, column and value, without rounding', async () => {
    // The transforms round to 12 places (util/money.ts); a value that reaches the writer unrounded is a bug, refused.
    const bad = costRow('2025-01-01', '1.0000000000001', 'line');
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: WEEK, ledger: ledger({ stream: 'cost' }) }, async (sink) =>
        sink.append('claude_costs', [bad]),
      ),
    ).rejects.toThrow('claude_costs.amount_cents: cannot store "1.0000000000001" (cents): "1.0000000000001" has more than 12 decimal places');
    await expect(
      writeUsage(WEEK, [{ ...usageRow('2025-01-01', 1), output_tokens: null }]),
    ).rejects.toThrow('claude_usage_keys.output_tokens: cannot store null (int): the column is NOT NULL');
    await expect(writeUsage(WEEK, [{ ...usageRow('2025-01-01', 1), outptu_tokens: 3 }])).rejects.toThrow(/unknown column\(s\) outptu_tokens/);
    await expect(writeUsage(WEEK, [usageRow('2025-01-09', 1)])).rejects.toThrow(
      'claude_usage_keys: 1 row(s) dated 2025-01-09…2025-01-09 fall outside the window 2025-01-01…2025-01-07',
    );
    await expect(
      wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: WEEK, ledger: ledger() }, async (sink) =>
        sink.append('claude_costs', [costRow('2025-01-01', '1', 'x')]),
      ),
    ).rejects.toThrow(/this window only replaces claude_usage_keys/);
    await expect(wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], ledger: ledger() }, async () => undefined)).rejects.toThrow(/needs days/);
    expect(await wh.query('SELECT count(*) AS n FROM claude_costs')).toEqual([{ n: 0 }]);
    expect(await wh.query('SELECT count(*) AS n FROM claude_usage_keys')).toEqual([{ n: 0 }]);
  });

  it('keeps money exact: the sum of many fractional-cent strings equals the decimal.js sum', async () => {
    const amounts: string[] = [];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const int = next() % 100000;
      const frac = String(next() % 1_000_000_000).padStart(9, '0').replace(/0+$/, '');
      amounts.push(`${i % 5 === 0 ? '-' : ''}${int}${frac ? `.${frac}` : ''}`);
    }
    amounts.push('123.78912', '-0.000000001', '0', '99999999999999.999999999');
    await wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_costs'], days: WEEK, ledger: ledger({ stream: 'cost' }) }, async (sink) => {
      await sink.append('claude_costs', amounts.map((a, i) => costRow('2025-01-02', a, `line ${i}`)));
    });
    const expectedCents = amounts.reduce((acc, a) => acc.plus(a), new Decimal(0));
    const d = wh.dialect;
    const [row] = await wh.query(
      `SELECT ${d.sumExact('amount_cents')} AS cents, ${d.sumExact('amount_usd')} AS usd, count(*) AS n FROM ${d.table('claude_costs')} WHERE activity_date = ${d.dateParam()}`,
      ['2025-01-02'],
    );
    expect(row).toEqual({ cents: expectedCents.toFixed(), usd: expectedCents.div(100).toFixed(), n: amounts.length });
    const back = await wh.query('SELECT amount_cents FROM claude_costs WHERE description = ?', ['line 5000']);
    expect(back).toEqual([{ amount_cents: '123.78912' }]);
  });

  it('lands concurrent windows for different days, and serializes their commits', async () => {
    const windows: IsoDay[] = ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04'];
    const results = await Promise.all(
      windows.map((day, w) =>
        wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: { from: day, to: day }, ledger: ledger({ runId: `r${w}`, windowStart: day, windowEnd: day }) }, async (sink) => {
          for (let b = 0; b < 5; b++) {
            await sink.append('claude_usage_keys', Array.from({ length: 1000 }, (_, i) => usageRow(day, b * 1000 + i)));
            await new Promise((r) => setTimeout(r, 1));
          }
        }),
      ),
    );
    expect(results).toEqual([5000, 5000, 5000, 5000]);
    expect(await countsByDay()).toEqual({ '2025-01-01': 'r0:5000', '2025-01-02': 'r1:5000', '2025-01-03': 'r2:5000', '2025-01-04': 'r3:5000' });
    expect((await wh.listWindows()).map((w) => w.status)).toEqual(['ok', 'ok', 'ok', 'ok']);

    // Again, concurrently, over the rows just written: the open transactions delete disjoint days,
    // so none conflicts with another.
    const again = await Promise.all(
      windows.map((day, w) =>
        wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days: { from: day, to: day }, ledger: ledger({ runId: `s${w}`, windowStart: day, windowEnd: day }) }, async (sink) => {
          await new Promise((r) => setTimeout(r, 4 - w));
          await sink.append('claude_usage_keys', Array.from({ length: 700 + w }, (_, i) => usageRow(day, i)));
        }),
      ),
    );
    expect(again).toEqual([700, 701, 702, 703]);
    expect(await countsByDay()).toEqual({ '2025-01-01': 's0:700', '2025-01-02': 's1:701', '2025-01-03': 's2:702', '2025-01-04': 's3:703' });
  });

  it('appends through the Appender fast enough (throughput logged, count asserted)', async () => {
    const total = Number(process.env.CLAUDE_INGEST_BIG_APPEND ?? 200_000);
    const days: DayRange = { from: '2025-01-01', to: '2025-01-31' };
    const started = performance.now();
    const written = await wh.replaceWindow({ organizationId: 'org_test', tables: ['claude_usage_keys'], days, ledger: ledger() }, async (sink) => {
      const batch: RowOf<'claude_usage_keys'>[] = [];
      for (let i = 0; i < total; i++) {
        const day = `2025-01-${String(1 + Math.floor((i * 31) / total)).padStart(2, '0')}`;
        batch.push(usageRow(day, i));
        if (batch.length === 10_000) {
          await sink.append('claude_usage_keys', batch);
          batch.length = 0;
        }
      }
      await sink.append('claude_usage_keys', batch);
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`appended ${written} claude_usage_keys rows in ${seconds.toFixed(2)} s: ${Math.round(written / seconds)} rows/s`);
    expect(written).toBe(total);
    expect(await wh.query('SELECT count(*) AS n, count(DISTINCT activity_date) AS d FROM claude_usage_keys')).toEqual([{ n: total, d: 31 }]);
  });
});

describe('ledger', () => {
  it('upserts windows by (run, stream, window) and lists the latest attempt per window, newest first', async () => {
    await wh.recordWindow(ledger({ runId: 'a', status: 'running', startedAt: '2025-02-01T00:00:00.000Z', finishedAt: null }));
    await wh.recordWindow(ledger({ runId: 'a', status: 'failed', error: 'HTTP 500', startedAt: '2025-02-01T00:00:00.000Z' }));
    await wh.recordWindow(ledger({ runId: 'a', stream: 'cost', windowStart: '2025-01-08', windowEnd: '2025-01-14', status: 'failed', startedAt: '2025-02-01T00:00:01.000Z', centsTotal: '12.5' }));
    await wh.recordWindow(ledger({ runId: 'b', status: 'ok', startedAt: '2025-02-02T00:00:00.000Z' }));

    expect(await wh.query('SELECT count(*) AS n FROM ingest_windows')).toEqual([{ n: 3 }]);
    const latest = await wh.listWindows();
    expect(latest.map((w) => [w.runId, w.stream, w.status])).toEqual([
      ['b', 'usage', 'ok'],
      ['a', 'cost', 'failed'],
    ]);
    expect(latest[1]).toEqual(
      ledger({ runId: 'a', stream: 'cost', windowStart: '2025-01-08', windowEnd: '2025-01-14', status: 'failed', startedAt: '2025-02-01T00:00:01.000Z', centsTotal: '12.5' }),
    );
    // A window that failed and then succeeded is not listed as failed.
    expect((await wh.listWindows({ status: 'failed' })).map((w) => w.stream)).toEqual(['cost']);
    expect((await wh.listWindows({ stream: 'usage', status: 'ok' })).map((w) => w.runId)).toEqual(['b']);
  });

  it('upserts runs by run_id and lists them newest first', async () => {
    const run = {
      runId: 'r1',
      command: 'backfill',
      args: { from: '2025-01-01', streams: ['cost'] },
      toolVersion: '0.1.0',
      status: 'running' as const,
      organizationId: 'org_1',
      organizationName: 'Acme',
      windowsOk: 0,
      windowsFailed: 0,
      startedAt: '2025-02-01T00:00:00.000Z',
      finishedAt: null,
    };
    await wh.recordRun(run);
    await wh.recordRun({ ...run, runId: 'r2', startedAt: '2025-02-02T00:00:00.000Z' });
    await wh.recordRun({ ...run, status: 'ok', windowsOk: 4, finishedAt: '2025-02-01T00:10:00.000Z' });
    expect(await wh.listRuns(10)).toEqual([
      { ...run, runId: 'r2', startedAt: '2025-02-02T00:00:00.000Z' },
      { ...run, status: 'ok', windowsOk: 4, finishedAt: '2025-02-01T00:10:00.000Z' },
    ]);
    expect(await wh.listRuns(1)).toHaveLength(1);
  });
});

describe('query()', () => {
  it('binds parameters by JS type and converts results to plain values', async () => {
    const [row] = await wh.query(
      `SELECT CAST(? AS DATE) AS d, CAST('2024-10-30 23:58:27.427722' AS TIMESTAMP) AS ts, TIMESTAMPTZ '2024-10-31 01:00:00+02' AS tz,
              1.200000000::DECIMAL(38,9) AS dec, -0.000000001::DECIMAL(38,9) AS tiny, ? AS big, 9007199254740993::BIGINT AS huge,
              170141183460469231731687303715884105727::HUGEINT AS hh, ? AS flag, ? AS txt, ? AS nothing, 42::INTEGER AS i, 0.5::DOUBLE AS dbl,
              ? AS bigint_param`,
      ['2025-01-31', 2 ** 40, true, 'hé "quoted"', null, 12345678901234567890n],
    );
    expect(row).toEqual({
      d: '2025-01-31',
      ts: '2024-10-30T23:58:27.427Z',
      tz: '2024-10-30T23:00:00.000Z',
      dec: '1.2',
      tiny: '-0.000000001',
      big: 2 ** 40,
      huge: '9007199254740993',
      hh: '170141183460469231731687303715884105727',
      flag: true,
      txt: 'hé "quoted"',
      nothing: null,
      i: 42,
      dbl: 0.5,
      bigint_param: '12345678901234567890',
    });
  });

  it('refuses writes and mismatched parameters', async () => {
    await expect(wh.query('DELETE FROM claude_costs')).rejects.toThrow(/read-only SQL/);
    await expect(wh.query('SELECT ?', [])).rejects.toThrow(/1 \? placeholder\(s\) but 0 parameter/);
    await expect(wh.query('SELECT ?', [{}])).rejects.toThrow(/pass a string, number, bigint, boolean or null/);
  });

  it('dialect quotes identifiers', async () => {
    const d = wh.dialect;
    expect(d.table('claude_costs')).toBe('"claude_costs"');
    expect(d.ident('we"ird')).toBe('"we""ird"');
    expect(await wh.query(`SELECT ${d.toText('1.50::DECIMAL(10,2)')} AS ${d.ident('we"ird')}`)).toEqual([{ 'we"ird': '1.50' }]);
  });
});
