/**
 * The page in headless Chromium on a warehouse holding two organizations, with budgets from
 * claude-ingest.yaml and alerts sent: the organization names in the header, the organization filter
 * (each organization's figures equal its own ground truth), budget lines and table, alert history,
 * and the Analytics API sections with the people search box; and on a one-organization warehouse
 * without analytics data, budgets or alerts, those sections stay hidden while the rest draws.
 * Writes test-results/dashboard-orgs.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { eachDay } from '../../src/util/dates.js';
import { formatUsd } from '../../src/util/money.js';
import { fillWarehouse } from '../helpers/fill-warehouse.js';
import { queryWarehouse } from '../helpers/warehouse-snapshot.js';
import { HAVE_CHROMIUM, openDashboardBrowser, type DashboardBrowser } from './browser.js';
import { ROOT, type Json } from './helpers.js';
import { KEY_A, KEY_B, ORG_FROM, ORG_TODAY, twoOrganizations, type TwoOrgs } from './orgs-fixture.js';

describe.runIf(HAVE_CHROMIUM)('dashboard in a browser: organizations, budgets, alerts, analytics', () => {
  let o: TwoOrgs;
  let dash: Dashboard;
  let browser: DashboardBrowser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    o = await twoOrganizations();
    dash = await startDashboard({ warehouseUrl: o.url, port: 0, today: () => ORG_TODAY, log: () => {}, alerts: o.alerts });
    browser = await openDashboardBrowser({ consoleErrors: true });
    ({ page, errors: pageErrors } = browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await o?.close();
  });

  const settled = (p?: Page) => browser.settled(p);
  async function act(fn: () => Promise<unknown>): Promise<void> {
    const before = await page.evaluate(() => (window as Json).__dashboard.generation as number);
    await fn();
    await page.waitForFunction((g) => (window as Json).__dashboard.generation > g && (window as Json).__dashboard.ready === true, before, { timeout: 20_000 });
  }
  const dashState = () => page.evaluate(() => (window as Json).__dashboard);
  const text = (id: string) => page.locator(`#${id}`).innerText();
  const truthUsd = (key: string) => new Decimal(o.emu.truthFor(key).costCentsRange(ORG_FROM, ORG_TODAY)).div(100).toFixed();

  it('the header names both organizations; the filter offers them, all (totals) by default', async () => {
    await page.goto(dash.url);
    await settled();
    const orgs = await queryWarehouse(o.file, 'SELECT id, name FROM claude_organization ORDER BY name, id');
    expect(orgs).toHaveLength(2);
    expect(await text('org-names')).toBe(orgs.map((r) => r.name).join(' · '));
    expect(await page.locator('#organization-filter').isVisible()).toBe(true);
    const options = await page.locator('#organization option').evaluateAll((els) => els.map((e) => [(e as HTMLOptionElement).value, e.textContent]));
    expect(options).toEqual([['', 'All organizations (totals)'], ...orgs.map((r) => [r.id, r.name])]);
    expect(await text('kpi-total')).toBe(formatUsd(new Decimal(truthUsd(KEY_A)).plus(truthUsd(KEY_B)).toFixed()));
    expect(pageErrors).toEqual([]);
  });

  it('choosing an organization shows its own figures (its ground truth) and lands in the URL', async () => {
    const a = o.emu.truthFor(KEY_A);
    await act(() => page.locator('#organization').selectOption(a.organizationId));
    expect(new URL(page.url()).searchParams.get('organization')).toBe(a.organizationId);
    expect(await text('kpi-total')).toBe(formatUsd(truthUsd(KEY_A)));
    const d = await dashState();
    const sessions = eachDay(ORG_FROM, ORG_TODAY).reduce((n, day) => n + a.claudeCode(day).sessions, 0);
    expect(d.data.claudeCode.totals.sessions).toBe(sessions);
    expect(d.data.analytics.total).toBe(eachDay(ORG_FROM, ORG_TODAY).reduce((x, day) => x.plus(a.analytics.costCents(day)), new Decimal(0)).div(100).toFixed());
    // A shared URL reopens the same organization.
    const other = await browser.context.newPage();
    try {
      await other.goto(page.url());
      await settled(other);
      expect(await other.locator('#organization').inputValue()).toBe(a.organizationId);
      expect(await other.locator('#kpi-total').innerText()).toBe(formatUsd(truthUsd(KEY_A)));
    } finally {
      await other.close();
    }
    await act(() => page.locator('#organization').selectOption(''));
    expect(new URL(page.url()).searchParams.has('organization')).toBe(false);
  });

  it('budget lines on the spend chart, the budget table with exact figures, and the alert history', async () => {
    const d = await dashState();
    const budgets = d.data.budgets.budgets as Json[];
    expect(await page.locator('#budgets-section').isVisible()).toBe(true);
    const rows = page.locator('#table-budgets tbody tr');
    expect(await rows.count()).toBe(2);
    const org = rows.filter({ hasText: 'Organization' }).locator('td');
    const mtd = [KEY_A, KEY_B].reduce((x, k) => x.plus(o.emu.truthFor(k).costCentsRange('2026-03-01', ORG_TODAY)), new Decimal(0)).div(100).toFixed();
    expect(await org.nth(2).innerText()).toBe(formatUsd(o.budgetUsd));
    expect(await org.nth(3).innerText()).toBe(formatUsd(mtd));
    expect(await org.nth(4).innerText()).toBe(`${budgets[0].percent} %`);
    expect(await org.nth(5).innerText()).toBe(formatUsd(budgets[0].forecast_usd));
    expect(await org.nth(7).innerText()).toBe('50 %');
    // One dashed line per budget at its daily pace, on the spend chart's days.
    const lines = d.plotted['chart-spend'].budgets as Json[];
    expect(lines.map((l) => l.name)).toEqual(['Organization budget (daily pace)', 'Team budget (daily pace)']);
    const days = d.plotted['chart-spend'].days as string[];
    expect(lines[1].usd[days.indexOf('2026-02-10')]).toBe('3.57');
    expect(lines[1].usd[days.indexOf('2026-03-10')]).toBe('3.23');
    // The alert history: one row per alert_events row.
    const events = await queryWarehouse(o.file, 'SELECT title FROM alert_events');
    expect(await page.locator('#alerts-section').isVisible()).toBe(true);
    expect(await page.locator('#table-alerts tbody tr').count()).toBe(events.length);
    expect((await page.locator('#table-alerts tbody tr td:nth-child(2)').allInnerTexts()).sort()).toEqual(events.map((e) => String(e.title)).sort());
  });

  it('analytics: cost per key, per product stacked over time, per person with a search box', async () => {
    expect(await page.locator('#analytics-section').isVisible()).toBe(true);
    const d = await dashState();
    const products = d.plotted['chart-products'];
    expect(products.days).toHaveLength(eachDay(ORG_FROM, ORG_TODAY).length);
    expect(products.series.length).toBeGreaterThan(1);
    expect(Number(await page.locator('#chart-key-cost').getAttribute('data-points'))).toBeGreaterThan(0);
    const people = d.data.analytics.people as Json[];
    expect(await page.locator('#table-people tbody tr').count()).toBe(Math.min(people.length, 100));
    const target = people.find((p) => String(p.actor).includes('@'))!;
    const needle = String(target.actor).split('@')[0]!.toUpperCase();
    await page.locator('#people-search').fill(needle);
    const matching = people.filter((p) => `${p.name} ${p.email ?? ""} ${p.actor}`.toLowerCase().includes(needle.toLowerCase()));
    const shown = page.locator('#table-people tbody tr');
    // The server searches every person (name, email, id); the answer redraws the table.
    await expect.poll(() => text('people-count'), { timeout: 15_000 }).toBe(`${matching.length} of ${people.length}`);
    expect(await shown.count()).toBe(matching.length);
    expect(await shown.first().locator('td').nth(2).innerText()).toBe(formatUsd(matching[0].billed_cost_usd));
    await page.locator('#people-search').fill('');
    await expect.poll(() => text('people-count'), { timeout: 15_000 }).toBe(`${people.length}`);
    expect(await page.locator('#table-people tbody tr').count()).toBe(Math.min(people.length, 100));
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'dashboard-orgs.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('one organization, no analytics data, no budgets, no alerts: those sections stay hidden, the rest draws', async () => {
    const w = await fillWarehouse({ today: '2026-03-15', from: '2026-03-01', seed: 3, name: 'plain.duckdb', args: ['--streams', 'cost,usage,claude_code,org'] });
    const plain = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => '2026-03-15', log: () => {} });
    const p = await browser.context.newPage();
    try {
      await p.goto(plain.url);
      await settled(p);
      for (const id of ['organization-filter', 'budgets-section', 'alerts-section', 'analytics-section']) expect(await p.locator(`#${id}`).isHidden(), id).toBe(true);
      const [org] = await queryWarehouse(w.file, 'SELECT name FROM claude_organization');
      expect(await p.locator('#org-names').innerText()).toBe(String(org!.name));
      for (const id of ['chart-spend', 'chart-workspace', 'chart-keys', 'chart-cc-users']) expect(await p.locator(`#${id}`).getAttribute('data-rendered'), id).toBe('true');
      expect(await p.locator('#kpi-total').innerText()).toBe(formatUsd(new Decimal(w.emu.truth.costCentsRange('2026-03-01', '2026-03-15')).div(100).toFixed()));
      expect(await p.locator('#banner-error').isHidden()).toBe(true);
    } finally {
      await p.close();
      await plain.close();
      await w.close();
    }
  }, 120_000);
});
