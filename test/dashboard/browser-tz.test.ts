/**
 * The dashboard page with a time zone configured (issue 27), in headless Chromium: the zone in the
 * header, the spend chart in local days equal to `report --by day --tz`, and the UTC toggle, which
 * lands in the URL and brings back the stacked UTC days.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { makeCalendar } from '../../src/util/calendar.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { tempDir } from '../helpers/cli.js';
import { HAVE_CHROMIUM, openDashboardBrowser, type DashboardBrowser } from './browser.js';
import type { Json } from './helpers.js';

const TODAY = '2026-03-12';
const FROM = '2026-03-05';

describe.runIf(HAVE_CHROMIUM)('dashboard in a time zone', () => {
  let w: FilledWarehouse;
  let dash: Dashboard;
  let browser: DashboardBrowser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    const cfg = join(tempDir('ci-tz-dash-'), 'tz.yaml');
    writeFileSync(cfg, 'timezone: America/New_York\n');
    w = await fillWarehouse({ today: TODAY, from: FROM, seed: 7, name: 'tz.duckdb', args: ['--config', cfg, '--streams', 'cost,org,analytics_cost_hourly'] });
    dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, calendar: makeCalendar({ timezone: 'America/New_York' }) });
    browser = await openDashboardBrowser();
    ({ page, errors: pageErrors } = browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await w?.close();
  });

  const settled = () => browser.settled();
  const plotted = () => page.evaluate(() => (window as Json).__dashboard.plotted['chart-spend']);

  it('shows the zone, plots local days equal to report --tz, and toggles to UTC days', async () => {
    await page.goto(new URL('/?from=2026-03-06&to=2026-03-10', dash.url).toString());
    await settled();
    expect(await page.locator('#tz-name').innerText()).toBe('America/New_York');
    expect(await page.locator('#utc-toggle').isVisible()).toBe(true);
    const local = await plotted();
    expect(local.timezone).toBe('America/New_York');
    const res = await w.cli(['report', '--by', 'day', '--tz', 'America/New_York', '--from', '2026-03-06', '--to', '2026-03-10', '--format', 'json']);
    const rows = (JSON.parse(res.stdout) as { rows: Array<{ cost_usd: string; day_basis: string }> }).rows;
    expect(local.daily).toEqual(rows.map((r) => r.cost_usd));
    expect(local.day_basis).toEqual(rows.map((r) => r.day_basis));
    expect(await page.locator('#kpi-mtd-label').innerText()).toContain('America/New_York');

    const before = await page.evaluate(() => (window as Json).__dashboard.generation as number);
    await page.locator('#utc').check();
    await page.waitForFunction((g) => (window as Json).__dashboard.generation > g && (window as Json).__dashboard.ready === true, before, { timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('tz')).toBe('utc');
    const utc = await plotted();
    expect(utc.timezone).toBeUndefined();
    expect(utc.series.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
