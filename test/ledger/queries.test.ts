/** Table-driven tests of the ledger helpers that jobs, checks, alerts, status and the dashboard share. Part of `npm run test:fast`. */
import { describe, expect, it } from 'vitest';
import { completeDays, lastCompleteDay, ledgerOrganizations, okDays, okDaysOfEvery, unfinishedWindows } from '../../src/ledger/queries.js';
import type { WindowRecord } from '../../src/warehouse/warehouse.js';
import type { IsoDay } from '../../src/util/dates.js';

type Status = WindowRecord['status'];

/** One ledger row: stream, days, status, complete flag and the time it started. */
const w = (stream: string, from: IsoDay, to: IsoDay, status: Status = 'ok', complete = true, startedAt = '2025-02-01T00:00:00.000Z'): WindowRecord => ({
  runId: `run-${startedAt}`,
  stream,
  windowStart: from,
  windowEnd: to,
  status,
  complete,
  rows: 1,
  requests: 1,
  retries: 0,
  rateLimited: 0,
  centsTotal: null,
  error: status === 'failed' ? 'boom' : null,
  startedAt,
  finishedAt: null,
});

describe('completeDays and okDays', () => {
  it.each<[string, WindowRecord[], string[], string[]]>([
    ['an empty ledger', [], [], []],
    ['one complete window', [w('cost', '2025-01-01', '2025-01-02')], ['2025-01-01', '2025-01-02'], ['2025-01-01', '2025-01-02']],
    ['an incomplete ok window is present, not complete', [w('cost', '2025-01-03', '2025-01-03', 'ok', false)], [], ['2025-01-03']],
    ['failed and running windows are neither', [w('cost', '2025-01-01', '2025-01-01', 'failed'), w('cost', '2025-01-02', '2025-01-02', 'running')], [], []],
    ['an unavailable window is neither', [w('cost', '2025-01-01', '2025-01-01', 'unavailable')], [], []],
    ['another stream does not count', [w('usage', '2025-01-01', '2025-01-01')], [], []],
    [
      'overlapping windows count each day once',
      [w('cost', '2025-01-01', '2025-01-02'), w('cost', '2025-01-02', '2025-01-03', 'ok', false)],
      ['2025-01-01', '2025-01-02'],
      ['2025-01-01', '2025-01-02', '2025-01-03'],
    ],
  ])('%s', (_name, ledger, complete, ok) => {
    expect([...completeDays(ledger, 'cost')].sort()).toEqual(complete);
    expect([...okDays(ledger, 'cost')].sort()).toEqual(ok);
  });
});

describe('okDays, asked again', () => {
  it('answers each stream from the same ledger alike, and a window added to the array counts', () => {
    const ledger = [w('cost', '2025-01-01', '2025-01-02'), w('usage', '2025-01-05', '2025-01-05')];
    expect([...okDays(ledger, 'cost')].sort()).toEqual(['2025-01-01', '2025-01-02']);
    expect([...okDays(ledger, 'usage')]).toEqual(['2025-01-05']);
    expect([...okDays(ledger, 'cost')].sort()).toEqual(['2025-01-01', '2025-01-02']);
    ledger.push(w('cost', '2025-01-03', '2025-01-03'));
    expect([...okDays(ledger, 'cost')].sort()).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    // Another array with the same windows is answered on its own.
    expect([...okDays([w('cost', '2025-01-09', '2025-01-09')], 'cost')]).toEqual(['2025-01-09']);
  });
});

describe('lastCompleteDay', () => {
  it.each<[string, WindowRecord[], string | null]>([
    ['no windows', [], null],
    ['only failed windows', [w('cost', '2025-01-01', '2025-01-05', 'failed')], null],
    ['a complete window', [w('cost', '2025-01-01', '2025-01-05')], '2025-01-05'],
    // An incomplete window fetched on 2025-01-05 holds complete days up to the 4th: they had ended.
    ['days that had ended when an incomplete window was fetched', [w('cost', '2025-01-01', '2025-01-05', 'ok', false, '2025-01-05T10:00:00.000Z')], '2025-01-04'],
    ['the latest of several', [w('cost', '2025-01-01', '2025-01-05'), w('cost', '2025-01-10', '2025-01-12')], '2025-01-12'],
    ['another stream does not count', [w('usage', '2025-01-01', '2025-01-05')], null],
  ])('%s', (_name, ledger, last) => {
    expect(lastCompleteDay(ledger, 'cost')).toBe(last);
  });
});

describe('unfinishedWindows', () => {
  const failed = w('cost', '2025-01-01', '2025-01-03', 'failed', false, '2025-02-01T00:00:00.000Z');
  it.each<[string, WindowRecord[], WindowRecord[]]>([
    ['ok windows are finished', [w('cost', '2025-01-01', '2025-01-03')], []],
    ['a failed window is unfinished', [failed], [failed]],
    ['a running window (of a dead process) is unfinished', [w('cost', '2025-01-01', '2025-01-01', 'running')], [w('cost', '2025-01-01', '2025-01-01', 'running')]],
    ['an unavailable endpoint is not a failure', [w('cost', '2025-01-01', '2025-01-01', 'unavailable')], []],
    ['a later ok window covering every day finishes it', [failed, w('cost', '2025-01-01', '2025-01-31', 'ok', true, '2025-02-02T00:00:00.000Z')], []],
    ['a later ok window covering part of it does not', [failed, w('cost', '2025-01-01', '2025-01-02', 'ok', true, '2025-02-02T00:00:00.000Z')], [failed]],
    ['an earlier ok window does not', [failed, w('cost', '2025-01-01', '2025-01-31', 'ok', true, '2025-01-31T00:00:00.000Z')], [failed]],
    ['a later ok window of another stream does not', [failed, w('usage', '2025-01-01', '2025-01-31', 'ok', true, '2025-02-02T00:00:00.000Z')], [failed]],
  ])('%s', (_name, ledger, unfinished) => {
    expect(unfinishedWindows(ledger)).toEqual(unfinished);
  });
});

describe('okDaysOfEvery: days of an optional stream held by every organization (local days over several)', () => {
  const of = (org: string | null, rec: WindowRecord): WindowRecord => ({ ...rec, organizationId: org });
  const hourly = (org: string | null, from: IsoDay, to: IsoDay) => of(org, w('analytics_cost_hourly', from, to));
  it.each<[string, WindowRecord[], string[] | undefined, string[]]>([
    ['one organization: its days', [hourly('a', '2026-01-01', '2026-01-03')], undefined, ['2026-01-01', '2026-01-02', '2026-01-03']],
    ['two organizations: the days both hold', [hourly('a', '2026-01-01', '2026-01-03'), hourly('b', '2026-01-02', '2026-01-04')], undefined, ['2026-01-02', '2026-01-03']],
    ['an organization that never read the stream holds none of its days', [hourly('a', '2026-01-01', '2026-01-02'), of('b', w('cost', '2026-01-01', '2026-01-02'))], undefined, []],
    ['asked for one organization: its own days', [hourly('a', '2026-01-01', '2026-01-02'), of('b', w('cost', '2026-01-01', '2026-01-02'))], ['a'], ['2026-01-01', '2026-01-02']],
    ['windows from before organization ids do not veto an identified one', [of(null, w('cost', '2025-12-01', '2025-12-31')), hourly('a', '2026-01-01', '2026-01-01')], undefined, ['2026-01-01']],
    ['a ledger from before organization ids', [hourly(null, '2026-01-01', '2026-01-01')], undefined, ['2026-01-01']],
  ])('%s', (_name, ledger, orgs, days) => {
    expect([...okDaysOfEvery(ledger, 'analytics_cost_hourly', orgs)].sort()).toEqual(days);
  });

  it('ledgerOrganizations drops null only when identified organizations exist', () => {
    expect(ledgerOrganizations([of(null, w('cost', '2026-01-01', '2026-01-01'))])).toEqual([null]);
    expect(ledgerOrganizations([of(null, w('cost', '2026-01-01', '2026-01-01')), of('a', w('cost', '2026-01-01', '2026-01-01'))])).toEqual(['a']);
  });
});
