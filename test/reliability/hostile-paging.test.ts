/**
 * Report answers that would make a window endless or doubled: a cursor that never ends, and pages
 * whose buckets repeat or overlap. Each fails its window with one line, exit 1, nothing written.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { errorLines, runCli, tempDir } from '../helpers/cli.js';
import { startHostileApi, type HostileAction, type HostileApi, type HostileRequest } from '../helpers/hostile-api.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { envFor, FROM, TODAY } from './helpers.js';

let emu: Emulator | undefined;
let api: HostileApi | undefined;

afterEach(async () => {
  await api?.close();
  await emu?.close();
  api = emu = undefined;
});

interface Page {
  data: { starting_at: string; ending_at: string; results: unknown[] }[];
  has_more: boolean;
  next_page: string | null;
}

/** Runs `backfill --streams cost` through a hostile API; returns the result, the error lines and the cost rows kept. */
async function costBackfill(act: (r: HostileRequest) => HostileAction) {
  emu = await startEmulator({ seed: 9, today: TODAY, org: 'small', historyDays: 60 });
  api = await startHostileApi(emu.url, act);
  const file = join(tempDir(), 'w.duckdb');
  const res = await runCli(['backfill', '--from', FROM, '--streams', 'cost', '--warehouse', `duckdb:${file}`], envFor(api));
  const errors = errorLines(res.stderr);
  const [kept] = await queryWarehouse(file, 'SELECT COUNT(*) AS n FROM claude_costs');
  return { res, errors, costRows: Number(kept!.n), cost: api.requests.filter((r) => r.path.endsWith('/cost_report')) };
}

const costPage = (r: HostileRequest) => r.path.endsWith('/cost_report');

describe('bounded pagination', () => {
  it('a cursor that never ends fails the window as "the API kept paging" after a bounded number of pages', async () => {
    // Page 1 as the emulator wrote it, then empty pages, each with a fresh cursor and has_more.
    const { res, errors, costRows, cost } = await costBackfill((r) => {
      if (!costPage(r)) return undefined;
      if (!r.query.get('page')) return { rewrite: (b) => ({ ...(b as Page), has_more: true, next_page: `fresh_${r.n}` }) };
      return { answer: { status: 200, body: JSON.stringify({ data: [], has_more: true, next_page: `fresh_${r.n}` }) } };
    });
    expect(res.code, res.stderr).toBe(1);
    // 21 daily buckets at 31 per page need 1 page: the bound is 2 × 1 + 2.
    expect(cost).toHaveLength(4);
    // The line names the last answer read (its request-id), like every other malformed answer.
    expect(errors[0]!.replace(/req_hostile_\d+/, 'req_hostile_N')).toBe(
      'cost 2026-04-20..2026-05-10 failed: The Admin API answered /v1/organizations/cost_report with an unexpected response body (at next_page: the API kept paging: has_more was still true after 4 pages, the most this window can need (21 buckets of 1d at 31 per page need 1; the margin allows twice that plus 2)) [request-id req_hostile_N]; nothing was recorded for this window, because a malformed answer is not "no spend"',
    );
    expect(costRows).toBe(0);
  });
});

describe('repeated or overlapping buckets', () => {
  /** Page 1 says there is more; page 2 is page 1 again, changed by `second`. */
  function secondPage(second: (p: Page) => Page) {
    let first: Page | undefined;
    return (r: HostileRequest): HostileAction => {
      if (!costPage(r)) return undefined;
      if (!r.query.get('page')) {
        return {
          rewrite: (b) => {
            first = b as Page;
            return { ...first, has_more: true, next_page: 'page_2' };
          },
        };
      }
      return { answer: { status: 200, body: JSON.stringify(second({ ...first!, has_more: false, next_page: null })) } };
    };
  }

  it('page 2 repeating page 1 fails the window ("bucket … came twice"), nothing written, exit 1', async () => {
    const { res, errors, costRows, cost } = await costBackfill(secondPage((p) => p));
    expect(res.code, res.stderr).toBe(1);
    const page2 = () => cost.find((r) => r.query.get('page') === 'page_2')!.n;
    // The line names the answer that repeated the bucket: page 2's.
    expect(errors[0]).toBe(
      `cost 2026-04-20..2026-05-10 failed: The Admin API answered /v1/organizations/cost_report with an unexpected response body (at data[].starting_at: bucket 2026-04-20 came twice; a window whose buckets repeat is not written, so no spend is counted twice) [request-id req_hostile_${page2()}]; nothing was recorded for this window, because a malformed answer is not "no spend"`,
    );
    expect(costRows).toBe(0);
  });

  it('a bucket overlapping another fails the window, nothing written, exit 1', async () => {
    const shift = (t: string, h: number) => new Date(Date.parse(t) + h * 3600_000).toISOString().replace('.000Z', 'Z');
    const { res, errors, costRows, cost } = await costBackfill(
      secondPage((p) => ({ ...p, data: [{ ...p.data[3]!, starting_at: shift(p.data[3]!.starting_at, 12), ending_at: shift(p.data[3]!.ending_at, 12) }] })),
    );
    expect(res.code, res.stderr).toBe(1);
    expect(errors[0]).toContain('(at data[].starting_at: bucket 2026-04-23T12:00:00Z overlaps bucket 2026-04-23; a window whose buckets repeat is not written');
    expect(errors[0]).toContain(`[request-id req_hostile_${cost.find((r) => r.query.get('page') === 'page_2')!.n}]`);
    expect(costRows).toBe(0);
  });
});
