/**
 * The default view's answers kept beside the DuckDB file (src/dashboard/kept-answers.ts): a second
 * start on the unchanged file serves them without computing; a daily run, a row edited by hand, an
 * unreadable file, another day or another config mean they are computed again, byte-identical to a
 * server that keeps nothing.
 */
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersDay, keptAnswersFile } from '../../src/dashboard/kept-answers.js';
import { makeCalendar } from '../../src/util/calendar.js';
import { DEFAULT_VIEW, startDashboard, type DashboardOptions } from '../../src/dashboard/server.js';
import { fillWarehouse, runSql, type FilledWarehouse } from '../helpers/fill-warehouse.js';

const TODAY = '2026-03-05';
const MARK = JSON.stringify({ servedFromKeptFile: true });
let w: FilledWarehouse;

beforeAll(async () => {
  w = await fillWarehouse({ today: TODAY, from: '2026-02-20', seed: 31, name: 'kept.duckdb' });
});
afterAll(async () => {
  await w?.close();
});

/** Every default-view answer's text from a server started on the file, after its warm-up. */
async function answers(extra: Partial<DashboardOptions> = {}): Promise<{ texts: Map<string, string>; warm: boolean }> {
  const dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, ...extra });
  try {
    await dash.warm();
    const warm = await dash.isWarm();
    const texts = new Map<string, string>();
    for (const path of DEFAULT_VIEW) {
      const res = await fetch(new URL(path, dash.url));
      expect(res.status, path).toBe(200);
      texts.set(path, await res.text());
    }
    return { texts, warm };
  } finally {
    await dash.close();
  }
}

/** Answers computed by a server that keeps nothing on disk: the reference. */
const fresh = async () => (await answers({ keptAnswers: false })).texts;

/** Replaces one kept answer with a marker (the file's stamp untouched): served only if the kept file is used. */
function tamper(path: string): void {
  const file = keptAnswersFile(w.file);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { answers: Record<string, string> };
  stored.answers[path] = MARK;
  writeFileSync(file, JSON.stringify(stored));
}

const editByHand = (sql: string) => runSql(w.file, sql);

describe('kept default-view answers', () => {
  it('are written by the first start, byte-identical to a server keeping nothing, and served by the next start', async () => {
    const first = await answers();
    expect(existsSync(keptAnswersFile(w.file))).toBe(true);
    expect(first.texts).toEqual(await fresh());
    tamper('/api/spend?stack=workspace');
    const again = await answers();
    expect(again.warm).toBe(true);
    expect(again.texts.get('/api/spend?stack=workspace')).toBe(MARK);
    for (const path of DEFAULT_VIEW.filter((p) => p !== '/api/spend?stack=workspace')) expect(again.texts.get(path), path).toBe(first.texts.get(path));
  });

  it('are not used on another day or under another config', async () => {
    await answers();
    tamper('/api/health');
    const otherDay = await answers({ today: () => '2026-03-06' });
    expect(otherDay.texts.get('/api/health')).not.toBe(MARK);
    tamper('/api/health');
    const otherConfig = await answers({ alerts: { budgets: [] } as unknown as DashboardOptions['alerts'] });
    expect(otherConfig.texts.get('/api/health')).not.toBe(MARK);
  });

  it('are computed again after a daily run rewrote days', async () => {
    await answers();
    tamper('/api/spend?stack=workspace');
    const run = await w.cli(['run']);
    expect(run.code, run.stderr).toBe(0);
    const after = await answers();
    expect(after.texts.get('/api/spend?stack=workspace')).not.toBe(MARK);
    expect(after.texts).toEqual(await fresh());
  });

  it('are computed again after a row was edited by hand, and show the edit', async () => {
    const before = await answers();
    tamper('/api/spend?stack=workspace');
    await editByHand(`UPDATE claude_costs SET amount_cents = amount_cents + 100, amount_usd = amount_usd + 1 WHERE rowid = (SELECT MIN(rowid) FROM claude_costs WHERE activity_date = DATE '2026-03-01')`);
    const after = await answers();
    const spend = after.texts.get('/api/spend?stack=workspace')!;
    expect(spend).not.toBe(MARK);
    expect(spend).not.toBe(before.texts.get('/api/spend?stack=workspace'));
    expect(after.texts).toEqual(await fresh());
  });

  it('an unreadable or misshapen file is ignored and replaced', async () => {
    for (const junk of ['{not json', JSON.stringify({ format: 1, key: 'x', stamp: 'y', answers: { '/api/meta': 5 } }), '[]']) {
      writeFileSync(keptAnswersFile(w.file), junk);
      const got = await answers();
      expect(got.texts).toEqual(await fresh());
      expect(() => JSON.parse(readFileSync(keptAnswersFile(w.file), 'utf8')) as unknown).not.toThrow();
    }
  });

  it('are readable by no one the warehouse file is not readable by (its permission bits, whatever the umask)', async () => {
    const before = statSync(w.file).mode & 0o777;
    try {
      for (const mode of [0o600, 0o640]) {
        chmodSync(w.file, mode);
        rmSync(keptAnswersFile(w.file), { force: true });
        await answers();
        expect((statSync(keptAnswersFile(w.file)).mode & 0o777).toString(8)).toBe(mode.toString(8));
      }
    } finally {
      chmodSync(w.file, before);
    }
  });
});

describe('the day answers are kept under', () => {
  it('names the local today in a zone, which can change within one UTC day', () => {
    // 2026-03-01 is past: its local today is the local day in progress at its last UTC second.
    expect(answersDay('2026-03-01', undefined)).toBe('2026-03-01');
    expect(answersDay('2026-03-01', makeCalendar({ timezone: 'UTC' }))).toBe('2026-03-01/2026-03-01');
    expect(answersDay('2026-03-01', makeCalendar({ timezone: 'Pacific/Auckland' }))).toBe('2026-03-01/2026-03-02');
    expect(answersDay('2026-03-01', makeCalendar({ timezone: 'America/New_York' }))).toBe('2026-03-01/2026-03-01');
  });
});
