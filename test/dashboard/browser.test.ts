/**
 * The dashboard page in headless Chromium against a warehouse filled from the emulator: every chart
 * draws data, the figures on the page equal `claude-ingest report` for the same range and filters,
 * changing the range, a filter or the stacking redraws correctly and lands in the URL (a shared URL
 * reopens the same view), tables sort, a planted defect raises the red banner, a writer holding the
 * file shows the busy banner until it goes. Writes test-results/dashboard.png.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEFAULT_VIEW, startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { formatUsd } from '../../src/util/money.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { HAVE_CHROMIUM, IN_CI, launchBrowser, MISSING_CHROMIUM, type Browser } from './browser.js';
import { canon, claudeCodeActors, holdWriteLock, plantedCopy, report, ROOT, sum, type Json } from './helpers.js';

const TODAY = '2026-03-15';
const FROM = '2026-01-15';
const CHARTS = ['chart-spend', 'chart-workspace', 'chart-model', 'chart-cost-type', 'chart-keys', 'chart-cc-users', 'chart-cc-lines', 'chart-cc-tools'];

if (!HAVE_CHROMIUM && !IN_CI) console.warn(`skipping the dashboard browser tests: ${MISSING_CHROMIUM}`);

describe.runIf(!HAVE_CHROMIUM && IN_CI)('dashboard browser tests in CI', () => {
  it('need Chromium', () => {
    throw new Error(MISSING_CHROMIUM);
  });
});

describe.runIf(HAVE_CHROMIUM)('dashboard in a browser', () => {
  let w: FilledWarehouse;
  let dash: Dashboard;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    w = await fillWarehouse({ today: TODAY, from: FROM, seed: 5, name: 'browser.duckdb' });
    dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {} });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !/status of 503/.test(m.text()) && pageErrors.push(m.text()));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await w?.close();
  });

  /** Waits for the page to finish loading the current view (all API calls answered and drawn). */
  async function settled(p: Page = page): Promise<void> {
    await p.waitForFunction(() => (window as Json).__dashboard?.ready === true, null, { timeout: 20_000 });
  }

  async function act(fn: () => Promise<unknown>, p: Page = page): Promise<void> {
    const before = await p.evaluate(() => (window as Json).__dashboard.generation as number);
    await fn();
    await p.waitForFunction((g) => (window as Json).__dashboard.generation > g && (window as Json).__dashboard.ready === true, before, { timeout: 20_000 });
  }

  const text = (id: string, p: Page = page) => p.locator(`#${id}`).innerText();
  const dashState = (p: Page = page) => p.evaluate(() => (window as Json).__dashboard);
  const query = (p: Page = page) => Object.fromEntries(new URL(p.url()).searchParams);

  it('loads with every chart drawn from data, and the range in the URL', async () => {
    const t0 = Date.now();
    await page.goto(dash.url);
    await settled();
    console.log(`dashboard: first load (60 days, small org) ready in ${Date.now() - t0} ms`);
    for (const id of CHARTS) {
      const el = page.locator(`#${id}`);
      expect(await el.locator('canvas').count(), id).toBeGreaterThan(0);
      expect(await el.getAttribute('data-rendered'), id).toBe('true');
      expect(Number(await el.getAttribute('data-points')), id).toBeGreaterThan(0);
    }
    const d = await dashState();
    // The spend chart plotted non-zero money, the Claude Code chart non-zero users.
    expect(d.plotted['chart-spend'].series.some((s: Json) => s.usd.some((u: string) => u !== '0'))).toBe(true);
    expect(Math.max(...d.plotted['chart-cc-users'].active_users)).toBeGreaterThan(0);
    expect(query()).toEqual({ from: FROM, to: TODAY });
    expect(await page.locator('#banner-check').isHidden()).toBe(true);
    expect(await page.locator('#banner-error').isHidden()).toBe(true);
    expect(await page.locator('#validation-status').innerText()).not.toBe('FAIL');
    expect(pageErrors).toEqual([]);
  });

  it('shows the same figures as claude-ingest report', async () => {
    const days = await report(w, 'day');
    const total = sum(days.map((r) => r.cost_usd));
    expect(await text('kpi-total')).toBe(formatUsd(total));
    const d = await dashState();
    expect(d.data.spend.total.usd).toBe(total);
    const byDay = new Map(days.map((r) => [r.day, canon(r.cost_usd)]));
    const plotted = d.plotted['chart-spend'];
    plotted.days.forEach((day: string, i: number) => expect(sum(plotted.series.map((s: Json) => s.usd[i])), day).toBe(byDay.get(day) ?? '0'));
    const byWs = await report(w, 'workspace');
    expect(d.plotted['chart-workspace'].rows.map((r: Json) => [r.name, r.usd])).toEqual(byWs.map((r) => [r.name, canon(r.cost_usd)]));
    expect(plotted.series.map((s: Json) => [s.name, sum(s.usd)])).toEqual(byWs.map((r) => [r.name, canon(r.cost_usd)]));
    const byModel = await report(w, 'model');
    expect(d.plotted['chart-model'].rows.map((r: Json) => r.usd)).toEqual(byModel.map((r) => canon(r.cost_usd)));
    const byType = await report(w, 'cost_type');
    expect(d.plotted['chart-cost-type'].rows.map((r: Json) => [r.name, r.usd])).toEqual(byType.map((r) => [r.name, canon(r.cost_usd)]));
    // Month to date and the previous month to the same day.
    const mtd = sum((await report(w, 'day', ['--from', '2026-03-01', '--to', TODAY])).map((r) => r.cost_usd));
    const prev = sum((await report(w, 'day', ['--from', '2026-02-01', '--to', '2026-02-15'])).map((r) => r.cost_usd));
    expect(await text('kpi-mtd')).toBe(formatUsd(mtd));
    expect(await text('kpi-prev')).toBe(formatUsd(prev));
    expect(await text('kpi-forecast')).toBe(formatUsd(d.data.spend.month.forecast.usd));
    // Keys: names, tokens and cache hit rate as report --by api_key (which orders by billed cost;
    // the token chart by tokens); the table shows every key.
    const keys = await report(w, 'api_key');
    const byName = (rows: Json[]) => rows.map((k: Json) => [k.name, k.all_input_tokens, k.output_tokens, k.cache_hit_rate]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(byName(d.plotted['chart-keys'].rows)).toEqual(byName(keys.filter((k) => Number(k.all_input_tokens) + Number(k.output_tokens) > 0)));
    const shownKeys = d.plotted['chart-keys'].rows as Json[];
    expect(await page.locator('#table-keys tbody tr').count()).toBe(shownKeys.length);
    const firstKey = page.locator('#table-keys tbody tr').first().locator('td');
    expect(await firstKey.nth(0).innerText()).toBe(shownKeys[0]!.name);
    expect(await firstKey.nth(4).innerText()).toBe(`${(Number(shownKeys[0]!.cache_hit_rate) * 100).toFixed(1)}%`);
    // Claude Code: one row per actor, the same sessions.
    const users = await claudeCodeActors(w.file, FROM, TODAY);
    expect(await page.locator('#table-users tbody tr').count()).toBe(users.length);
    expect(d.data.claudeCode.totals.sessions).toBe(users.reduce((a, u) => a + u.sessions, 0));
    expect(await text('cc-kpi-1')).toBe(d.data.claudeCode.totals.sessions.toLocaleString('en-US'));
  });

  it('opened without a range, the page asks for exactly the default view the server computes ahead', async () => {
    const p = await browser.context.newPage();
    const asked: string[] = [];
    p.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) asked.push(u.pathname + u.search);
    });
    try {
      await p.goto(dash.url);
      await settled(p);
      expect(asked.sort()).toEqual([...DEFAULT_VIEW].sort());
    } finally {
      await p.close();
    }
  });

  it('a new date range redraws everything with that range\'s figures', async () => {
    await act(() => page.locator('#from').fill('2026-02-03'));
    await act(() => page.locator('#to').fill('2026-02-24'));
    expect(query()).toEqual({ from: '2026-02-03', to: '2026-02-24' });
    const args = ['--from', '2026-02-03', '--to', '2026-02-24'];
    const total = sum((await report(w, 'day', args)).map((r) => r.cost_usd));
    expect(await text('kpi-total')).toBe(formatUsd(total));
    const d = await dashState();
    expect(d.plotted['chart-spend'].days).toHaveLength(22);
    expect(d.plotted['chart-cc-users'].days).toHaveLength(22);
    const byWs = await report(w, 'workspace', args);
    expect(d.plotted['chart-workspace'].rows.map((r: Json) => r.usd)).toEqual(byWs.map((r) => canon(r.cost_usd)));
    const users = await claudeCodeActors(w.file, '2026-02-03', '2026-02-24');
    expect(d.data.claudeCode.totals.sessions).toBe(users.reduce((a, u) => a + u.sessions, 0));
    // The month figures follow the end of the range.
    expect(d.data.spend.month.current).toMatchObject({ from: '2026-02-01', to: '2026-02-24' });
    expect(await text('kpi-mtd')).toBe(formatUsd(sum((await report(w, 'day', ['--from', '2026-02-01', '--to', '2026-02-24'])).map((r) => r.cost_usd))));
    // The quick "All" button goes back to the whole span.
    await act(() => page.locator('[data-range="all"]').click());
    expect(query()).toEqual({ from: FROM, to: TODAY });
  });

  it('a workspace filter shows that workspace\'s figure from report --by workspace; the stack toggle splits by model', async () => {
    const byWs = await report(w, 'workspace');
    const target = byWs[1]!;
    const id = String(target.workspace_id ?? 'default');
    await act(() => page.locator('#workspace').selectOption(id));
    expect(query()).toEqual({ from: FROM, to: TODAY, workspace: id });
    expect(await text('kpi-total')).toBe(formatUsd(canon(target.cost_usd)));
    let d = await dashState();
    expect(d.plotted['chart-spend'].series.map((s: Json) => s.name)).toEqual([target.name]);
    expect(d.plotted['chart-workspace'].rows.map((r: Json) => [r.name, r.usd])).toEqual([[target.name, canon(target.cost_usd)]]);

    await act(() => page.locator('#stack-model').click());
    expect(query().stack).toBe('model');
    expect(await page.locator('#stack-model').getAttribute('aria-pressed')).toBe('true');
    const byModel = await report(w, 'model', ['--workspace', id]);
    d = await dashState();
    expect(d.plotted['chart-spend'].stack).toBe('model');
    expect(d.plotted['chart-spend'].series.map((s: Json) => [s.name, sum(s.usd)])).toEqual(byModel.map((r) => [r.name, canon(r.cost_usd)]));

    // And a model filter on top.
    const model = String(byModel.find((r) => r.model !== null)!.model);
    await act(() => page.locator('#model').selectOption(model));
    const both = await report(w, 'day', ['--workspace', id, '--model', model]);
    expect(await text('kpi-total')).toBe(formatUsd(sum(both.map((r) => r.cost_usd))));
    expect(query()).toEqual({ from: FROM, to: TODAY, workspace: id, model, stack: 'model' });
  });

  it('a shared URL reopens the same view', async () => {
    const shared = page.url();
    const other = await browser.context.newPage();
    try {
      await other.goto(shared);
      await settled(other);
      const q = query(other);
      expect(await other.locator('#workspace').inputValue()).toBe(q.workspace);
      expect(await other.locator('#model').inputValue()).toBe(q.model);
      expect(await other.locator('#from').inputValue()).toBe(FROM);
      expect(await other.locator('#stack-model').getAttribute('aria-pressed')).toBe('true');
      expect(await text('kpi-total', other)).toBe(await text('kpi-total'));
      // Back in the first page: the browser's back button undoes the last change.
      await act(() => page.goBack());
      expect(query().model).toBeUndefined();
      await act(() => page.locator('#workspace').selectOption(''));
      await act(() => page.locator('#stack-workspace').click());
    } finally {
      await other.close();
    }
  });

  it('the per-user table sorts by the clicked header', async () => {
    const header = page.locator('#table-users th', { hasText: 'sessions' });
    const sessions = async () => (await page.locator('#table-users tbody tr td:nth-child(3)').allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
    await header.click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const desc = await sessions();
    expect(desc.length).toBeGreaterThan(1);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await header.click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect(await sessions()).toEqual([...desc].sort((a, b) => a - b));
    const nameHeader = page.locator('#table-users th', { hasText: 'user' }).first();
    await nameHeader.click();
    const names = await page.locator('#table-users tbody tr td:nth-child(1)').allInnerTexts();
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('long tables: the first 100 rows with an "other" row, more on demand, and sorting over every row by the server', async () => {
    // A medium org has 200 API keys and 300 Claude Code users; a week is enough to have them all.
    const medium = await fillWarehouse({ today: TODAY, from: '2026-03-09', org: 'medium', seed: 11, name: 'browser-medium.duckdb' });
    const mediumDash = await startDashboard({ warehouseUrl: medium.url, port: 0, today: () => TODAY, log: () => {} });
    const p = await browser.context.newPage();
    try {
      await p.goto(mediumDash.url);
      await settled(p);
      const users = await claudeCodeActors(medium.file, '2026-03-09', TODAY);
      expect(users.length).toBeGreaterThan(200);
      const rows = p.locator('#table-users tbody tr');
      const foot = p.locator('#table-users tfoot');
      expect(await rows.count()).toBe(100);
      // The rest are one "other" row that sums them, so the table's totals are every user's.
      expect(await foot.innerText()).toContain(`${users.length - 100} more`);
      expect(await foot.innerText()).toContain(`(100 of ${users.length} shown)`);
      const otherSessions = Number((await p.locator('#table-users tfoot tr.other td:nth-child(3)').innerText()).replace(/,/g, ''));
      const firstPage = (await p.locator('#table-users tbody tr td:nth-child(3)').allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
      expect(firstPage.reduce((a, b) => a + b, 0) + otherSessions).toBe(users.reduce((a, u) => a + u.sessions, 0));
      // Sorting by sessions ranks all users on the server, not just the 100 drawn: the top row is the busiest of all.
      await p.locator('#table-users th', { hasText: 'sessions' }).click();
      // The header says the sort only once the server's sorted page is drawn.
      await expect.poll(() => p.locator('#table-users th[data-key="sessions"]').getAttribute('aria-sort'), { timeout: 15_000 }).toBe('descending');
      const top = Math.max(...users.map((u) => u.sessions));
      await expect.poll(async () => Number((await rows.first().locator('td:nth-child(3)').innerText()).replace(/,/g, '')), { timeout: 15_000 }).toBe(top);
      // "Show 100 more" until every user is drawn; then the footer goes.
      while ((await foot.count()) > 0) {
        const before = await rows.count();
        await p.locator('#table-users button.show-more').click();
        await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(before);
      }
      expect(await rows.count()).toBe(users.length);
      const sessions = (await p.locator('#table-users tbody tr td:nth-child(3)').allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
      expect(sessions).toEqual(users.map((u) => u.sessions).sort((a, b) => b - a));
    } finally {
      await p.close();
      await mediumDash.close();
      await medium.close();
    }
  }, 120_000);

  it('writes a screenshot to test-results/dashboard.png', async () => {
    await page.goto(`${dash.url}?from=${FROM}&to=${TODAY}`);
    await settled();
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    const file = join(ROOT, 'test-results', 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(file, join(ROOT, 'docs', 'dashboard.png'));
    expect(pageErrors).toEqual([]);
  });

  it('a writer holding the file: the busy banner, then the page recovers by itself', async () => {
    const lock = await holdWriteLock(w.file);
    try {
      // A range not asked for before, so the answers must be read from the file.
      await page.goto(`${dash.url}?from=2026-02-02&to=2026-03-03`);
      await settled();
      expect(await page.locator('#banner-busy').isVisible()).toBe(true);
      expect(await text('banner-busy')).toContain('an ingest is writing the warehouse; retry in a moment');
    } finally {
      await lock.release();
    }
    await page.waitForFunction(() => (window as Json).__dashboard.ready && (window as Json).__dashboard.data.spend, null, { timeout: 15_000 });
    await page.locator('#banner-busy').waitFor({ state: 'hidden', timeout: 15_000 });
    expect(await text('kpi-total')).toBe(formatUsd(sum((await report(w, 'day', ['--from', '2026-02-02', '--to', '2026-03-03'])).map((r) => r.cost_usd))));
  });

  it('a planted defect (a day written twice, a failed window) raises the red banner', async () => {
    const file = await plantedCopy(
      w,
      'defect.duckdb',
      `INSERT INTO claude_costs SELECT * FROM claude_costs WHERE activity_date = DATE '2026-02-20'`,
      `INSERT INTO ingest_windows (run_id, stream, window_start, window_end, status, complete, rows, requests, retries, rate_limited, cents_total, error, started_at, finished_at)
       VALUES ('planted', 'usage', DATE '2026-02-10', DATE '2026-02-12', 'failed', false, 0, 3, 2, 0, NULL, 'HTTP 500 from usage_report', now()::TIMESTAMP, now()::TIMESTAMP)`,
    );
    const bad = await startDashboard({ warehouseUrl: `duckdb:${file}`, port: 0, today: () => TODAY, log: () => {} });
    const p = await browser.context.newPage();
    try {
      await p.goto(bad.url);
      await settled(p);
      const banner = p.locator('#banner-check');
      expect(await banner.isVisible()).toBe(true);
      const t = await banner.innerText();
      expect(t).toContain('FAILED');
      expect(t).toContain('duplicates');
      expect(t).toContain('failed-windows');
      expect(await p.locator('#validation-status').innerText()).toBe('FAIL');
      expect(await p.locator('#failed-windows li').allInnerTexts()).toEqual(['usage 2026-02-10..2026-02-12 failed: HTTP 500 from usage_report']);
      // The figures shown are what the (defective) warehouse holds: still the report's numbers.
      const total = sum((await report(w, 'day', [], file)).map((r) => r.cost_usd));
      expect(await text('kpi-total', p)).toBe(formatUsd(total));
      await p.screenshot({ path: join(ROOT, 'test-results', 'dashboard-failed-check.png'), fullPage: false });
    } finally {
      await p.close();
      await bad.close();
    }
  });
});
