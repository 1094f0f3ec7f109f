/**
 * The "who pays" section (issue 25) in headless Chromium: with allocation rules, spend per day stacked
 * by the chosen dimension, the chargeback table and the Claude Code value table with its flags, each
 * equal to /api/allocation for the same view; the dimension selector redraws by another dimension
 * and lands in the URL; without rules the section stays hidden.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loadAllocationRules } from '../../src/config/allocation-rules.js';
import { loadConfig } from '../../src/config/load.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { formatUsd } from '../../src/util/money.js';
import { fillWarehouse, type FilledWarehouse } from '../helpers/fill-warehouse.js';
import { HAVE_CHROMIUM, openDashboardBrowser, type DashboardBrowser } from './browser.js';
import type { Json } from './helpers.js';

const TODAY = '2026-03-05';
const RANGE = 'from=2026-03-01&to=2026-03-04';

describe.runIf(HAVE_CHROMIUM)('dashboard: who pays (allocation rules)', () => {
  let w: FilledWarehouse;
  let dash: Dashboard;
  let bare: Dashboard;
  let browser: DashboardBrowser;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    w = await fillWarehouse({ today: TODAY, from: '2026-02-20', seed: 4, name: 'alloc-page.duckdb', args: ['--streams', 'cost,claude_code,analytics_cost,org'] });
    const config = join(w.dir, 'claude-ingest.yaml');
    writeFileSync(
      config,
      `allocation:
  dimensions: [team, cost_center]
  rules:
    - { name: code, match: { product: claude_code }, set: { team: Engineering, cost_center: CC-3 } }
    - { name: prod, match: { api_key: "prod-*" }, set: { team: Platform, cost_center: CC-1 } }
`,
    );
    const loaded = loadConfig(config, {});
    const allocation = loadAllocationRules(loaded.config.allocation, loaded.path);
    dash = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0, allocation });
    bare = await startDashboard({ warehouseUrl: w.url, port: 0, today: () => TODAY, log: () => {}, warmIntervalMs: 0 });
    browser = await openDashboardBrowser();
    ({ page, errors: pageErrors } = browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await bare?.close();
    await w?.close();
  });

  const settled = () => browser.settled();
  const api = async (dim: string): Promise<Json> => (await fetch(new URL(`/api/allocation?${RANGE}&dim=${dim}`, dash.url))).json();
  const cells = (id: string) => page.locator(`#${id} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  const heads = (id: string) => page.locator(`#${id} thead th`).allInnerTexts();

  /** The section as drawn equals the API's answer for `dim`. */
  async function expectDrawn(dim: string): Promise<void> {
    const a = await api(dim);
    expect(a.configured).toBe(true);
    expect(a.chargeback.length).toBeGreaterThan(0);
    expect(await page.locator('#allocation-dim').inputValue()).toBe(dim);
    const plotted = await page.evaluate(() => (window as Json).__dashboard.plotted['chart-allocation']);
    expect(plotted.dim).toBe(dim);
    expect(plotted.days).toEqual(a.days.map((d: Json) => d.day));
    expect(plotted.series.map((s: Json) => s.name)).toEqual(a.values);
    for (const s of plotted.series) expect(s.usd, s.name).toEqual(a.days.map((d: Json) => d.values[s.name] ?? null));
    expect(await page.locator('#chart-allocation canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-allocation').getAttribute('data-points')).toBe(String(a.days.length));

    expect(await heads('table-chargeback')).toEqual([dim, 'billed', 'list', 'share of billed']);
    expect(await cells('table-chargeback')).toEqual(a.chargeback.map((c: Json) => [c.value, formatUsd(c.billed_usd), formatUsd(c.list_usd), `${c.share_pct.toFixed(2)} %`]));
    expect(await page.locator('#allocation-range').innerText()).toContain(formatUsd(a.totalUsd));

    expect((await heads('table-cc-value'))[0]).toBe(dim);
    expect((await heads('table-cc-value')).at(-1)).toBe('flags');
    const cc = await cells('table-cc-value');
    expect(cc.map((r) => r[0])).toEqual(a.claudeCode.map((r: Json) => r[dim]));
    a.claudeCode.forEach((r: Json, i: number) => {
      expect(cc[i]![1], r[dim]).toBe(formatUsd(r.claude_code_billed_usd));
      expect(cc[i]![2], r[dim]).toBe(r.sessions.toLocaleString('en-US'));
      const flags = [
        ...(r.activity_without_billed_cost > 0 ? [`${r.activity_without_billed_cost} with activity but no billed cost (subscription seat?)`] : []),
        ...(r.billed_cost_without_activity > 0 ? [`${r.billed_cost_without_activity} with billed cost but no activity`] : []),
      ].join('; ');
      expect(cc[i]!.at(-1), r[dim]).toBe(flags);
    });
    const flagged = a.claudeCode.filter((r: Json) => r.activity_without_billed_cost > 0 || r.billed_cost_without_activity > 0).length;
    expect(flagged, 'the emulator data has people with activity but no billed cost').toBeGreaterThan(0);
    expect(await page.locator('#cc-value-flags').innerText()).toBe(flagged ? `${flagged} ${dim} value${flagged > 1 ? 's' : ''} flagged` : 'nothing flagged');
  }

  it('draws spend per day by the first dimension, the chargeback and the Claude Code value as the API gives them', async () => {
    await page.goto(new URL(`/?${RANGE}`, dash.url).toString());
    await settled();
    expect(await page.locator('#allocation-section').isVisible()).toBe(true);
    expect(await page.locator('#allocation-dim option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['team', 'cost_center']);
    await expectDrawn('team');
    // The rules send Claude Code to Engineering: its row has sessions beside its billed cost.
    const eng = (await cells('table-cc-value')).find((r) => r[0] === 'Engineering');
    expect(Number(eng?.[2]?.replace(/,/g, ''))).toBeGreaterThan(0);
  });

  it('the selector stacks by another dimension, lands in the URL, and the URL reopens it', async () => {
    const before = await page.evaluate(() => (window as Json).__dashboard.generation as number);
    await page.locator('#allocation-dim').selectOption('cost_center');
    await page.waitForFunction((g) => (window as Json).__dashboard.generation > g && (window as Json).__dashboard.ready === true, before, { timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('dim')).toBe('cost_center');
    await expectDrawn('cost_center');
    await page.reload();
    await settled();
    await expectDrawn('cost_center');
    // An old link naming a dimension the rules no longer declare falls back to the first one.
    await page.goto(new URL(`/?${RANGE}&dim=squad`, dash.url).toString());
    await settled();
    expect(await page.locator('#banner-error').isHidden()).toBe(true);
    expect(new URL(page.url()).searchParams.get('dim')).toBeNull();
    await expectDrawn('team');
    expect(pageErrors).toEqual([]);
  });

  it('stays hidden without allocation rules', async () => {
    await page.goto(new URL(`/?${RANGE}`, bare.url).toString());
    await settled();
    expect(await page.evaluate(() => (window as Json).__dashboard.data.allocation?.configured)).toBe(false);
    expect(await page.locator('#allocation-section').isHidden()).toBe(true);
    // The rest of the page is drawn as usual.
    expect(await page.locator('#chart-spend').getAttribute('data-rendered')).toBe('true');
    expect(pageErrors).toEqual([]);
  });
});
