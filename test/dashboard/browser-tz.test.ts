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
import { canon, sum, type Json } from './helpers.js';

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
  /**
   * The "UTC days" tags shown, as "section id: the heading or label they sit in", and the tags of the
   * sections shown that are always on UTC days (a figure that can be local sets its own tag).
   */
  const utcTags = (p: Page = page) =>
    p.evaluate(() => {
      const where = (el: Element) => `${el.closest('section')?.id ?? '?'}: ${(el.parentElement?.textContent ?? '').replace('UTC days', '').replace(/\(.*$/s, '').trim()}`;
      const all = [...document.querySelectorAll('[data-utc-days]')] as HTMLElement[];
      const visible = (el: HTMLElement) => el.checkVisibility();
      return { shown: all.filter(visible).map(where), inShownSections: all.filter((el) => !el.hasAttribute('data-basis-tag') && ((el.closest('section') as HTMLElement | null)?.checkVisibility() ?? false)).map(where) };
    });

  it('shows the zone, plots local days equal to report --tz, tags only what has no hours, and toggles every section to UTC days', async () => {
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
    // The stacks are local days too: per day they add up to the report's day.
    expect(local.series.length).toBeGreaterThan(0);
    local.days.forEach((_d: string, i: number) => expect(sum(local.series.map((x: Json) => x.usd[i]))).toBe(canon(rows[i]!.cost_usd)));
    expect(await page.locator('#kpi-mtd-label').innerText()).toContain('America/New_York');
    // The breakdown bars are the local range's too.
    const breakdown = await page.evaluate(() => (window as Json).__dashboard.data.breakdown);
    expect(breakdown.total).toBe(sum(rows.map((r) => r.cost_usd)));
    // The range pickers mean local days; every figure that stays on UTC days says so, visibly.
    expect(await page.locator('#range-basis').innerText()).toBe('local days in America/New_York');
    const tags = await utcTags();
    // Tokens by key can be local (hourly usage); this warehouse read usage not at all, so its tag shows UTC days.
    expect(tags.shown.filter((t) => t !== 'keys-section: Tokens by API key')).toEqual(tags.inShownSections);
    expect(tags.shown).toEqual(expect.arrayContaining(['spend-section: By cost type', 'keys-section: Tokens by API key', 'cc-section: Claude Code', 'health-section: Data health']));
    // Summed from hours: no tag on the chart, its cards, or the breakdown by workspace and model.
    for (const local of ['Spend per day', 'Month to date', 'Total in range', 'By workspace', 'By model']) expect(tags.shown.some((t) => t.includes(local)), local).toBe(false);

    const before = await page.evaluate(() => (window as Json).__dashboard.generation as number);
    await page.locator('#utc').check();
    await page.waitForFunction((g) => (window as Json).__dashboard.generation > g && (window as Json).__dashboard.ready === true, before, { timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('tz')).toBe('utc');
    expect(await page.locator('#range-basis').innerText()).toBe('UTC days');
    const utc = await plotted();
    expect(utc.timezone).toBeNull();
    expect(utc.series.length).toBeGreaterThan(0);
    const utcRes = await w.cli(['report', '--by', 'day', '--from', '2026-03-06', '--to', '2026-03-10', '--format', 'json']);
    expect(utc.daily).toEqual((JSON.parse(utcRes.stdout) as { rows: Array<{ cost_usd: string }> }).rows.map((r) => canon(r.cost_usd)));
    // Now every section is on UTC days, and the figures that were local say so.
    const utcTagsShown = (await utcTags()).shown;
    expect(utcTagsShown).toEqual(expect.arrayContaining(['spend-section: Spend per day', 'spend-section: Total in range', 'spend-section: By workspace', 'spend-section: By model', 'spend-section: Month to date']));
    expect(pageErrors).toEqual([]);
  });

  it('the pickers’ bounds and quick ranges are local days, and UTC days under the toggle', async () => {
    const p = await browser.context.newPage();
    try {
      await p.goto(new URL('/', dash.url).toString());
      await p.waitForFunction(() => (window as Json).__dashboard?.ready === true, null, { timeout: 20_000 });
      const meta = await p.evaluate(() => (window as Json).__dashboard.meta);
      // Hours are held from the first UTC day: its first hour (00:00 UTC) is the evening before in New York.
      expect(meta.span.from).toBe(FROM);
      expect(meta.localSpan).toEqual({ from: '2026-03-04', to: meta.span.to });
      const pickers = () => p.evaluate(() => ['from', 'to'].map((id) => { const i = document.getElementById(id) as HTMLInputElement; return { value: i.value, min: i.min, max: i.max }; }));
      // The first visit shows the whole local span, bounded by it.
      expect(await pickers()).toEqual([
        { value: meta.localSpan.from, min: meta.localSpan.from, max: meta.localSpan.to },
        { value: meta.localSpan.to, min: meta.localSpan.from, max: meta.localSpan.to },
      ]);
      const spanOf = () => p.evaluate(() => {
        const f = (window as Json).__dashboard.data.spend.filter as { from: string; to: string };
        return { from: f.from, to: f.to };
      });
      const clickRange = async (r: string) => {
        const g = await p.evaluate(() => (window as Json).__dashboard.generation as number);
        await p.locator(`[data-range="${r}"]`).click();
        await p.waitForFunction((g0) => (window as Json).__dashboard.generation > g0 && (window as Json).__dashboard.ready === true, g, { timeout: 20_000 });
      };
      await clickRange('7');
      const to = meta.localSpan.to as string;
      const seven = new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
      expect(await spanOf()).toEqual({ from: seven < meta.localSpan.from ? meta.localSpan.from : seven, to });
      await clickRange('mtd');
      expect(await spanOf()).toEqual({ from: `${to.slice(0, 7)}-01` < meta.localSpan.from ? meta.localSpan.from : `${to.slice(0, 7)}-01`, to });
      await clickRange('all');
      expect(await spanOf()).toEqual(meta.localSpan);
      // The toggle: the range at the data's edges moves to the UTC span, and so do the bounds.
      const g = await p.evaluate(() => (window as Json).__dashboard.generation as number);
      await p.locator('#utc').check();
      await p.waitForFunction((g0) => (window as Json).__dashboard.generation > g0 && (window as Json).__dashboard.ready === true, g, { timeout: 20_000 });
      expect(await pickers()).toEqual([
        { value: meta.span.from, min: meta.span.from, max: meta.span.to },
        { value: meta.span.to, min: meta.span.from, max: meta.span.to },
      ]);
      expect(await spanOf()).toEqual(meta.span);
    } finally {
      await p.close();
    }
  });

  it('without a time zone nothing is tagged: every figure is on UTC days and the pickers say nothing more', async () => {
    const utcDash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {} });
    const p = await browser.context.newPage();
    try {
      await p.goto(new URL('/?from=2026-03-06&to=2026-03-10', utcDash.url).toString());
      await p.waitForFunction(() => (window as Json).__dashboard?.ready === true, null, { timeout: 20_000 });
      expect(await p.locator('#tz-name').innerText()).toBe('UTC');
      expect(await p.locator('#range-basis').isVisible()).toBe(false);
      expect((await utcTags(p)).shown).toEqual([]);
    } finally {
      await p.close();
      await utcDash.close();
    }
  });
});
